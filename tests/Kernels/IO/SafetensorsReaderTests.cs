using System.Buffers.Binary;
using System.Text;
using Reproduction;
using Reproduction.IO;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.IO;

/// <summary>
/// The reader loads the golden checkpoints (single, sharded; F32 and BF16) and refuses malformed files with one
/// ReproException that names the file and the tensor.
/// </summary>
public sealed class SafetensorsReaderTests
{
    private static string Golden(string folder) => Repro.Tests.SharedData.Require("golden", "qwen3-tiny", folder);

    /// <summary>A small valid file: "a" F32 [2,3] then "b" F32 [4], header built from `entries` (JSON text) unless overridden.</summary>
    internal static byte[] File(string headerJson, int dataBytes, ulong? claimedHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    internal const string GoodHeader = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}}";

    private static ReproException Refused(byte[] content, string name = "bad.safetensors")
    {
        using var tmp = new TempFolder();
        var path = tmp.File(name);
        System.IO.File.WriteAllBytes(path, content);
        var e = Assert.Throws<ReproException>(() => SafetensorsReader.OpenFile(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void A_well_formed_file_opens()
    {
        using var tmp = new TempFolder();
        System.IO.File.WriteAllBytes(tmp.File("ok.safetensors"), File(GoodHeader, 40));
        var r = SafetensorsReader.OpenFile(tmp.File("ok.safetensors"));
        Assert.Equal(new long[] { 2, 3 }, r.Entries["a"].Shape);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_tensor() =>
        Assert.Contains("'b'", Refused(File(GoodHeader, 40)[..^4]).Message);

    [Fact]
    public void A_header_length_claiming_huge_sizes_is_refused_before_allocating() =>
        Assert.Contains("bad header length", Refused(File(GoodHeader, 40, claimedHeaderLength: ulong.MaxValue / 2)).Message);

    [Fact]
    public void A_header_length_past_the_end_of_the_file_is_refused() =>
        Assert.Contains("truncated", Refused(File(GoodHeader, 40, claimedHeaderLength: 5000)).Message);

    [Fact]
    public void Overlapping_offsets_are_refused_naming_the_tensor()
    {
        var header = GoodHeader.Replace("[24,40]", "[20,36]");
        Assert.Contains("'b'", Refused(File(header, 40)).Message);
        Assert.Contains("overlap", Refused(File(header, 40)).Message);
    }

    [Fact]
    public void An_unknown_dtype_is_refused_naming_the_tensor()
    {
        var e = Refused(File(GoodHeader.Replace("\"F32\",\"shape\":[4]", "\"Q7\",\"shape\":[4]"), 40));
        Assert.Contains("'b'", e.Message);
        Assert.Contains("Q7", e.Message);
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_byte_span_is_refused() =>
        Assert.Contains("'a'", Refused(File(GoodHeader.Replace("[2,3]", "[2,4]"), 40)).Message);

    [Fact]
    public void A_header_that_is_not_json_is_refused() =>
        Assert.Contains("JSON", Refused(File("{\"a\": [1, 2", 0)).Message);

    [Fact]
    public void A_gap_in_the_data_is_refused() =>
        Assert.Contains("gap", Refused(File(GoodHeader.Replace("[0,24]", "[0,20]").Replace("[2,3]", "[5]"), 40)).Message);

    [Fact]
    public void Sharded_and_single_checkpoints_hold_the_same_bf16_tensors_bit_for_bit()
    {
        var single = SafetensorsReader.Open(Golden("bf16"));
        var sharded = SafetensorsReader.Open(Golden("bf16-sharded"));
        Assert.Equal(2, sharded.Shards.Count);
        Assert.Equal(single.Entries.Keys.Order(), sharded.Entries.Keys.Order());
        using var scope = torch.NewDisposeScope();
        foreach (var name in single.Entries.Keys)
        {
            var a = single.Load(name);
            var b = sharded.Load(name);
            Assert.Equal(ScalarType.BFloat16, a.dtype);
            Assert.True(a.bytes.SequenceEqual(b.bytes), name);
        }
    }

    [Fact]
    public void Bf16_upcasts_exactly_and_f32_rounds_to_the_bf16_checkpoint()
    {
        var f32 = SafetensorsReader.Open(Golden("f32"));
        var bf16 = SafetensorsReader.Open(Golden("bf16"));
        using var scope = torch.NewDisposeScope();
        foreach (var name in bf16.Entries.Keys)
        {
            var rounded = f32.Load(name, ScalarType.BFloat16);       // round to nearest even
            Assert.True(rounded.bytes.SequenceEqual(bf16.Load(name).bytes), name);
            var up = bf16.Load(name, ScalarType.Float32);             // exact
            Assert.True(up.to(ScalarType.BFloat16).bytes.SequenceEqual(bf16.Load(name).bytes), name);
        }
    }

    [Theory]
    [InlineData("model.norm.weight", null, "not mapped")]
    [InlineData(null, "model.layers.7.mlp.up_proj.weight", "not in this shard")]
    public void A_shard_index_that_disagrees_with_its_shards_is_refused_naming_the_tensor(string? unmap, string? invent, string problem)
    {
        using var tmp = new TempFolder();
        foreach (var f in Directory.GetFiles(Golden("bf16-sharded"))) System.IO.File.Copy(f, tmp.File(Path.GetFileName(f)));
        var indexPath = tmp.File(SafetensorsReader.IndexFileName);
        var index = System.Text.Json.Nodes.JsonNode.Parse(System.IO.File.ReadAllText(indexPath))!;
        var map = index["weight_map"]!.AsObject();
        if (unmap is not null) map.Remove(unmap);
        if (invent is not null) map[invent] = "model-00002-of-00002.safetensors";
        System.IO.File.WriteAllText(indexPath, index.ToJsonString());
        var e = Assert.Throws<ReproException>(() => SafetensorsReader.Open(tmp.Path));
        Assert.Contains((unmap ?? invent)!, e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Contains(".safetensors", e.Message);
    }

    [Fact]
    public void A_checkpoint_missing_a_parameter_is_refused_naming_it()
    {
        using var tmp = new TempFolder();
        CopyCheckpointWithout(Golden("f32"), tmp.Path, "model.layers.1.self_attn.k_norm.weight");
        var e = Assert.Throws<ReproException>(() => Qwen3ForCausalLM.FromPretrained(tmp.Path));
        Assert.Contains("model.layers.1.self_attn.k_norm.weight", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void An_unexpected_tensor_is_refused_naming_it()
    {
        using var tmp = new TempFolder();
        CopyCheckpointWithout(Golden("f32"), tmp.Path, null, extra: ("model.layers.9.mlp.gate_proj.weight", torch.zeros(2)));
        var e = Assert.Throws<ReproException>(() => Qwen3ForCausalLM.FromPretrained(tmp.Path));
        Assert.Contains("model.layers.9.mlp.gate_proj.weight", e.Message);
        Assert.Contains(Path.Combine(tmp.Path, "model.safetensors"), e.Message);
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_config_is_refused_naming_the_tensor()
    {
        using var tmp = new TempFolder();
        CopyCheckpointWithout(Golden("f32"), tmp.Path, null);
        var cfg = System.IO.File.ReadAllText(Path.Combine(tmp.Path, "config.json")).Replace("\"intermediate_size\": 160", "\"intermediate_size\": 128");
        System.IO.File.WriteAllText(Path.Combine(tmp.Path, "config.json"), cfg);
        var e = Assert.Throws<ReproException>(() => Qwen3ForCausalLM.FromPretrained(tmp.Path));
        Assert.Contains("mlp.", e.Message);
        Assert.Contains("[160, 64]", e.Message);
    }

    [Fact]
    public void A_tied_checkpoint_may_also_store_lm_head()
    {
        using var tmp = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var embed = SafetensorsReader.Open(Golden("f32")).Load("model.embed_tokens.weight");
        CopyCheckpointWithout(Golden("f32"), tmp.Path, null, extra: (Qwen3Config.LmHeadName, embed));
        using var model = Qwen3ForCausalLM.FromPretrained(tmp.Path);
        Assert.True(model.Config.TieWordEmbeddings);
    }

    [Fact]
    public void A_folder_with_only_pickled_weights_is_refused_with_a_conversion_hint()
    {
        using var tmp = new TempFolder();
        System.IO.File.Copy(Path.Combine(Golden("f32"), "config.json"), tmp.File("config.json"));
        System.IO.File.WriteAllBytes(tmp.File("pytorch_model.bin"), [0x80, 0x02]);
        var e = Assert.Throws<ReproException>(() => Qwen3ForCausalLM.FromPretrained(tmp.Path));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("safetensors", e.Message);
    }

    /// <summary>Copies a checkpoint folder, dropping one tensor and/or adding one, through the writer.</summary>
    internal static void CopyCheckpointWithout(string source, string target, string? drop, (string Name, Tensor Tensor)? extra = null)
    {
        foreach (var f in new[] { "config.json", "generation_config.json" })
            System.IO.File.Copy(Path.Combine(source, f), Path.Combine(target, f));
        var r = SafetensorsReader.Open(source);
        using var scope = torch.NewDisposeScope();
        var tensors = r.Entries.Keys.Where(n => n != drop).Select(n => (n, r.Load(n))).ToList();
        if (extra is { } x) tensors.Add(x);
        SafetensorsWriter.Write(Path.Combine(target, "model.safetensors"), tensors);
    }
}
