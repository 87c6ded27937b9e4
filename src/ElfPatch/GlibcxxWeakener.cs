using System.Buffers.Binary;

namespace Reproduction.ElfPatch;

/// <summary>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> needs <c>GLIBCXX_3.4.32</c> (GCC 13) for one symbol,
/// <c>std::ios_base_library_init()</c>, that it never calls. Debian 12's libstdc++ (GCC 12) stops at
/// 3.4.30, so the dynamic loader refuses the library. Setting VER_FLG_WEAK on that Vernaux entry makes
/// a missing version a warning instead of an error. This class does exactly that, to a copy in a build
/// output, and only when the system libstdc++ really lacks the version.
/// </summary>
public static class GlibcxxWeakener
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";
    public const string TargetLibraryName = "libLibTorchSharp.so";

    public enum Outcome { Patched, AlreadyWeak, NotReferenced }

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="version"/>; idempotent; atomic rewrite.</summary>
    public static Outcome WeakenVersionNeed(string path, string version = RequiredVersion)
    {
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : throw new ElfFormatException(path, "file not found");
        var needs = ElfImage.Parse(path, bytes).VersionNeeds().Where(n => n.Version == version).ToList();
        if (needs.Count == 0) return Outcome.NotReferenced;
        if (needs.All(n => n.IsWeak)) return Outcome.AlreadyWeak;

        foreach (var n in needs)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)n.FlagsOffset), (ushort)(n.Flags | ElfImage.VerFlgWeak));

        string tmp = path + ".elfpatch.tmp";
        File.WriteAllBytes(tmp, bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, File.GetUnixFileMode(path));
        File.Move(tmp, path, overwrite: true);
        return Outcome.Patched;
    }

    /// <summary>True when the ELF at <paramref name="libstdcxxPath"/> defines <paramref name="version"/>.</summary>
    public static bool Defines(string libstdcxxPath, string version = RequiredVersion) =>
        ElfImage.Load(libstdcxxPath).VersionDefinitions().Contains(version);

    /// <summary>True when <paramref name="libPath"/>'s reference to <paramref name="version"/> is weak (patched).</summary>
    public static bool IsWeakened(string libPath, string version = RequiredVersion) =>
        ElfImage.Load(libPath).VersionNeeds().Any(n => n.Version == version && n.IsWeak);

    /// <summary>The libstdc++ the dynamic loader would pick on this machine, or null where none is found.</summary>
    public static string? FindSystemLibStdCxx()
    {
        string[] candidates =
        [
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        ];
        return candidates.FirstOrDefault(File.Exists);
    }
}
