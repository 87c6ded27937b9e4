using Reproduction.Cli;
using Reproduction.Runtime;

// Before libtorch allocates: large CPU blocks on 2 MiB pages (see NativeAllocator; REPRO_MALLOC=system opts out).
NativeAllocator.UseHugePages();
return ReproCli.Run(args);
