using Reproduction.Cli;
using Reproduction.Runtime;

// Large libtorch blocks are reused instead of re-faulted every step (see NativeAllocator; REPRO_MALLOC=system opts out).
NativeAllocator.RetainFreedMemory();
return ReproCli.Run(args);
