using Reproduction.Text;

namespace Repro.Tests.Text;

/// <summary>The shipped Qwen3 tokenizer: its ids, special tokens, decoding rules and equivalence with the HF folder layouts.</summary>
public sealed class Qwen3TokenizerTests(ShippedTokenizerFixture fixture)
{
    private Qwen3Tokenizer Tokenizer => fixture.Tokenizer;

    /// <summary>151,643 BPE tokens (ids 0–151,642) + 26 added tokens (151,643–151,668): shared/qwen3-tokenizer/README.md.</summary>
    private const int Qwen3IdCount = 151_669;
    private const int Qwen3AddedTokenCount = 26;

    [Fact]
    public void The_shipped_tokenizer_has_the_official_vocabulary_size_added_tokens_and_special_ids()
    {
        Assert.Equal(Qwen3IdCount, Tokenizer.VocabularySize);
        Assert.Equal(Qwen3AddedTokenCount, Tokenizer.AddedTokens.Count);
        Assert.Equal(Qwen3SpecialTokens.Official, Tokenizer.SpecialTokens);
        Assert.Equal(151645, Tokenizer.SpecialTokens.Eos);
        Assert.Equal(151643, Tokenizer.SpecialTokens.Pad);
        Assert.Equal([151645, 151643], Tokenizer.SpecialTokens.StopIds);
    }

    [Fact]
    public void Think_tags_and_tool_tokens_are_added_tokens_but_not_special_while_chatml_tokens_are_special()
    {
        Assert.False(Tokenizer.AddedToken(151667)!.Special); // <think>
        Assert.False(Tokenizer.AddedToken(151668)!.Special); // </think>
        Assert.False(Tokenizer.AddedToken(151657)!.Special); // <tool_call>
        Assert.True(Tokenizer.AddedToken(151644)!.Special);  // <|im_start|>
        Assert.True(Tokenizer.AddedToken(151645)!.Special);  // <|im_end|>
        Assert.Null(Tokenizer.AddedToken(9707));             // "Hello" is a BPE token
    }

    [Fact]
    public void A_chatml_turn_encodes_with_each_added_token_as_one_id_and_no_bos_or_eos()
    {
        Assert.Equal([151644, 872, 198, 9707, 151645], Tokenizer.Encode("<|im_start|>user\nHello<|im_end|>"));
        Assert.Equal([], Tokenizer.Encode(""));
    }

    [Fact]
    public void The_sft_target_think_block_encodes_as_think_double_newline_end_think_double_newline()
    {
        // "<think>\n\n</think>\n\nacceptable": 271 is "\n\n".
        var ids = Tokenizer.Encode("<think>\n\n</think>\n\nacceptable");
        Assert.Equal([151667, 271, 151668, 271], ids[..4]);
        Assert.Equal("<think>\n\n</think>\n\nacceptable", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Skipping_special_tokens_drops_chatml_tokens_but_keeps_think_tags()
    {
        var ids = Tokenizer.Encode("<|im_start|>assistant\n<think>\n\n</think>\n\nacceptable<|im_end|>");
        Assert.Equal("assistant\n<think>\n\n</think>\n\nacceptable", Tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|im_start|>assistant\n<think>\n\n</think>\n\nacceptable<|im_end|>", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Ids_outside_the_tokenizer_such_as_embedding_padding_rows_are_skipped_when_decoding()
    {
        const int PaddedEmbeddingRow = 151_935; // Qwen3's embedding table has 151,936 rows, more than the tokenizer's ids
        Assert.Equal("Hello", Tokenizer.Decode([PaddedEmbeddingRow, 9707, -1]));
    }

    [Fact]
    public void A_character_split_across_tokens_decodes_whole_when_joined_and_as_replacement_characters_when_cut()
    {
        var ids = Tokenizer.Encode("𝟏"); // U+1D7CF: four UTF-8 bytes in three byte-level tokens
        Assert.Equal([56252, 253, 237], ids);
        Assert.Equal("𝟏", Tokenizer.Decode(ids));
        Assert.Equal("\uFFFD", Tokenizer.Decode(ids[..2]));
    }

    [Fact]
    public void A_lone_surrogate_is_encoded_as_the_replacement_character()
    {
        Assert.Equal(Tokenizer.Encode("a\uFFFDb"), Tokenizer.Encode("a\uD800b"));
        Assert.Equal(Tokenizer.Encode("\uFFFD|\uFFFD"), Tokenizer.Encode("\uDC00|\uD83D"));
        Assert.Equal("😀", Tokenizer.Decode(Tokenizer.Encode("\uD83D\uDE00"))); // a valid pair is untouched
    }

    [Fact]
    public void Encoding_from_several_threads_gives_the_same_ids_as_one_thread()
    {
        var texts = Enumerable.Range(0, 400).Select(i => $"Sentence {i}: the {i % 7}th cat's mat, naïve café {(char)('a' + i % 26)}").ToArray();
        var sequential = texts.Select(Tokenizer.Encode).ToArray();
        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = Tokenizer.Encode(texts[i]));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Token_strings_and_ids_map_both_ways_in_the_byte_level_alphabet()
    {
        Assert.Equal(9707, Tokenizer.TokenToId("Hello"));
        Assert.Equal(220, Tokenizer.TokenToId("Ġ")); // a space
        Assert.Equal("<think>", Tokenizer.IdToToken(151667));
        Assert.Null(Tokenizer.TokenToId("not-a-token-at-all-xyz"));
        Assert.Null(Tokenizer.IdToToken(Qwen3IdCount));
    }

    [Fact]
    public void The_shared_tokenizer_json_the_vocab_merges_config_layout_and_the_shipped_copy_define_the_same_tokenizer()
    {
        var folder = SharedData.Require("qwen3-tokenizer");
        var fromJson = HfTokenizerFiles.Read(folder);
        var fromFiles = HfTokenizerFiles.ReadVocabMergesConfig(
            Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"), Path.Combine(folder, "tokenizer_config.json"));
        var shipped = Tokenizer.Definition;
        foreach (var other in new[] { fromJson, fromFiles })
        {
            Assert.Equal(shipped.Vocabulary.Count, other.Vocabulary.Count);
            Assert.All(shipped.Vocabulary, kv => Assert.Equal(kv.Value, other.Vocabulary[kv.Key]));
            Assert.Equal(shipped.Merges, other.Merges);
            Assert.Equal(shipped.AddedTokens.OrderBy(t => t.Id), other.AddedTokens.OrderBy(t => t.Id));
        }
    }

    [Fact]
    public void The_shipped_folder_can_also_be_loaded_as_an_ordinary_folder_with_a_gzipped_tokenizer_json()
    {
        var loaded = Qwen3Tokenizer.Load(ShippedTokenizerFiles.DefaultDirectory);
        Assert.Equal([9707], loaded.Encode("Hello"));
    }

    [Fact]
    public void Loading_a_folder_gives_the_same_ids_as_the_shipped_copy()
    {
        var loaded = Qwen3Tokenizer.Load(SharedData.Require("qwen3-tokenizer"));
        const string Text = "<|im_start|>user\nCafe\u0301 𝐇𝐞𝐥𝐥𝐨 it's 2024!<|im_end|>\n";
        Assert.Equal(Tokenizer.Encode(Text), loaded.Encode(Text));
    }
}
