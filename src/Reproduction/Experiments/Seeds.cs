using System.Security.Cryptography;
using System.Text;

namespace Reproduction.Experiments;

/// <summary>
/// Every seed of an experiment, derived in one place from the run seed and what it is for (pipeline, stage,
/// purpose), so two purposes never share a random stream by accident and adding one changes no other.
/// </summary>
public static class Seeds
{
    /// <summary>A 31-bit seed for <paramref name="purpose"/> (e.g. "base/phase-0") under run seed <paramref name="seed"/>.</summary>
    public static int Derive(int seed, string purpose)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{purpose}"));
        return (int)(BitConverter.ToUInt32(hash, 0) & 0x7fff_ffff);
    }
}
