namespace Reproduction.Text;

/// <summary>
/// GPT-2's byte-level alphabet: each of the 256 byte values is written as one printable character
/// ('!'..'~', '¡'..'¬', '®'..'ÿ' map to themselves; the other 68 bytes go to U+0100 upwards, so a space is 'Ġ').
/// Vocabulary and merge strings in tokenizer.json are written in this alphabet.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByteTable =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToCharTable[b], b => (byte)b);

    /// <summary>The character that stands for <paramref name="b"/>.</summary>
    public static char ToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte a character stands for, or false when the character is outside the alphabet.</summary>
    public static bool TryToByte(char c, out byte b) => CharToByteTable.TryGetValue(c, out b);

    /// <summary>A token string in the alphabet back to its bytes; null when a character is outside the alphabet.</summary>
    public static byte[]? TryToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
            if (!TryToByte(token[i], out bytes[i])) return null;
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
