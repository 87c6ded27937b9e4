using Reproduction.ElfPatch;

return ElfPatchTool.Run(args, Console.Out, Console.Error);
