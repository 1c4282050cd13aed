"""The command line: the typer tree, its lazily loaded commands, the shared options, completion and docs."""
