using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Reproduction;
using Reproduction.IO;
using Reproduction.Qwen3;
using Repro.Tests.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Fuzz;

/// <summary>
/// Fuzzes safetensors files from the golden checkpoints: byte damage in each region (length prefix, header, data),
/// structure-aware header mutations (offsets, dtypes, shapes, duplicate and missing names), checkpoints with missing,
/// extra, renamed or reshaped tensors (through <see cref="Qwen3ForCausalLM.FromPretrained"/>), and shard indexes.
/// Each case loads or is refused with a ReproException "PATH: problem" (see <see cref="LoadContract"/>).
/// </summary>
public sealed class SafetensorsFuzzTests
{
    private static string Golden(string folder) => Repro.Tests.SharedData.Require("golden", "qwen3-tiny", folder);

    /// <summary>A golden file split into its parts: the header JSON and the data section.</summary>
    private sealed record Parts(byte[] File, ulong HeaderLength, JsonNode Header, byte[] Data)
    {
        public static Parts Of(string path)
        {
            var file = System.IO.File.ReadAllBytes(path);
            var n = BinaryPrimitives.ReadUInt64LittleEndian(file);
            var header = Mutations.ParseJson(Encoding.UTF8.GetString(file, 8, (int)n));
            return new Parts(file, n, header, file[(8 + (int)n)..]);
        }
    }

