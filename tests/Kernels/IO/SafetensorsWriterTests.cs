using System.Text;
using System.Text.Json;
using Repro.Tests.Qwen3;
using Reproduction.IO;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.IO;

/// <summary>The writer produces HF-compatible files that reload bit-identically, shards with an index, and writes folders atomically.</summary>
public sealed class SafetensorsWriterTests
{
    private static string Golden(string folder) => Repro.Tests.SharedData.Require("golden", "qwen3-tiny", folder);

    [Theory]
    [InlineData("f32")]
    [InlineData("bf16")]
    [InlineData("f32-untied")]
    public void Rewriting_a_golden_checkpoint_reproduces_the_file_byte_for_byte(string folder)
    {
        var source = Path.Combine(Golden(folder), "model.safetensors");
        var r = SafetensorsReader.OpenFile(source);
        using var tmp = new TempFolder();
        using var scope = torch.NewDisposeScope();
        SafetensorsWriter.Write(tmp.File("model.safetensors"), r.Entries.Keys.Select(n => (n, r.Load(n))));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(tmp.File("model.safetensors")));
    }

    [Fact]
    public void Mixed_dtypes_round_trip_bit_identically_with_an_8_byte_padded_pt_header()
    {
        using var tmp = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var gen = new torch.Generator(11);
        var tensors = new (string, Tensor)[]
        {
            ("z.f64", torch.randn([3, 5], ScalarType.Float64, generator: gen)),
            ("a.bf16", torch.randn([7], generator: gen).to(ScalarType.BFloat16)),
            ("m.f16", torch.randn([2, 2, 3], generator: gen).to(ScalarType.Float16)),
            ("b.f32", torch.randn([1, 9], generator: gen)),
            ("empty", torch.zeros([0, 4])),
        };
        var path = tmp.File("x.safetensors");
        SafetensorsWriter.Write(path, tensors);
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, n % 8);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"}", Encoding.UTF8.GetString(bytes, 8, (int)n));
        var r = SafetensorsReader.OpenFile(path);
        foreach (var (name, t) in tensors)
        {
            var back = r.Load(name);
            Assert.Equal(t.dtype, back.dtype);
            Assert.Equal(t.shape, back.shape);
            Assert.True(t.numel() == 0 || t.bytes.SequenceEqual(back.bytes), name);
        }
        Assert.Empty(Directory.GetFiles(tmp.Path, ".*")); // no temp files left behind
    }

    [Fact]
    public void A_checkpoint_over_the_shard_limit_is_sharded_with_an_index_and_reloads_identically()
    {
        var g = GoldenQwen3.Get("f32.float32");
        using var tmp = new TempFolder();
        var outDir = Path.Combine(tmp.Path, "sharded");
        g.Model.SavePretrained(outDir, maxShardBytes: 200_000, sourceFolder: g.CheckpointFolder);
        var index = Path.Combine(outDir, SafetensorsReader.IndexFileName);
        Assert.True(File.Exists(index));
        using var doc = JsonDocument.Parse(File.ReadAllText(index));
        Assert.Equal(4 * 131_488, doc.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var shards = Directory.GetFiles(outDir, "model-*-of-*.safetensors");
        Assert.True(shards.Length >= 3, $"expected several shards, got {shards.Length}");
        foreach (var s in shards) Assert.True(new FileInfo(s).Length <= 200_000 + 4096);

        var reloaded = SafetensorsReader.Open(outDir);
        var original = SafetensorsReader.Open(g.CheckpointFolder);
        Assert.Equal(original.Entries.Keys.Order(), reloaded.Entries.Keys.Order());
        using var scope = torch.NewDisposeScope();
        foreach (var name in original.Entries.Keys)
            Assert.True(original.Load(name).bytes.SequenceEqual(reloaded.Load(name).bytes), name);
        Assert.Equal("float32", Qwen3Config.Load(outDir).TorchDtype);
    }

    [Fact]
    public void Saving_in_bf16_gives_the_golden_bf16_checkpoint()
    {
        var g = GoldenQwen3.Get("f32.float32");
        using var tmp = new TempFolder();
        var outDir = Path.Combine(tmp.Path, "bf16");
        g.Model.SavePretrained(outDir, ScalarType.BFloat16, sourceFolder: g.CheckpointFolder);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Golden("bf16"), "model.safetensors")), File.ReadAllBytes(Path.Combine(outDir, "model.safetensors")));
        Assert.Equal("bfloat16", Qwen3Config.Load(outDir).TorchDtype);
        Assert.Equal([511L], GenerationConfig.Load(outDir).EosTokenIds);
    }

    [Fact]
    public void Save_pretrained_copies_tokenizer_files_from_the_source_folder()
    {
        var g = GoldenQwen3.Get("f32.float32");
        using var tmp = new TempFolder();
        var source = Path.Combine(tmp.Path, "src");
        Directory.CreateDirectory(source);
        foreach (var f in Directory.GetFiles(g.CheckpointFolder)) File.Copy(f, Path.Combine(source, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(source, "tokenizer.json"), "{\"model\":{}}");
        File.WriteAllText(Path.Combine(source, "tokenizer_config.json"), "{}");
        var outDir = Path.Combine(tmp.Path, "out");
        g.Model.SavePretrained(outDir, sourceFolder: source);
        Assert.Equal("{\"model\":{}}", File.ReadAllText(Path.Combine(outDir, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "tokenizer_config.json")));
        Assert.Equal(
            File.ReadAllText(Path.Combine(source, "generation_config.json")),
            File.ReadAllText(Path.Combine(outDir, "generation_config.json")));
    }

    [Fact]
    public void A_folder_write_is_atomic_and_refuses_to_overwrite_by_default()
    {
        using var tmp = new TempFolder();
        var outDir = Path.Combine(tmp.Path, "out");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteFolder(outDir, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "a.txt"), "partial");
            throw new InvalidOperationException("crash mid-write");
        }, overwrite: false));
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));

        AtomicFile.WriteFolder(outDir, dir => File.WriteAllText(Path.Combine(dir, "a.txt"), "v1"), overwrite: false);
        Assert.Throws<Reproduction.ReproException>(() => AtomicFile.WriteFolder(outDir, _ => { }, overwrite: false));
        AtomicFile.WriteFolder(outDir, dir => File.WriteAllText(Path.Combine(dir, "a.txt"), "v2"), overwrite: true);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(outDir, "a.txt")));
        Assert.Single(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Theory]
    [InlineData("2GB", 2_000_000_000L)]
    [InlineData("500MB", 500_000_000L)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("4096", 4096L)]
    public void Shard_sizes_parse_like_transformers(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text));
}
