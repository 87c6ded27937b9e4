namespace Reproduction.ElfPatch;

/// <summary>
/// The command line of the tool: <c>ElfPatch [--libstdcxx PATH] [--version V] DIR_OR_FILE...</c>.
/// Marks V (default GLIBCXX_3.4.32) weak in every libLibTorchSharp.so found, but only when the libstdc++
/// (the system one unless --libstdcxx is given) does not define V. Exit 0 on success, 2 on a bad file.
/// </summary>
public static class ElfPatchTool
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? libstdcxx = null;
        string version = GlibcxxWeakener.RequiredVersion;
        var targets = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--libstdcxx" when i + 1 < args.Length: libstdcxx = args[++i]; break;
                case "--version" when i + 1 < args.Length: version = args[++i]; break;
                case "-h" or "--help":
                    stdout.WriteLine("ElfPatch [--libstdcxx PATH] [--version V] DIR_OR_FILE...: mark V weak in libLibTorchSharp.so when libstdc++ lacks it");
                    return 0;
                default: targets.Add(args[i]); break;
            }
        }

        if (!OperatingSystem.IsLinux() && libstdcxx is null) { stdout.WriteLine("ElfPatch: not Linux; nothing to do"); return 0; }
        libstdcxx ??= GlibcxxWeakener.FindSystemLibStdCxx();
        if (libstdcxx is null) { stdout.WriteLine("ElfPatch: no system libstdc++.so.6 found; nothing to do"); return 0; }

        try
        {
            if (GlibcxxWeakener.Defines(libstdcxx, version))
            {
                stdout.WriteLine($"ElfPatch: {libstdcxx} defines {version}; no patch needed");
                return 0;
            }
            var files = targets.SelectMany(t => Directory.Exists(t)
                ? Directory.EnumerateFiles(t, GlibcxxWeakener.TargetLibraryName, SearchOption.AllDirectories)
                : File.Exists(t) ? [t] : throw new ElfFormatException(t, "file not found")).ToList();
            foreach (var f in files)
                stdout.WriteLine($"ElfPatch: {f}: {GlibcxxWeakener.WeakenVersionNeed(f, version)} ({libstdcxx} lacks {version})");
            return 0;
        }
        catch (ElfFormatException e)
        {
            stderr.WriteLine($"ElfPatch: error: {e.Message}");
            return 2;
        }
    }
}
