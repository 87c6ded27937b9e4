namespace Reproduction.ElfPatch;

/// <summary>A file is not an ELF image this tool can read; the message names the file and the problem.</summary>
public sealed class ElfFormatException(string path, string problem)
    : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
