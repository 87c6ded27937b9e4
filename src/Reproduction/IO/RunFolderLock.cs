namespace Reproduction.IO;

/// <summary>
/// One writer owns a run folder: `study`, `ablate` and `frontier` hold an exclusive lock on OUT/.repro.lock for as long as
/// they write there (report, metrics, figures, checkpoints, TensorBoard runs), so a second run given the same `--out`
/// stops at once with an error naming the holder instead of interleaving its files with the first's. The lock is the
/// operating system's (an exclusive open: `flock` on Linux), released when the holder exits, even when it is killed.
/// The holder's pid, verb and start time go to OUT/.repro.holder beside it (the locked file cannot be read by others);
/// both files stay after the run.
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    public const string FileName = ".repro.lock", HolderFile = ".repro.holder";

    private readonly FileStream _stream;

    private RunFolderLock(FileStream stream) => _stream = stream;

    /// <summary>
    /// Takes the folder's lock, creating the folder first unless <paramref name="existing"/> (a verb that rewrites a finished
    /// run); throws a <see cref="ReproException"/> naming the lock file and its holder when another run has it.
    /// </summary>
    public static RunFolderLock Acquire(string folder, string verb, bool existing = false)
    {
        if (existing && !Directory.Exists(folder)) throw ReproException.ForFile(folder, "run folder does not exist");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(Path.GetFullPath(folder), FileName);
        var holderPath = Path.Combine(Path.GetFullPath(folder), HolderFile);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string holder;
            try { holder = File.ReadAllText(holderPath).Trim(); } catch (IOException) { holder = ""; }
            throw ReproException.ForFile(path, $"the run folder is being written by another repro run ({(holder.Length > 0 ? holder : "holder unknown")}); " +
                "one writer owns a run folder: wait for that run to finish or give another --out");
        }
        AtomicFile.WriteAllText(holderPath, $"pid {Environment.ProcessId}, repro {verb}, since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n");
        return new RunFolderLock(stream);
    }

    public void Dispose() => _stream.Dispose();
}
