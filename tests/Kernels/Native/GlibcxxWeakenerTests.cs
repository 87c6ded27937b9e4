using Reproduction.ElfPatch;

namespace Repro.Tests.Native;

/// <summary>The Debian 12 fix: mark GLIBCXX_3.4.32 weak in libLibTorchSharp.so, exactly and only where needed.</summary>
public sealed class GlibcxxWeakenerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-elf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Patching_sets_VER_FLG_WEAK_on_exactly_the_GLIBCXX_3_4_32_vna_flags_and_changes_no_other_byte()
    {
        var original = SyntheticElf.TorchSharpLike();
        var path = Write(GlibcxxWeakener.TargetLibraryName, original);
        var entry = ElfImage.Parse(path, original).VersionNeeds().Single(n => n.Version == "GLIBCXX_3.4.32");

        Assert.Equal(GlibcxxWeakener.Outcome.Patched, GlibcxxWeakener.WeakenVersionNeed(path));

        var patched = File.ReadAllBytes(path);
        Assert.Equal(original.Length, patched.Length);
        var diff = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([(int)entry.FlagsOffset], diff);                       // one byte: the low byte of vna_flags
        Assert.Equal(original[entry.FlagsOffset] | ElfImage.VerFlgWeak, patched[entry.FlagsOffset]);
        var needs = ElfImage.Parse(path, patched).VersionNeeds();
        Assert.All(needs, n => Assert.Equal(n.Version == "GLIBCXX_3.4.32", n.IsWeak));
    }

    [Fact]
    public void Patching_twice_is_idempotent()
    {
        var path = Write(GlibcxxWeakener.TargetLibraryName, SyntheticElf.TorchSharpLike());
        GlibcxxWeakener.WeakenVersionNeed(path);
        var once = File.ReadAllBytes(path);
        Assert.Equal(GlibcxxWeakener.Outcome.AlreadyWeak, GlibcxxWeakener.WeakenVersionNeed(path));
        Assert.Equal(once, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_library_that_does_not_reference_the_version_is_left_alone()
    {
        var bytes = SyntheticElf.Build([("libc.so.6", [("GLIBC_2.2.5", 0)])]);
        var path = Write("other.so", bytes);
        Assert.Equal(GlibcxxWeakener.Outcome.NotReferenced, GlibcxxWeakener.WeakenVersionNeed(path));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_non_ELF_file_is_refused_with_an_error_naming_the_file()
    {
        var path = Write("notes.txt", "this is not an ELF file at all, just text that is long enough to hold a header......"u8.ToArray());
        var e = Assert.Throws<ElfFormatException>(() => GlibcxxWeakener.WeakenVersionNeed(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an ELF file", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(63)]
    [InlineData(100)]
    [InlineData(-1)]   // cut through the section header table
    [InlineData(-70)]  // lose the last section header and part of the one before
    public void A_truncated_ELF_file_is_refused_with_an_error_naming_the_file(int length)
    {
        var full = SyntheticElf.TorchSharpLike();
        var cut = full[..(length >= 0 ? length : full.Length + length)];
        var path = Write(GlibcxxWeakener.TargetLibraryName, cut);
        var e = Assert.Throws<ElfFormatException>(() => GlibcxxWeakener.WeakenVersionNeed(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Equal(cut, File.ReadAllBytes(path));                          // nothing written on failure
    }

    [Fact]
    public void The_tool_is_a_no_op_where_libstdcxx_defines_GLIBCXX_3_4_32()
    {
        var lib = SyntheticElf.TorchSharpLike();
        var target = Write("out/runtimes/linux-x64/native/" + GlibcxxWeakener.TargetLibraryName, lib);
        var libstdcxx = Write("libstdc++.so.6", SyntheticElf.LibStdCxx("GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.31", "GLIBCXX_3.4.32", "GLIBCXX_3.4.33"));

        var stdout = new StringWriter();
        Assert.Equal(0, ElfPatchTool.Run(["--libstdcxx", libstdcxx, Path.Combine(_dir, "out")], stdout, TextWriter.Null));
        Assert.Equal(lib, File.ReadAllBytes(target));
        Assert.Contains("no patch needed", stdout.ToString());
    }

    [Fact]
    public void The_tool_patches_every_copy_under_a_folder_where_libstdcxx_lacks_GLIBCXX_3_4_32()
    {
        var a = Write("out/runtimes/linux-x64/native/" + GlibcxxWeakener.TargetLibraryName, SyntheticElf.TorchSharpLike());
        var b = Write("out/publish/" + GlibcxxWeakener.TargetLibraryName, SyntheticElf.TorchSharpLike());
        var libstdcxx = Write("libstdc++.so.6", SyntheticElf.LibStdCxx("GLIBCXX_3.4", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30"));

        Assert.Equal(0, ElfPatchTool.Run(["--libstdcxx", libstdcxx, Path.Combine(_dir, "out")], TextWriter.Null, TextWriter.Null));
        Assert.True(GlibcxxWeakener.IsWeakened(a));
        Assert.True(GlibcxxWeakener.IsWeakened(b));
    }

    [Fact]
    public void The_tool_reports_a_broken_target_with_exit_code_2()
    {
        var bad = Write("out/" + GlibcxxWeakener.TargetLibraryName, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1]);
        var libstdcxx = Write("libstdc++.so.6", SyntheticElf.LibStdCxx("GLIBCXX_3.4.30"));
        var stderr = new StringWriter();
        Assert.Equal(2, ElfPatchTool.Run(["--libstdcxx", libstdcxx, bad], TextWriter.Null, stderr));
        Assert.Contains(bad, stderr.ToString());
    }

    [Fact]
    public void Version_definitions_of_a_libstdcxx_are_read()
    {
        var path = Write("libstdc++.so.6", SyntheticElf.LibStdCxx("GLIBCXX_3.4", "GLIBCXX_3.4.30"));
        Assert.True(GlibcxxWeakener.Defines(path, "GLIBCXX_3.4.30"));
        Assert.False(GlibcxxWeakener.Defines(path, "GLIBCXX_3.4.32"));
    }

    /// <summary>The real build output: its copy is weak exactly when this machine's libstdc++ lacks the version.</summary>
    [Fact]
    public void The_build_output_copy_of_libLibTorchSharp_is_patched_iff_the_system_libstdcxx_lacks_the_version()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("the GLIBCXX fix only applies to Linux");
        var native = Reproduction.Runtime.TorchEnvironment.FindNativeLibrary();
        Assert.NotNull(native);
        var sys = GlibcxxWeakener.FindSystemLibStdCxx();
        Assert.NotNull(sys);
        bool systemHas = GlibcxxWeakener.Defines(sys, GlibcxxWeakener.RequiredVersion);
        Assert.Equal(!systemHas, GlibcxxWeakener.IsWeakened(native));

        // The NuGet cache copy is never touched.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(cache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", GlibcxxWeakener.TargetLibraryName);
        if (File.Exists(cached)) Assert.False(GlibcxxWeakener.IsWeakened(cached), $"{cached} was modified");
    }
}
