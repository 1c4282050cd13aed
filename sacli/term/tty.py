"""Whether a file descriptor is a terminal, whether that terminal can be drawn on, and its width."""

import os


def is_terminal(fd: int) -> bool:
    """A closed or invalid descriptor is not a terminal."""
    try:
        return os.isatty(fd)
    except OSError:
        return False


def is_dumb() -> bool:
    """TERM=dumb: a terminal that shows text as it comes, with no cursor movement and no colour."""
    return os.environ.get("TERM") == "dumb"


def can_redraw(fd: int) -> bool:
    """Whether what is written on ``fd`` may be drawn over (spinners, progress, live rendering):
    a terminal, and not a dumb one."""
    return is_terminal(fd) and not is_dumb()


def columns(fd: int = 2, default: int = 80) -> int:
    """The width of the terminal on ``fd`` (``default`` when it has none)."""
    try:
        return os.get_terminal_size(fd).columns or default
    except OSError:
        return default
