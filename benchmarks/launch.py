"""Start one client for benchmarks/run.py and report what it cost: ``python -S -I launch.py FD ARGV...``.

Why a separate, small process: on Linux a process's peak-memory figure (``ru_maxrss``) starts
from the memory of the process it was forked from, so a client started straight from run.py
(which holds every byte the clients write) would report run.py's peak, not its own. Forked
from this launcher, which holds about 5 MiB, a client reports its own peak whenever that is
above the launcher's.

The launcher records the time, forks, and the child executes ARGV (found on PATH) with the
launcher's stdin, stdout, stderr and environment. The launcher then closes its own stdout, so
the client's stdout ends exactly when the client's does, waits for the client with
``os.wait4`` and writes one line to file descriptor FD:
``SPAWNED_NS WAIT_STATUS USER_SECONDS SYSTEM_SECONDS MAXRSS``
(``time.monotonic_ns()`` just before the fork; MAXRSS in the platform's unit: KiB on Linux,
bytes on macOS). Only the standard library's built-in modules are used, to stay small.
"""

import os
import sys
import time

report_fd = int(sys.argv[1])
argv = sys.argv[2:]
spawned_ns = time.monotonic_ns()
pid = os.fork()
if pid == 0:
    os.close(report_fd)
    try:
        os.execvp(argv[0], argv)
    except OSError as error:
        os.write(2, f"launch.py: cannot run {argv[0]}: {error.strerror}\n".encode())
    os._exit(127)
devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(devnull, 1)
os.close(devnull)
_, status, usage = os.wait4(pid, 0)
os.write(report_fd, f"{spawned_ns} {status} {usage.ru_utime} {usage.ru_stime} {usage.ru_maxrss}\n".encode())
