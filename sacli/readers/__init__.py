"""Reading what comes from outside (a server's replies, the user's files and arguments) within bounds."""
