"""The terminal and the standard streams: stdout, stderr messages, spinner, progress, tables, line editing."""
