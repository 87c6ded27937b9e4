namespace Reproduction.Data;

/// <summary>
/// The GLUE layout of CoLA (`CoLA/{train,dev,test}.tsv`). train = in_domain_train; dev = in_domain_dev followed by
/// out_of_domain_dev (1,043 rows, Hugging Face's `validation`); test = 1,063 unlabeled rows with a header.
/// </summary>
public enum GlueColaFile
{
    Train,
    Dev,
    Test,
}
