"""Whether a file descriptor is a terminal; a closed or invalid one is not."""

import os


def is_terminal(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False
