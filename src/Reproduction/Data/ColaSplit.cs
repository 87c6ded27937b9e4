namespace Reproduction.Data;

/// <summary>The three public files of the CoLA v1.1 release (`cola_public/raw/{name}.tsv`).</summary>
public enum ColaSplit
{
    /// <summary>`in_domain_train`: 8,551 rows. The paper's train split (SFT and RL).</summary>
    InDomainTrain,
    /// <summary>`in_domain_dev`: 527 rows. The paper's test split ("SFT test set", "RL test set").</summary>
    InDomainDev,
    /// <summary>`out_of_domain_dev`: 516 rows. Not used by the paper; available as an option.</summary>
    OutOfDomainDev,
}
