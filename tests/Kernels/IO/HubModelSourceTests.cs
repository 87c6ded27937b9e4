using Reproduction;
using Reproduction.IO;

namespace Repro.Tests.IO;

/// <summary>Pretrained model folders from a path, an environment variable, or a (loopback) hub with HF's URL layout.</summary>
[Collection(nameof(EnvironmentVariableCollection))]
public sealed class HubModelSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-hub-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HF_ENDPOINT", null);
        Environment.SetEnvironmentVariable("REPRO_CACHE", TestCache.Root);
        Environment.SetEnvironmentVariable("REPRO_TEST_MODEL", null);
        Directory.Delete(_dir, true);
    }

    [Fact]
    public void An_environment_variable_naming_a_folder_wins_and_a_missing_one_is_reported()
    {
        Environment.SetEnvironmentVariable("REPRO_TEST_MODEL", _dir);
        Assert.Equal(_dir, HubModelSource.Resolve("env:REPRO_TEST_MODEL|hub:Qwen/Qwen3-0.6B@main"));
        Environment.SetEnvironmentVariable("REPRO_TEST_MODEL", null);
        var e = Assert.Throws<ReproException>(() => HubModelSource.Resolve("env:REPRO_TEST_MODEL|/no/such/folder"));
        Assert.Contains("REPRO_TEST_MODEL is not set", e.Message);
        Assert.Contains("/no/such/folder is not a folder", e.Message);
    }

    [Fact]
    public async Task A_hub_reference_downloads_the_model_files_once_with_resolve_urls_into_the_cache()
    {
        var golden = SharedData.Require("golden", "qwen3-tiny", "f32");
        var tokenizer = SharedData.Require("qwen3-tokenizer");
        var files = new Dictionary<string, byte[]>
        {
            ["/acme/tiny/resolve/rev1/config.json"] = File.ReadAllBytes(Path.Combine(golden, "config.json")),
            ["/acme/tiny/resolve/rev1/generation_config.json"] = File.ReadAllBytes(Path.Combine(golden, "generation_config.json")),
            ["/acme/tiny/resolve/rev1/model.safetensors"] = File.ReadAllBytes(Path.Combine(golden, "model.safetensors")),
            ["/acme/tiny/resolve/rev1/tokenizer.json"] = File.ReadAllBytes(Path.Combine(tokenizer, "tokenizer.json")),
            ["/acme/tiny/resolve/rev1/tokenizer_config.json"] = File.ReadAllBytes(Path.Combine(tokenizer, "tokenizer_config.json")),
        };
        await using var server = new LoopbackHttpServer(async (request, stream, ct) =>
        {
            if (files.TryGetValue(request.Path, out var body)) await LoopbackHttpServer.WriteWithRange(request, stream, body, ct);
            else await LoopbackHttpServer.WriteHead(stream, 404, "Not Found", ("Content-Length", "0"));
        });
        Environment.SetEnvironmentVariable("HF_ENDPOINT", server.Url("/").ToString());
        Environment.SetEnvironmentVariable("REPRO_CACHE", _dir);

        var folder = HubModelSource.Resolve("env:REPRO_TEST_MODEL|hub:acme/tiny@rev1");
        Assert.Equal(Path.Combine(_dir, "hub", "acme", "tiny", "rev1"), folder);
        foreach (var (path, body) in files) Assert.Equal(body, File.ReadAllBytes(Path.Combine(folder, Path.GetFileName(path))));
        using var model = Reproduction.Qwen3.Qwen3ForCausalLM.FromPretrained(folder);
        int requests = server.Requests.Count;

        HubModelSource.Resolve("hub:acme/tiny@rev1");                                  // cached: nothing fetched again
        Assert.Equal(requests, server.Requests.Count);

        var e = Assert.Throws<ReproException>(() => HubModelSource.Resolve("hub:acme/missing@rev1"));
        Assert.Contains("404", e.Message);
        Assert.Throws<ReproException>(() => HubModelSource.Resolve("hub:../../etc@x"));
    }
}

[CollectionDefinition(nameof(EnvironmentVariableCollection), DisableParallelization = true)]
public sealed class EnvironmentVariableCollection;
