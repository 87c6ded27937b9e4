namespace Reproduction.Data;

/// <summary>How a CoLA TSV is laid out.</summary>
public enum ColaFileFormat
{
    /// <summary>No header, 4 columns: source, label, original mark, sentence. The release's raw/ and tokenized/
    /// files and GLUE's train.tsv / dev.tsv.</summary>
    Labeled,
    /// <summary>GLUE's test.tsv: a header <c>index	sentence</c>, then 2 columns; rows get label -1.</summary>
    GlueTest,
}
