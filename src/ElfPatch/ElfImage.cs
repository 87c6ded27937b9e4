using System.Buffers.Binary;
using System.Text;

namespace Reproduction.ElfPatch;

/// <summary>
/// A read-only view of a little-endian ELF64 file: its section headers and the two GNU symbol-versioning
/// tables, <c>.gnu.version_r</c> (versions this object needs, "Verneed"/"Vernaux") and
/// <c>.gnu.version_d</c> (versions it defines, "Verdef"/"Verdaux"). Every offset is bounds-checked;
/// a malformed file raises <see cref="ElfFormatException"/> naming the file and the problem.
/// </summary>
public sealed class ElfImage
{
    public const uint ShtGnuVerdef = 0x6ffffffd;   // SHT_GNU_verdef
    public const uint ShtGnuVerneed = 0x6ffffffe;  // SHT_GNU_verneed
    public const ushort VerFlgWeak = 0x2;          // VER_FLG_WEAK

    private const int Elf64HeaderSize = 64;
    private const int Elf64SectionHeaderSize = 64;
    private const int MaxChainLength = 1 << 16;    // guards against cyclic vn_next/vna_next chains

    private readonly byte[] _bytes;

    public string Path { get; }
    public IReadOnlyList<Section> Sections { get; }

    public sealed record Section(int Index, uint Type, ulong Offset, ulong Size, uint Link);

    /// <summary>One Vernaux entry: a version of a needed library, with the file offset of its <c>vna_flags</c>.</summary>
    public sealed record VersionNeed(string Library, string Version, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlgWeak) != 0;
    }

    private ElfImage(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        Sections = ReadSections();
    }

    public static ElfImage Load(string path)
    {
        if (!File.Exists(path)) throw new ElfFormatException(path, "file not found");
        return Parse(path, File.ReadAllBytes(path));
    }

    public static ElfImage Parse(string path, byte[] bytes) => new(path, bytes);

    private ElfFormatException Bad(string problem) => new(Path, problem);

    private List<Section> ReadSections()
    {
        if (_bytes.Length < Elf64HeaderSize) throw Bad($"truncated: {_bytes.Length} bytes is shorter than an ELF64 header");
        if (_bytes[0] != 0x7f || _bytes[1] != (byte)'E' || _bytes[2] != (byte)'L' || _bytes[3] != (byte)'F')
            throw Bad("not an ELF file (bad magic)");
        if (_bytes[4] != 2) throw Bad("only 64-bit ELF (EI_CLASS=2) is supported");
        if (_bytes[5] != 1) throw Bad("only little-endian ELF (EI_DATA=1) is supported");

        ulong shoff = U64(0x28);
        ushort shentsize = U16(0x3A);
        ushort shnum = U16(0x3C);
        if (shnum == 0) return [];
        if (shentsize != Elf64SectionHeaderSize) throw Bad($"unexpected section header size {shentsize}");
        CheckRange(shoff, (ulong)shnum * Elf64SectionHeaderSize, "section header table");

        var sections = new List<Section>(shnum);
        for (int i = 0; i < shnum; i++)
        {
            long h = (long)shoff + (long)i * Elf64SectionHeaderSize;
            sections.Add(new Section(i, U32(h + 4), U64(h + 0x18), U64(h + 0x20), U32(h + 0x28)));
        }
        return sections;
    }

    /// <summary>Every Vernaux entry of <c>.gnu.version_r</c>, in file order.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        foreach (var sec in Sections.Where(s => s.Type == ShtGnuVerneed))
        {
            CheckRange(sec.Offset, sec.Size, ".gnu.version_r");
            var strtab = StringTableFor(sec);
            long vn = (long)sec.Offset;
            for (int n = 0; n < MaxChainLength; n++)
            {
                CheckRange((ulong)vn, 16, "Verneed entry");
                ushort cnt = U16(vn + 2);
                string file = strtab.Get(U32(vn + 4));
                uint aux = U32(vn + 8), next = U32(vn + 12);
                long vna = vn + aux;
                for (int a = 0; a < cnt; a++)
                {
                    CheckRange((ulong)vna, 16, "Vernaux entry");
                    result.Add(new VersionNeed(file, strtab.Get(U32(vna + 8)), U16(vna + 4), vna + 4));
                    uint vnaNext = U32(vna + 12);
                    if (vnaNext == 0) break;
                    vna += vnaNext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
        return result;
    }

    /// <summary>Every version name that <c>.gnu.version_d</c> defines (e.g. GLIBCXX_3.4.30 in libstdc++).</summary>
    public IReadOnlyList<string> VersionDefinitions()
    {
        var result = new List<string>();
        foreach (var sec in Sections.Where(s => s.Type == ShtGnuVerdef))
        {
            CheckRange(sec.Offset, sec.Size, ".gnu.version_d");
            var strtab = StringTableFor(sec);
            long vd = (long)sec.Offset;
            for (int n = 0; n < MaxChainLength; n++)
            {
                CheckRange((ulong)vd, 20, "Verdef entry");
                ushort cnt = U16(vd + 6);
                uint aux = U32(vd + 12), next = U32(vd + 16);
                if (cnt > 0)
                {
                    CheckRange((ulong)(vd + aux), 8, "Verdaux entry");
                    result.Add(strtab.Get(U32(vd + aux)));
                }
                if (next == 0) break;
                vd += next;
            }
        }
        return result;
    }

    private StringTable StringTableFor(Section owner)
    {
        if (owner.Link >= Sections.Count) throw Bad($"section {owner.Index} links to missing string table {owner.Link}");
        var s = Sections[(int)owner.Link];
        CheckRange(s.Offset, s.Size, "string table");
        return new StringTable(this, s);
    }

    private readonly struct StringTable(ElfImage elf, Section s)
    {
        public string Get(uint offset)
        {
            if (offset >= s.Size) throw elf.Bad($"string offset {offset} outside string table of {s.Size} bytes");
            int start = (int)(s.Offset + offset);
            int end = Array.IndexOf(elf._bytes, (byte)0, start, (int)(s.Size - offset));
            if (end < 0) throw elf.Bad("unterminated string in string table");
            return Encoding.ASCII.GetString(elf._bytes, start, end - start);
        }
    }

    private void CheckRange(ulong offset, ulong length, string what)
    {
        if (offset > (ulong)_bytes.Length || length > (ulong)_bytes.Length - offset)
            throw Bad($"truncated: {what} at offset {offset} (+{length} bytes) lies past the end of the {_bytes.Length}-byte file");
    }

    private ushort U16(long o) { CheckRange((ulong)o, 2, "field"); return BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)o)); }
    private uint U32(long o) { CheckRange((ulong)o, 4, "field"); return BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)o)); }
    private ulong U64(long o) { CheckRange((ulong)o, 8, "field"); return BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)o)); }
}
