return TinyMLOps.Console.Cli.Run(args, Spectre.Console.AnsiConsole.Console);
