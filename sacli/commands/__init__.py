"""One module per command. Each imports only typer at module level; the work is imported when it runs."""
