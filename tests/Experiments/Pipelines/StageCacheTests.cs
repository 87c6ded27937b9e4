using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Experiments.Pipelines;
using Reproduction.Reporting;

namespace Repro.Tests.Pipelines;

/// <summary>
/// The stage cache's entries on their own (no training): stored and read back whole; a damaged entry (a file changed
/// or missing) is reported and not used, and the next store replaces it; of two writers of one key, the one that
/// renames first wins and the other keeps the winner's entry.
/// </summary>
public sealed class StageCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-stage-cache-").FullName;
    private readonly List<string> _log = [];
    public void Dispose() => Directory.Delete(_dir, true);

    private StageCache Cache() => new(Path.Combine(_dir, "cache"), line => { lock (_log) _log.Add(line); });

    private static (string Key, JsonObject Preimage) Key(string what)
    {
        var preimage = new JsonObject { ["format"] = StageKey.Format, ["what"] = what };
        return (StageKey.Hash(preimage), preimage);
    }

    private static PrefixState State(double ce) => new(StageKey.Format, [new CurvePoint(0, 2.5), new CurvePoint(20, ce)], [new CurvePoint(0, -0.25, -0.5, 0.0)], [new CurvePoint(0, -0.75, -1, -0.5)],
        [new StageRecord("sft", 20, new Dictionary<string, double> { ["train_reward_last5"] = double.NaN }, ["{\"step\":1,\"loss\":1.5}"], [2, 1, 1])]);

    private static Action<string> Weights(byte fill) => folder =>
    {
        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), Enumerable.Repeat(fill, 64).ToArray());
    };

    [Fact]
    public void A_stored_prefix_reads_back_with_its_curves_log_and_model_and_an_unknown_key_misses()
    {
        var cache = Cache();
        var (key, preimage) = Key("a");
        Assert.Null(cache.TryLoad(key, "sft"));
        cache.Store(key, preimage, State(1.25), Weights(7), "sft");
        var entry = cache.TryLoad(key, "sft");
        Assert.NotNull(entry);
        Assert.Equal(State(1.25).ToJson(), entry.State.ToJson());
        Assert.Equal(Enumerable.Repeat((byte)7, 64), File.ReadAllBytes(Path.Combine(entry.ModelFolder, "model.safetensors")));
        Assert.Contains(_log, l => l.Contains($"stored stage sft (key {StageCache.Short(key)})"));
        Assert.Null(cache.TryLoad(Key("b").Key, "sft"));
        Assert.DoesNotContain(_log, l => l.Contains("damaged"));
    }

    [Theory]
    [InlineData("model/model.safetensors", "change")]
    [InlineData("state.json", "change")]
    [InlineData("model/model.safetensors", "delete")]
    [InlineData(StageCache.SumsFile, "delete")]
    [InlineData(StageCache.KeyFile, "change")]
    public void A_damaged_entry_is_reported_not_used_and_replaced_by_the_next_store(string file, string damage)
    {
        var cache = Cache();
        var (key, preimage) = Key("a");
        cache.Store(key, preimage, State(1.25), Weights(7), "sft");
        var path = Path.Combine(cache.EntryOf(key), file);
        if (damage == "delete") File.Delete(path);
        else
        {
            var bytes = File.ReadAllBytes(path);
            bytes[^2] ^= 1;
            File.WriteAllBytes(path, bytes);
        }
        Assert.Null(cache.TryLoad(key, "sft"));
        Assert.Contains(_log, l => l.Contains($"cache entry of stage sft (key {StageCache.Short(key)}) is damaged and will be rebuilt, not used"));

        cache.Store(key, preimage, State(1.5), Weights(9), "sft");
        var rebuilt = cache.TryLoad(key, "sft");
        Assert.NotNull(rebuilt);
        Assert.Equal(State(1.5).ToJson(), rebuilt.State.ToJson());
        Assert.DoesNotContain(Directory.GetDirectories(cache.Root), d => Path.GetFileName(d).StartsWith('.'));   // no temporary left behind
    }

    [Fact]
    public void Of_two_writers_of_one_key_the_first_rename_wins_and_the_other_keeps_its_entry()
    {
        var cache = Cache();
        var (key, preimage) = Key("a");
        // Writer B fills its temporary folder; meanwhile writer A stores the same key whole (both passed the "is it there" check).
        cache.Store(key, preimage, State(2.0), folder =>
        {
            Weights(2)(folder);
            cache.Store(key, preimage, State(1.0), Weights(1), "sft");
        }, "sft");
        var entry = cache.TryLoad(key, "sft");
        Assert.NotNull(entry);
        Assert.Equal(State(1.0).ToJson(), entry.State.ToJson());                                        // A's
        Assert.Equal(Enumerable.Repeat((byte)1, 64), File.ReadAllBytes(Path.Combine(entry.ModelFolder, "model.safetensors")));
        Assert.Contains(_log, l => l.Contains($"stage sft (key {StageCache.Short(key)}): another run stored it first; keeping its entry"));
        Assert.Single(Directory.GetDirectories(cache.Root));                                             // B's temporary is gone
    }
}
