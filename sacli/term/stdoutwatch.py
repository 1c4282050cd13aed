"""Notice stdout's reader going away while sacli is blocked on the network.

A writer normally learns that ``| head`` has exited only at its next write, which can be
minutes away while a model thinks. When stdout is a pipe or a socket, a daemon thread waits
for the kernel to flag the descriptor (POLLERR/POLLHUP, reported whatever events are asked
for) and then interrupts the main thread with SIGPIPE, which unwinds the request at once.
"""

from __future__ import annotations

import os
import select
import signal
import stat
import threading
from types import FrameType

from sacli.errors import Stop

_GONE = select.POLLERR | select.POLLHUP
_started = False


def reader_gone(fd: int = 1) -> bool:
    poller = select.poll()
    poller.register(fd, 0)
    return any(events & _GONE for _, events in poller.poll(0))


def _on_sigpipe(signum: int, frame: FrameType | None) -> None:
    # SIGPIPE also comes from a socket whose peer left; only a closed stdout is ours to act on.
    if reader_gone():
        raise Stop(signal.SIGPIPE)


def watch_stdout(fd: int = 1) -> None:
    global _started
    if _started:
        return
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return
    _started = True
    main_thread = threading.main_thread().ident
    signal.signal(signal.SIGPIPE, _on_sigpipe)

    def wait_for_hangup() -> None:
        poller = select.poll()
        poller.register(fd, 0)
        while True:
            if any(events & _GONE for _, events in poller.poll()):
                signal.pthread_kill(main_thread, signal.SIGPIPE)  # type: ignore[arg-type]
                return

    threading.Thread(target=wait_for_hangup, name="sacli-stdout-watch", daemon=True).start()
