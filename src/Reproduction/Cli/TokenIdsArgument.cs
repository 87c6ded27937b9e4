using System.Globalization;

namespace Reproduction.Cli;

/// <summary>
/// Parses `--ids "1,2,3;4,5"`: rows separated by ';', ids by ','. This is the prompt seam until the tokenizer lands
/// (Text/): then `--prompt TEXT` will tokenize into the same rows.
/// </summary>
public static class TokenIdsArgument
{
    public static long[][] Parse(string? text, long vocabSize, string option = "--ids")
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ReproException($"{option}: no token ids given (e.g. --ids \"1,2,3;4,5\")");
        var rows = text.Split(';', StringSplitOptions.TrimEntries).Where(r => r.Length > 0).ToArray();
        if (rows.Length == 0) throw new ReproException($"{option}: no rows in \"{text}\"");
        var result = new long[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            var parts = rows[r].Split(',', StringSplitOptions.TrimEntries);
            result[r] = new long[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                    throw new ReproException($"{option}: row {r}: \"{parts[i]}\" is not a token id");
                if (id >= vocabSize) throw new ReproException($"{option}: row {r}: id {id} is outside the vocabulary (size {vocabSize})");
                result[r][i] = id;
            }
        }
        return result;
    }
}
