namespace Reproduction.Data;

/// <summary>The layouts <see cref="VerlExport"/> writes, named on the command line as <c>sft-parquet</c>, <c>rl-parquet</c>, <c>jsonl</c>.</summary>
public enum VerlExportFormat
{
    /// <summary>verl's SFT trainer: string columns <c>instruction</c> and <c>output</c>.</summary>
    SftParquet,
    /// <summary>verl's RL trainers: <c>data_source</c>, <c>prompt</c>, <c>ability</c>, <c>reward_model</c>, <c>extra_info</c>.</summary>
    RlParquet,
    /// <summary>One JSON object a line: the RL fields and the SFT fields, for inspection.</summary>
    Jsonl,
}
