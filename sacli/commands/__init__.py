"""One module per command (its typer signature and what it does), and connection.py: options to the API client."""
