using Reproduction.Cli;

return ReproCli.Run(args);
