"""What the commands share that is not a command: the connection, deleting one ID after another, upload sources."""
