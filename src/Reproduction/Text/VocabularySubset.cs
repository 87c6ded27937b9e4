using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.IO;

namespace Reproduction.Text;

/// <summary>
/// A compact vocabulary for tiny models: text is tokenized with the real Qwen3 tokenizer, then each Qwen3 id
/// that occurs in the task's data (plus the special tokens) is mapped to a dense id 0…n−1 for the model's
/// embedding and output layers; generated ids map back before decoding. This keeps the tiny model's output
/// layer at n rows instead of Qwen3's 151,936 (96% of a tiny model's FLOPs otherwise; cpu-study-findings §2).
/// Saved as <c>vocab_subset.json</c> beside a model's config so its checkpoints decode on their own.
/// </summary>
public sealed class VocabularySubset
{
    public const string FileName = "vocab_subset.json";

    private readonly int[] _qwenIds;
    private readonly Dictionary<int, long> _compact;

    /// <summary>Compact id i stands for Qwen3 id QwenIds[i] (the specials first, then ascending ids).</summary>
    public IReadOnlyList<int> QwenIds => _qwenIds;
    public int Count => _qwenIds.Length;

    private VocabularySubset(int[] qwenIds)
    {
        _qwenIds = qwenIds;
        _compact = new Dictionary<int, long>(qwenIds.Length);
        for (int i = 0; i < qwenIds.Length; i++)
            if (!_compact.TryAdd(qwenIds[i], i)) throw new ReproException($"{FileName}: Qwen3 id {qwenIds[i]} is listed twice");
    }

    /// <summary>The subset of every id in <paramref name="ids"/>, with <paramref name="specials"/> first in their order.</summary>
    public static VocabularySubset Build(IEnumerable<int> ids, IReadOnlyList<int> specials) =>
        new([.. specials.Distinct(), .. ids.Except(specials).Distinct().Order()]);

    public bool Contains(int qwenId) => _compact.ContainsKey(qwenId);

    public long ToCompact(int qwenId) =>
        _compact.TryGetValue(qwenId, out var c) ? c : throw new ReproException($"vocabulary subset: Qwen3 token id {qwenId} is not in this model's vocabulary of {Count} tokens (text outside the task the tiny model was built for?)");

    public long[] ToCompact(IEnumerable<int> qwenIds) => qwenIds.Select(ToCompact).ToArray();

    public int ToQwen(long compactId) =>
        compactId >= 0 && compactId < _qwenIds.Length ? _qwenIds[compactId] : throw new ReproException($"vocabulary subset: compact id {compactId} is outside 0…{Count - 1}");

    public int[] ToQwen(IEnumerable<long> compactIds) => compactIds.Select(ToQwen).ToArray();

    private sealed record FileShape([property: JsonPropertyName("qwen_ids")] int[] QwenIds);

    public void Save(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(new FileShape(_qwenIds)));

    /// <summary>The subset saved in a model folder, or null when the folder is a full-vocabulary model.</summary>
    public static VocabularySubset? LoadFrom(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var shape = JsonSerializer.Deserialize<FileShape>(File.ReadAllText(path));
            if (shape?.QwenIds is not { Length: > 0 } ids) throw ReproException.ForFile(path, "no qwen_ids");
            if (ids.Any(i => i < 0)) throw ReproException.ForFile(path, "negative token id");
            return new VocabularySubset(ids);
        }
        catch (JsonException e) { throw ReproException.ForFile(path, $"invalid JSON: {e.Message}"); }
    }
}