    private static byte[] Assemble(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Opens the file and, when it opens, loads every tensor (the data path must keep the contract too).</summary>
    private static string? OpenAndLoad(string path, FuzzCase c) => LoadContract.Check(path, () =>
    {
        var reader = SafetensorsReader.OpenFile(path);
        foreach (var e in reader.Entries.Values)
        {
            using var t = SafetensorsReader.Load(e, ScalarType.Float32);
        }
    }, c);

    // ---- random byte damage, by region ----------------------------------------------------------------------

    private static void ByteDamage(int cases)
    {
        var sources = new[] { Parts.Of(Path.Combine(Golden("bf16"), "model.safetensors")),
            Parts.Of(WriteSmall()) };
        using var tmp = new TempFolder();
        var path = tmp.File("model.safetensors");
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            var src = sources[r.Next(sources.Length)];
            var bytes = src.File;
            int headerEnd = 8 + (int)src.HeaderLength;
            for (int i = 0; i < c.Mutations; i++)
                bytes = r.Next(8) switch
                {
                    0 => Mutations.WithLengthPrefix(bytes, Mutations.InterestingLength(r, src.HeaderLength, bytes.Length)),
                    1 => Mutations.MutateBytes(r, bytes, 0, Math.Min(8, bytes.Length)),
                    2 or 3 or 4 => Mutations.MutateBytes(r, bytes, Math.Min(8, bytes.Length), Math.Min(headerEnd, bytes.Length)),
                    5 => Mutations.MutateBytes(r, bytes, Math.Min(headerEnd, bytes.Length)),
                    _ => Mutations.Truncate(r, bytes),
                };
            System.IO.File.WriteAllBytes(path, bytes);
            OpenAndLoad(path, c);
        });
    }

    private static string WriteSmall()
    {
        var path = Path.Combine(Path.GetTempPath(), $"repro-fuzz-small-{Environment.ProcessId}.safetensors");
        System.IO.File.WriteAllBytes(path, SafetensorsReaderTests.File(SafetensorsReaderTests.GoodHeader, 40));
        return path;
    }

    [Fact]
    public void Random_byte_damage_in_every_region_loads_or_is_refused() => ByteDamage(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Random_byte_damage_in_every_region_loads_or_is_refused_large()
    {
        FuzzBudget.RequireOptIn();
        ByteDamage(FuzzBudget.Large);
    }

    /// <summary>Every proper prefix of a valid file is refused: at each byte of the small file; for the golden one, each byte of
    /// the length prefix, every 7th byte of the header and every 997th byte of the data (≈ 840 cuts in all).</summary>
    [Fact]
    public void A_file_cut_at_any_offset_is_refused()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("model.safetensors");
        var small = SafetensorsReaderTests.File(SafetensorsReaderTests.GoodHeader, 40);
        var golden = Parts.Of(Path.Combine(Golden("bf16"), "model.safetensors"));
        var cuts = Enumerable.Range(0, small.Length).Select(n => (File: small, Length: n))
            .Concat(Enumerable.Range(0, 8).Concat(Enumerable.Range(0, (int)golden.HeaderLength / 7).Select(k => 8 + k * 7)).Select(n => (golden.File, n)))
            .Concat(Enumerable.Range(0, golden.Data.Length / 997).Select(k => (golden.File, 8 + (int)golden.HeaderLength + k * 997)));
        foreach (var (file, length) in cuts)
        {
            System.IO.File.WriteAllBytes(path, file[..length]);
            Assert.NotNull(OpenAndLoad(path, new FuzzCase(length, 0)));
        }
    }

    // ---- structure-aware header mutations ------------------------------------------------------------------

    private static readonly string[] Dtypes = ["F32", "F16", "BF16", "F64", "I8", "U8", "I32", "I64", "BOOL", "F8_E4M3", "Q7", "f32", ""];

    /// <summary>A safetensors-specific change to one tensor's entry: its offsets, dtype or shape, or the entry removed.</summary>
    private static bool HeaderMutation(Random r, JsonNode root)
    {
        if (root is not JsonObject o) return false;
        var names = o.Select(p => p.Key).Where(k => k != "__metadata__" && o[k] is JsonObject).ToList();
        if (names.Count == 0) return false;
        var name = names[r.Next(names.Count)];
        var entry = (JsonObject)o[name]!;
        switch (r.Next(6))
        {
            case 0 when entry["data_offsets"] is JsonArray { Count: 2 } off:
            {
                int k = r.Next(2);
                if (!long.TryParse(off[k]?.ToJsonString(), out var v)) return false;
                long[] deltas = [1, -1, 2, -2, 4, -4, 1L << 32, -(1L << 40), long.MaxValue / 2];
                off[k] = v + deltas[r.Next(deltas.Length)];
                return true;
            }
            case 1:
            {
                var other = (JsonObject)o[names[r.Next(names.Count)]]!;
                entry["data_offsets"] = other["data_offsets"]?.DeepClone();        // overlap another tensor
                return true;
            }
            case 2: entry["dtype"] = Dtypes[r.Next(Dtypes.Length)]; return true;
            case 3 when entry["shape"] is JsonArray shape:
            {
                long[] dims = [0, 1, 2, 3, 1L << 20, 1L << 40, long.MaxValue, -1];
                if (shape.Count > 0 && r.Next(3) > 0) shape[r.Next(shape.Count)] = dims[r.Next(dims.Length)];
                else if (r.Next(2) == 0) shape.Add(dims[r.Next(dims.Length)]);
                else if (shape.Count > 0) shape.RemoveAt(0);
                return true;
            }
            case 4: o.Remove(name); return true;                                       // a gap in the data
            default:
                entry["data_offsets"] = new JsonArray(0, 0);
                return true;
        }
    }

    private static void HeaderMutations(int cases)
    {
        var sources = new[] { Parts.Of(Path.Combine(Golden("f32"), "model.safetensors")), Parts.Of(Path.Combine(Golden("bf16-sharded"), "model-00002-of-00002.safetensors")) };
        using var tmp = new TempFolder();
        var path = tmp.File("model.safetensors");
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            var src = sources[r.Next(sources.Length)];
            var header = Mutations.MutateJson(r, src.Header, c.Mutations, HeaderMutation);
            var data = r.Next(6) switch { 0 => src.Data[..r.Next(src.Data.Length)], 1 => [.. src.Data, .. new byte[r.Next(1, 9)]], _ => src.Data };
            System.IO.File.WriteAllBytes(path, Assemble(header, data));
            OpenAndLoad(path, c);
        });
    }

    [Fact]
    public void Header_mutations_load_or_are_refused() => HeaderMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Header_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        HeaderMutations(FuzzBudget.Large);
    }

    // ---- checkpoints with missing, extra, renamed, reshaped or retyped tensors ----------------------------

    private static void CheckpointMutations(int cases)
    {
        var source = Golden("f32");
        var reader = SafetensorsReader.Open(source);
        using var scope = torch.NewDisposeScope();
        var golden = reader.Entries.Keys.Order(StringComparer.Ordinal).Select(n => (Name: n, Tensor: reader.Load(n))).ToList();
        using var tmp = new TempFolder();
        foreach (var f in new[] { "config.json", "generation_config.json" }) System.IO.File.Copy(Path.Combine(source, f), tmp.File(f));
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            using var caseScope = torch.NewDisposeScope();
            var tensors = golden.ToList();
            for (int i = 0; i < c.Mutations; i++)
            {
                int k = r.Next(tensors.Count);
                var (name, t) = tensors[k];
                switch (r.Next(6))
                {
                    case 0: tensors.RemoveAt(k); break;
                    case 1: tensors[k] = (name.Replace("layers.0.", "layers.7.").Replace("weight", "bias"), t); break;
                    case 2: tensors[k] = (name, t.dim() == 2 ? t.t().contiguous() : t.reshape(1, -1)); break;      // transposed / reshaped
                    case 3: tensors[k] = (name, t.to(new[] { ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64, ScalarType.Int32, ScalarType.Int64 }[r.Next(5)])); break;
                    case 4: tensors.Add((r.Next(2) == 0 ? Qwen3Config.LmHeadName : $"model.extra_{r.Next(9)}.weight", torch.zeros(r.Next(1, 4), 64))); break;
                    default: tensors[k] = (name, t.narrow(0, 0, Math.Max(1, t.shape[0] - 1))); break;             // one row short
                }
            }
            if (tensors.Count == 0) tensors.Add(golden[0]);
            var unique = tensors.GroupBy(t => t.Name).Select(g => g.Last()).ToList();
            SafetensorsWriter.Write(tmp.File("model.safetensors"), unique);
            var refusal = LoadContract.Check(tmp.Path, () => { using var m = Qwen3ForCausalLM.FromPretrained(tmp.Path); }, c);
            var missing = golden.Select(g => g.Name).Except(unique.Select(t => t.Name)).FirstOrDefault();
            if (missing is not null && refusal is null) Assert.Fail($"{c}: a checkpoint without '{missing}' was loaded");
        });
    }

    [Fact]
    public void Checkpoints_with_missing_extra_or_reshaped_tensors_load_or_are_refused() => CheckpointMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Checkpoints_with_missing_extra_or_reshaped_tensors_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        CheckpointMutations(FuzzBudget.Large);
    }

    // ---- shard indexes -------------------------------------------------------------------------------------

    private static readonly string[] ShardNames = ["model-00003-of-00002.safetensors", "../model-00001-of-00002.safetensors", "", "model.safetensors",
        "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "config.json", "/etc/passwd", "."];

    private static bool IndexMutation(Random r, JsonNode root)
    {
        if (root["weight_map"] is not JsonObject map || map.Count == 0) return false;
        var name = map.ElementAt(r.Next(map.Count)).Key;
        switch (r.Next(3))
        {
            case 0: map[name] = ShardNames[r.Next(ShardNames.Length)]; break;
            case 1: map.Remove(name); break;
            default: map[$"model.layers.{r.Next(4)}.mlp.extra.weight"] = ShardNames[r.Next(ShardNames.Length)]; break;
        }
        return true;
    }

    private static void IndexMutations(int cases)
    {
        var source = Golden("bf16-sharded");
        using var tmp = new TempFolder();
        foreach (var f in Directory.GetFiles(source)) System.IO.File.Copy(f, tmp.File(Path.GetFileName(f)));
        var index = Mutations.ParseJson(System.IO.File.ReadAllText(tmp.File(SafetensorsReader.IndexFileName)));
        FuzzCase.Run(cases, c =>
        {
            var r = c.Random();
            System.IO.File.WriteAllBytes(tmp.File(SafetensorsReader.IndexFileName), Mutations.MutateJson(r, index, c.Mutations, IndexMutation));
            LoadContract.Check(tmp.Path, () => { using var m = Qwen3ForCausalLM.FromPretrained(tmp.Path); }, c);
        });
    }

    [Fact]
    public void Shard_index_mutations_load_or_are_refused() => IndexMutations(FuzzBudget.Small);

    [Fact, Trait("Category", "Fuzz")]
    public void Shard_index_mutations_load_or_are_refused_large()
    {
        FuzzBudget.RequireOptIn();
        IndexMutations(FuzzBudget.Large);
    }

    // ---- named cases -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0UL, "bad header length 0")]
    [InlineData(1UL << 40, "bad header length 1099511627776")]       // 1 TB
    [InlineData(ulong.MaxValue, "bad header length")]
    [InlineData(100_000_001UL, "bad header length")]
    [InlineData(5000UL, "truncated: header length 5000 exceeds")]    // past the end of the file
    public void A_header_length_that_cannot_be_true_is_refused_before_allocating(ulong claimed, string problem)
    {
        using var tmp = new TempFolder();
        var path = tmp.File("model.safetensors");
        System.IO.File.WriteAllBytes(path, SafetensorsReaderTests.File(SafetensorsReaderTests.GoodHeader, 40, claimed));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ReproException>(() => SafetensorsReader.OpenFile(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated more than 1 MB before refusing");
        Assert.StartsWith($"{path}: {problem}", e.Message);
    }

    [Fact]
    public void A_duplicate_tensor_name_is_refused_naming_it()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("model.safetensors");
        // Two entries named "a", contiguous offsets: both readers of JSON would keep only one of them.
        var header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}}";
        System.IO.File.WriteAllBytes(path, SafetensorsReaderTests.File(header, 40));
        var e = Assert.Throws<ReproException>(() => SafetensorsReader.OpenFile(path));
        Assert.Equal($"{path}: tensor 'a' appears twice in the header", e.Message);
    }

    [Fact]
    public void A_duplicate_name_in_a_shard_is_refused_not_a_crash()
    {
        using var tmp = new TempFolder();
        var shard = tmp.File("model-00001-of-00001.safetensors");
        var header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}}";
        System.IO.File.WriteAllBytes(shard, SafetensorsReaderTests.File(header, 40));
        System.IO.File.WriteAllText(tmp.File(SafetensorsReader.IndexFileName), "{\"weight_map\":{\"a\":\"model-00001-of-00001.safetensors\"}}");
        var e = Assert.Throws<ReproException>(() => SafetensorsReader.Open(tmp.Path));
        Assert.StartsWith($"{shard}: tensor 'a' appears twice", e.Message);
    }

    [Fact]
    public void A_shard_index_pointing_to_a_missing_shard_names_it()
    {
        using var tmp = new TempFolder();
        foreach (var f in Directory.GetFiles(Golden("bf16-sharded"))) System.IO.File.Copy(f, tmp.File(Path.GetFileName(f)));
        System.IO.File.Delete(tmp.File("model-00002-of-00002.safetensors"));
        var e = Assert.Throws<ReproException>(() => SafetensorsReader.Open(tmp.Path));
        Assert.Equal($"{tmp.File("model-00002-of-00002.safetensors")}: shard listed in {SafetensorsReader.IndexFileName} is missing", e.Message);
    }
}
