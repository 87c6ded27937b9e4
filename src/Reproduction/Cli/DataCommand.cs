using System.CommandLine;
using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.IO;

namespace Reproduction.Cli;

/// <summary>
/// `repro data download cola [--url URL] [--out DIR] [--timeout SECONDS]`: fetch, verify and unpack the official CoLA release.
/// `repro data export --format sft-parquet|rl-parquet|jsonl [--data cola|synthetic|PATH] [--split train|test] --out FILE`: write a split in verl's layouts.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Where to fetch cola_public_1.1.zip", DefaultValueFactory = _ => ColaRelease.OfficialUrl };
        var output = new Option<string>("--out") { Description = "Folder for the zip and the unpacked release", DefaultValueFactory = _ => Path.Combine("data", "cola") };
        var timeout = new Option<double>("--timeout") { Description = "Give up after this many seconds (a later run resumes)", DefaultValueFactory = _ => 600 };

        var cola = new Command("cola", $"Download the official CoLA v1.1 release (resumable), check its sha256 ({ColaRelease.ZipSha256[..12]}…) and unpack it");
        cola.Options.Add(url);
        cola.Options.Add(output);
        cola.Options.Add(timeout);
        cola.SetAction(async (parse, ct) =>
        {
            try
            {
                if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var uri))
                    throw new ReproException($"--url: not an absolute URL: '{parse.GetValue(url)}'");
                var seconds = parse.GetValue(timeout);
                if (!(seconds > 0)) throw new ReproException($"--timeout: must be positive, got {seconds}");
                var options = new DownloadOptions(timeout: TimeSpan.FromSeconds(seconds));
                var result = await ColaDownloader.DownloadAsync(uri, parse.GetValue(output)!, options, ct);
                var d = result.Download;
                Console.Out.WriteLine(d.AlreadyPresent
                    ? $"{result.ZipPath}: already present, sha256 ok"
                    : $"{result.ZipPath}: downloaded {d.Bytes:N0} bytes from {d.FinalUrl}, sha256 ok" +
                      (d.ResumedFrom is { } from ? $" (resumed at byte {from:N0})" : "") + (d.Restarted ? " (restarted: the server ignored the resume request)" : ""));
                Console.Out.WriteLine(result.Extracted ? $"{result.ReleaseDir}: unpacked" : $"{result.ReleaseDir}: already unpacked");
                return 0;
            }
            catch (ReproException e)
            {
                int code = ReproCli.ReportError(e, parse.GetValue(ReproCli.Verbose));
                Console.Error.WriteLine("repro: note: the CoLA files the study uses ship with repro (assets/cola); this download is optional.");
                return code;
            }
        });

        var download = new Command("download", "Download a data set");
        download.Subcommands.Add(cola);
        var data = new Command("data", "Data sets: download the official CoLA release, export a split for verl");
        data.Subcommands.Add(download);
        data.Subcommands.Add(CreateExport());
        return data;
    }

    private static Command CreateExport()
    {
        var format = new Option<string>("--format") { Description = $"Layout: {string.Join(", ", VerlExport.FormatNames)}", Required = true };
        var source = new Option<string>("--data") { Description = "cola (shipped), synthetic (default grammar sizes and seed), or a CoLA release / GLUE folder", DefaultValueFactory = _ => "cola" };
        var split = new Option<string>("--split") { Description = "train or test", DefaultValueFactory = _ => "train" };
        var output = new Option<string>("--out") { Description = "The file to write (replaced atomically)", Required = true };

        var export = new Command("export", "Write a split in verl's data layouts: SFT parquet (instruction/output), RL parquet (prompt, reward_model, ...) or JSONL");
        export.Options.Add(format);
        export.Options.Add(source);
        export.Options.Add(split);
        export.Options.Add(output);
        export.SetAction(async (parse, ct) =>
        {
            var layout = VerlExport.ParseFormat(parse.GetValue(format)!);
            var name = parse.GetValue(split)!;
            if (name is not ("train" or "test")) throw new ReproException($"--split: '{name}' is not train or test");
            var (train, test) = TaskSetup.LoadData(new DataSpec(), parse.GetValue(source));
            var (path, rows) = await VerlExport.WriteAsync(name == "train" ? train : test, name, layout, parse.GetValue(output)!, ct: ct);
            Console.Out.WriteLine($"{path}: {rows:N0} rows ({VerlExport.FormatName(layout)}, {name} split of {parse.GetValue(source)})");
            return 0;
        });
        return export;
    }
}
