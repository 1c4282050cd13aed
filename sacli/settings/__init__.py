"""What can be set: every setting declared once, the config file, and what counts as a secret."""
