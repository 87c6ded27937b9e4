using System.Text.Json;

namespace Reproduction.Text;

/// <summary>
/// Reads a Hugging Face tokenizer folder into a <see cref="TokenizerDefinition"/>: <c>tokenizer.json</c> when it
/// is there, else <c>tokenizer.json.gz</c> (as shipped in assets/qwen3-tokenizer), else <c>vocab.json</c> +
/// <c>merges.txt</c> + <c>tokenizer_config.json</c> (added_tokens_decoder).
/// Microsoft.ML.Tokenizers 2.0.1 has no tokenizer.json loader, hence this. Every problem is a
/// <see cref="ReproException"/> "PATH: problem".
/// </summary>
public static class HfTokenizerFiles
{
    public const string TokenizerJson = "tokenizer.json";
    public const string TokenizerJsonGz = "tokenizer.json.gz";
    public const string VocabJson = "vocab.json";
    public const string MergesTxt = "merges.txt";
    public const string TokenizerConfigJson = "tokenizer_config.json";

    /// <summary>The most a tokenizer.json.gz may decompress to (Qwen3's tokenizer.json is 11.4 MB).</summary>
    public const long MaxTokenizerJsonBytes = 64L << 20;

    /// <summary>The folder's tokenizer files, preferring tokenizer.json.</summary>
    public static TokenizerDefinition Read(string directory)
    {
        if (!Directory.Exists(directory))
            throw ReproException.ForFile(directory, "tokenizer folder does not exist");
        var tokenizerJson = Path.Combine(directory, TokenizerJson);
        if (File.Exists(tokenizerJson))
        {
            using var stream = File.OpenRead(tokenizerJson);
            return ParseTokenizerJson(stream, tokenizerJson);
        }
        var tokenizerJsonGz = Path.Combine(directory, TokenizerJsonGz);
        if (File.Exists(tokenizerJsonGz))
        {
            byte[] json;
            using (var file = File.OpenRead(tokenizerJsonGz))
                json = IO.BoundedGzip.Decompress(file, MaxTokenizerJsonBytes, tokenizerJsonGz);
            return ParseTokenizerJson(new MemoryStream(json, writable: false), tokenizerJsonGz);
        }
        var vocab = Path.Combine(directory, VocabJson);
        var merges = Path.Combine(directory, MergesTxt);
        var config = Path.Combine(directory, TokenizerConfigJson);
        foreach (var required in new[] { vocab, merges, config })
            if (!File.Exists(required))
                throw ReproException.ForFile(required, $"file is missing (and there is no {TokenizerJson} in the folder)");
        return ReadVocabMergesConfig(vocab, merges, config);
    }

