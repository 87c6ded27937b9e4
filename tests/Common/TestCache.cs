using System.Runtime.CompilerServices;
using Reproduction.IO;

namespace Repro.Tests;

/// <summary>
/// Every test process gets its own empty cache folder (`REPRO_CACHE`), removed when the process exits: the verbs' default
/// stage cache and model downloads never touch the user's ~/.cache/repro, and no test reuses a stage another run stored.
/// Tests of the cache itself name their own folder with `--cache`.
/// </summary>
internal static class TestCache
{
    public static readonly string Root = Directory.CreateTempSubdirectory("repro-test-cache-").FullName;

    [ModuleInitializer]
    internal static void Isolate()
    {
        Environment.SetEnvironmentVariable(CacheHome.EnvironmentVariable, Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }
}
