namespace Reproduction.Theory;

/// <summary>
/// A tabular autoregressive model (Eq. 1): next-symbol tables p̂(v | x, prefix) over a vocabulary of V tokens plus EOS
/// (symbol index V), for every prompt x and every prefix shorter than MaxLength; at MaxLength EOS is forced.
/// A complete response y has p(y|x) = p̂(EOS|x,y)·Π_j p̂(y_j|x,y_&lt;j).
/// </summary>
public sealed class AutoregressiveModel
{
    private readonly Dictionary<(int Prompt, string Prefix), double[]> _logNext;

    /// <param name="logits">logits(x, prefix) for V+1 symbols (the last is EOS); −∞ allowed.</param>
    public AutoregressiveModel(int prompts, int vocabulary, int maxLength, Func<int, IReadOnlyList<int>, double[]> logits)
    {
        if (prompts < 1 || vocabulary < 1 || maxLength < 0) throw new ArgumentException("need ≥1 prompt, ≥1 token, max length ≥ 0");
        Prompts = prompts;
        Vocabulary = vocabulary;
        MaxLength = maxLength;
        _logNext = new();
        for (int x = 0; x < prompts; x++)
            foreach (var prefix in Prefixes(vocabulary, maxLength - 1))
            {
                var l = logits(x, prefix);
                if (l.Length != vocabulary + 1) throw new ArgumentException("logits need V+1 entries (the last is EOS)");
                var lse = LogSpace.LogSumExp(l);
                if (double.IsNegativeInfinity(lse)) throw new ArgumentException("a next-symbol table has empty support");
                _logNext[(x, Key(prefix))] = l.Select(v => v - lse).ToArray();
            }
    }

    public int Prompts { get; }
    public int Vocabulary { get; }
    public int MaxLength { get; }
    public int Eos => Vocabulary;

    /// <summary>log p̂(symbol | x, prefix); at MaxLength only EOS is possible.</summary>
    public double LogNext(int x, IReadOnlyList<int> prefix, int symbol)
    {
        if (prefix.Count == MaxLength) return symbol == Eos ? 0 : double.NegativeInfinity;
        return _logNext[(x, Key(prefix))][symbol];
    }

    /// <summary>
    /// Σ_j log p̂(y_j | x, y_&lt;j) + log p̂(EOS | x, y) (Lemma 1 with EOS counted as a token, §3.1).
    /// With includeEos = false this is the prefix probability, which is NOT log p(y|x) (Lemma 1 caveat 2).
    /// </summary>
    public double ChainRuleLogProbability(int x, IReadOnlyList<int> y, bool includeEos = true)
    {
        double s = 0;
        for (int j = 0; j < y.Count; j++) s += LogNext(x, Prefix(y, j), y[j]);
        if (includeEos) s += LogNext(x, y, Eos);
        return s;
    }

    /// <summary>
    /// p(·|x) over every complete response (length 0..MaxLength), built by enumerating the prefix tree in probability
    /// space (an independent route from the log-space chain rule). Sums to 1 because of the EOS factor.
    /// </summary>
    public IReadOnlyDictionary<string, double> SequenceDistribution(int x)
    {
        var result = new Dictionary<string, double>();
        void Walk(List<int> prefix, double mass)
        {
            result[Key(prefix)] = mass * Math.Exp(LogNext(x, prefix, Eos));
            if (prefix.Count == MaxLength) return;
            for (int v = 0; v < Vocabulary; v++)
            {
                prefix.Add(v);
                Walk(prefix, mass * Math.Exp(LogNext(x, prefix.GetRange(0, prefix.Count - 1), v)));
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
        Walk(new List<int>(), 1.0);
        return result;
    }

    /// <summary>log p(y|x) looked up in the enumerated sequence distribution.</summary>
    public double EnumeratedLogProbability(int x, IReadOnlyList<int> y) => LogSpace.Log(SequenceDistribution(x)[Key(y)]);

    /// <summary>Every response of length 0..maxLength over the vocabulary.</summary>
    public static IEnumerable<int[]> Prefixes(int vocabulary, int maxLength)
    {
        var frontier = new List<int[]> { Array.Empty<int>() };
        for (int len = 0; len <= maxLength; len++)
        {
            foreach (var p in frontier) yield return p;
            frontier = frontier.SelectMany(p => Enumerable.Range(0, vocabulary).Select(v => p.Append(v).ToArray())).ToList();
        }
    }

    public IEnumerable<int[]> CompleteResponses() => Prefixes(Vocabulary, MaxLength);

    public static string Key(IReadOnlyList<int> tokens) => string.Join(".", tokens);

    private static int[] Prefix(IReadOnlyList<int> y, int length) => y.Take(length).ToArray();
}