    /// <summary>A tokenizer.json document (a BPE model with vocab, merges and added_tokens).</summary>
    public static TokenizerDefinition ParseTokenizerJson(Stream utf8Json, string path)
    {
        using var doc = ParseJson(utf8Json, path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw ReproException.ForFile(path, "top level is not a JSON object");
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw ReproException.ForFile(path, "'model' is missing");
        if (model.TryGetProperty("type", out var type) && (type.ValueKind != JsonValueKind.String || type.GetString() != "BPE"))
            throw ReproException.ForFile(path, $"model.type is '{type}', not 'BPE'");
        foreach (var option in new[] { "byte_fallback", "ignore_merges" })
            if (model.TryGetProperty(option, out var value) && value.ValueKind == JsonValueKind.True)
                throw ReproException.ForFile(path, $"model.{option} = true is not supported (Qwen3 has false)");
        CheckPipeline(root, path);

        if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
            throw ReproException.ForFile(path, "model.vocab is missing");
        var vocab = ReadVocab(vocabElement, path, "model.vocab");

        if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
            throw ReproException.ForFile(path, "model.merges is missing");
        var merges = new List<string>(mergesElement.GetArrayLength());
        int index = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            merges.Add(merge.ValueKind switch
            {
                JsonValueKind.String => CheckMerge(merge.GetString()!, path, index),
                JsonValueKind.Array when merge.GetArrayLength() == 2
                    && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String
                    => CheckMerge($"{merge[0].GetString()} {merge[1].GetString()}", path, index),
                _ => throw ReproException.ForFile(path, $"model.merges[{index}] is neither \"a b\" nor [\"a\", \"b\"]"),
            });
            index++;
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var token in addedElement.EnumerateArray())
            {
                if (token.ValueKind != JsonValueKind.Object
                    || !token.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int idValue) || idValue < 0
                    || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw ReproException.ForFile(path, $"added_tokens[{i}] needs a non-negative integer 'id' and a string 'content'");
                bool special = token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                added.Add(new AddedToken(idValue, content.GetString()!, special));
                i++;
            }
        }
        return Validate(new TokenizerDefinition(vocab.AsReadOnly(), merges.AsReadOnly(), added.AsReadOnly(), path));
    }

    /// <summary>The older layout: vocab.json, merges.txt ("#version" header optional) and tokenizer_config.json.</summary>
    public static TokenizerDefinition ReadVocabMergesConfig(string vocabPath, string mergesPath, string configPath)
    {
        Dictionary<string, int> vocab;
        using (var stream = File.OpenRead(vocabPath))
        using (var doc = ParseJson(stream, vocabPath))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw ReproException.ForFile(vocabPath, "top level is not a JSON object");
            vocab = ReadVocab(doc.RootElement, vocabPath, "vocabulary");
        }

        var merges = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            merges.Add(CheckMerge(line, mergesPath, lineNumber));
        }
        if (merges.Count == 0) throw ReproException.ForFile(mergesPath, "no merges");

        var added = new List<AddedToken>();
        using (var stream = File.OpenRead(configPath))
        using (var doc = ParseJson(stream, configPath))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object)
                throw ReproException.ForFile(configPath, "'added_tokens_decoder' is missing");
            foreach (var entry in decoder.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                    throw ReproException.ForFile(configPath, $"added_tokens_decoder key '{entry.Name}' is not a token id");
                if (entry.Value.ValueKind != JsonValueKind.Object
                    || !entry.Value.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw ReproException.ForFile(configPath, $"added_tokens_decoder[{id}] has no string 'content'");
                bool special = entry.Value.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
                added.Add(new AddedToken(id, content.GetString()!, special));
            }
        }
        return Validate(new TokenizerDefinition(vocab.AsReadOnly(), merges.AsReadOnly(), added.AsReadOnly(), $"{vocabPath}, {mergesPath}, {configPath}"), configPath);
    }

    /// <summary>Added tokens must have distinct ids and contents and must not take a vocabulary id for another string.</summary>
    private static TokenizerDefinition Validate(TokenizerDefinition definition, string? addedTokensPath = null)
    {
        var path = addedTokensPath ?? definition.Source;
        var byId = new Dictionary<int, string>();
        foreach (var (token, id) in definition.Vocabulary) byId.TryAdd(id, token);
        var seenIds = new HashSet<int>();
        var seenContents = new HashSet<string>(StringComparer.Ordinal);
        // The tokenizer keeps id-indexed tables (one slot per id up to the largest): a stray huge id must not size them.
        long tokens = definition.Vocabulary.Count + definition.AddedTokens.Count;
        long maxId = Math.Max(definition.Vocabulary.Values.DefaultIfEmpty(-1).Max(), definition.AddedTokens.Select(t => t.Id).DefaultIfEmpty(-1).Max());
        if (maxId >= 2 * tokens + 1024)
            throw ReproException.ForFile(path, $"token id {maxId} is far beyond the {tokens} tokens defined (ids must be nearly dense)");
        foreach (var added in definition.AddedTokens)
        {
            if (added.Content.Length == 0) throw ReproException.ForFile(path, $"added token id {added.Id} has empty content");
            if (!seenIds.Add(added.Id)) throw ReproException.ForFile(path, $"added token id {added.Id} appears twice");
            if (!seenContents.Add(added.Content)) throw ReproException.ForFile(path, $"added token '{added.Content}' appears twice");
            if (byId.TryGetValue(added.Id, out var existing) && existing != added.Content)
                throw ReproException.ForFile(path, $"added token '{added.Content}' has id {added.Id}, which the vocabulary gives to '{existing}'");
        }
        return definition;
    }

    /// <summary>A Qwen3-style pipeline only: the NFC normalizer and the Qwen pre-tokenizer regex, when the file states them.</summary>
    private static void CheckPipeline(JsonElement root, string path)
    {
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind == JsonValueKind.Object
            && normalizer.TryGetProperty("type", out var nType) && (nType.ValueKind != JsonValueKind.String || nType.GetString() != "NFC"))
            throw ReproException.ForFile(path, $"normalizer '{nType}' is not supported (only NFC, as in Qwen3)");
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object)
        {
            foreach (var option in new[] { "add_prefix_space", "use_regex" })
                if (FindProperties(pre, option).Any(v => v.ValueKind == JsonValueKind.True))
                    throw ReproException.ForFile(path, $"pre_tokenizer {option} = true is not supported (Qwen3 has false)");
            foreach (var split in FindSplitPatterns(pre))
                if (split != Qwen3PreTokenizer.Pattern)
                    throw ReproException.ForFile(path, $"pre_tokenizer pattern '{split}' is not the Qwen3 pattern this tokenizer implements");
        }
    }

    private static IEnumerable<JsonElement> FindProperties(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == name) yield return property.Value;
                foreach (var nested in FindProperties(property.Value, name)) yield return nested;
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
                foreach (var nested in FindProperties(item, name)) yield return nested;
        }
    }

    private static IEnumerable<string> FindSplitPatterns(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "Split"
                && element.TryGetProperty("pattern", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
                yield return regex.GetString()!;
            foreach (var property in element.EnumerateObject())
                foreach (var nested in FindSplitPatterns(property.Value)) yield return nested;
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
                foreach (var nested in FindSplitPatterns(item)) yield return nested;
        }
    }

    private static Dictionary<string, int> ReadVocab(JsonElement element, string path, string what)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw ReproException.ForFile(path, $"{what}: '{entry.Name}' has no non-negative integer id");
            vocab[entry.Name] = id;
        }
        if (vocab.Count == 0) throw ReproException.ForFile(path, $"{what} is empty");
        return vocab;
    }

    private static string CheckMerge(string merge, string path, int where)
    {
        int space = merge.IndexOf(' ');
        if (space <= 0 || space == merge.Length - 1 || merge.IndexOf(' ', space + 1) >= 0)
            throw ReproException.ForFile(path, $"merge {where} '{merge}' is not two tokens separated by one space");
        return merge;
    }

    private static JsonDocument ParseJson(Stream stream, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw ReproException.ForFile(path, $"not valid JSON: {e.Message}", e);
        }
        try
        {
            IO.JsonFields.EnsureStringsDecode(doc.RootElement, path);
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }
}
