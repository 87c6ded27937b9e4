using System.Buffers.Binary;
using System.Text;
using Reproduction.ElfPatch;

namespace Repro.Tests.Native;

/// <summary>
/// Builds minimal little-endian ELF64 images with a dynamic string table, a <c>.gnu.version_r</c>
/// (needed versions per library) and optionally a <c>.gnu.version_d</c> (defined versions), laid out
/// as the GNU linker does: Verneed records each followed by their Vernaux entries.
/// </summary>
public static class SyntheticElf
{
    public static byte[] Build(IReadOnlyList<(string Library, (string Version, ushort Flags)[] Versions)> needs,
                               IReadOnlyList<string>? defines = null)
    {
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var offsets = new Dictionary<string, uint>();
        uint Str(string s)
        {
            if (offsets.TryGetValue(s, out var o)) return o;
            o = (uint)strtab.Length;
            strtab.Write(Encoding.ASCII.GetBytes(s));
            strtab.WriteByte(0);
            return offsets[s] = o;
        }

        var verneed = new MemoryStream();
        for (int i = 0; i < needs.Count; i++)
        {
            var (lib, versions) = needs[i];
            bool last = i == needs.Count - 1;
            Write16(verneed, 1); Write16(verneed, (ushort)versions.Length); Write32(verneed, Str(lib));
            Write32(verneed, 16); Write32(verneed, last ? 0u : (uint)(16 + 16 * versions.Length));
            for (int a = 0; a < versions.Length; a++)
            {
                Write32(verneed, ElfHash(versions[a].Version)); Write16(verneed, versions[a].Flags);
                Write16(verneed, (ushort)(2 + a)); Write32(verneed, Str(versions[a].Version));
                Write32(verneed, a == versions.Length - 1 ? 0u : 16u);
            }
        }

        var verdef = new MemoryStream();
        defines ??= [];
        for (int i = 0; i < defines.Count; i++)
        {
            bool last = i == defines.Count - 1;
            Write16(verdef, 1); Write16(verdef, 0); Write16(verdef, (ushort)(i + 1)); Write16(verdef, 1);
            Write32(verdef, ElfHash(defines[i])); Write32(verdef, 20); Write32(verdef, last ? 0u : 28u);
            Write32(verdef, Str(defines[i])); Write32(verdef, 0);
        }

        var dynstr = strtab.ToArray();
        const int header = 64;
        int dynstrOff = header, verneedOff = Align(dynstrOff + dynstr.Length), verdefOff = Align(verneedOff + (int)verneed.Length);
        int shOff = Align(verdefOff + (int)verdef.Length);
        int shnum = defines.Count > 0 ? 4 : 3;
        var image = new byte[shOff + 64 * shnum];

        "\u007fELF"u8.CopyTo(image);
        image[4] = 2; image[5] = 1; image[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x10), 3);      // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x12), 0x3E);   // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x14), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x28), (ulong)shOff);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x34), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3C), (ushort)shnum);

        dynstr.CopyTo(image, dynstrOff);
        verneed.ToArray().CopyTo(image, verneedOff);
        verdef.ToArray().CopyTo(image, verdefOff);
        SectionHeader(image, shOff, 1, 3, dynstrOff, dynstr.Length, 0);                                   // SHT_STRTAB
        SectionHeader(image, shOff, 2, ElfImage.ShtGnuVerneed, verneedOff, (int)verneed.Length, 1);
        if (shnum == 4) SectionHeader(image, shOff, 3, ElfImage.ShtGnuVerdef, verdefOff, (int)verdef.Length, 1);
        return image;
    }

    /// <summary>A libLibTorchSharp.so-like image: libstdc++ versions 3.4 … 3.4.32 (strong) and glibc.</summary>
    public static byte[] TorchSharpLike(ushort glibcxx32Flags = 0) => Build(
    [
        ("libstdc++.so.6", [("CXXABI_1.3", 0), ("GLIBCXX_3.4", 0), ("GLIBCXX_3.4.32", glibcxx32Flags), ("GLIBCXX_3.4.21", 0)]),
        ("libc.so.6", [("GLIBC_2.2.5", 0), ("GLIBC_2.14", 0)]),
    ]);

    /// <summary>A libstdc++-like image that defines the given versions.</summary>
    public static byte[] LibStdCxx(params string[] versions) => Build([("libc.so.6", [("GLIBC_2.2.5", 0)])], versions);

    private static void SectionHeader(byte[] image, int shOff, int index, uint type, int offset, int size, uint link)
    {
        var h = image.AsSpan(shOff + 64 * index);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt64LittleEndian(h[0x18..], (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(h[0x20..], (ulong)size);
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x28..], link);
    }

    private static int Align(int x) => (x + 7) & ~7;
    private static void Write16(Stream s, ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); s.Write(b); }
    private static void Write32(Stream s, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); s.Write(b); }

    /// <summary>The System V ELF hash (vna_hash / vd_hash).</summary>
    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }
}
