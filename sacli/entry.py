"""The console script: signal handling and the one error boundary.

Every failure ends here as one ``sacli: error: ...`` line and its exit code (``--debug`` adds
the traceback). A signal or a closed stdout unwinds the command (closing its connection on
the way) and then ends the process with that same signal, as a well-behaved Unix filter does.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from sacli.errors import DeadlineExceeded, SacliError, Stop
from sacli.exitcodes import ExitCode
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import guard_stdout, occupy_closed_descriptors

if TYPE_CHECKING:
    from typer._click import Context


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signum)


def main(argv: list[str] | None = None) -> NoReturn:
    # Start-up allocates only long-lived objects (modules, classes, functions): collecting them
    # is wasted time. ApiClient.transport freezes them and turns collection back on.
    gc.disable()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A signal the caller ignores (`sacli ... &` in a script, nohup) stays ignored.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise_stop)
    occupy_closed_descriptors()
    guard_stdout()
    args = sys.argv[1:] if argv is None else argv
    MESSAGES.debug_enabled = _debug_requested(args)
    try:
        code = run(args)
    except Stop as stop:
        _die_by(stop.signum)
    except KeyboardInterrupt:
        _die_by(signal.SIGINT)
    sys.exit(code)


def run(args: list[str]) -> int:
    """Run the command line; return the exit code (signals propagate as ``Stop``)."""
    messages = MESSAGES
    try:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError
        from typer.main import get_command

        from sacli.cli.app import app

        command = get_command(app)
        if "_SACLI_COMPLETE" in os.environ:  # a TAB: answer without importing rich
            from sacli.cli.completion import register

            register()
        try:
            result = command.main(args=args, prog_name="sacli", standalone_mode=False)
        except NoArgsIsHelpError as exc:
            return _missing_command(exc.ctx)
        except ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            command_path = ctx.command_path if ctx is not None else _command_path(args)
            messages.error(_lower_first(exc.format_message()).rstrip("."), hint=f"see '{command_path} --help'")
            return exc.exit_code if exc.exit_code != ExitCode.UNEXPECTED else ExitCode.USAGE
        return result if isinstance(result, int) else ExitCode.OK
    except SacliError as error:
        _debug_traceback()
        messages.error(error.message, hint=error.hint)
        return error.exit_code
    except DeadlineExceeded as exceeded:
        _debug_traceback()
        messages.error(f"timed out after {exceeded.seconds:g} s (--timeout)")
        return ExitCode.TIMEOUT
    except (Stop, KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        _debug_traceback()
        messages.error(f"unexpected error: {type(exc).__name__}: {exc}", hint="this is a bug; rerun with --debug")
        return ExitCode.UNEXPECTED


def _missing_command(ctx: Context) -> int:
    """``sacli`` or a group alone: its help (the commands it has), then how to go on, all on stderr.

    A usage error like any other (exit 2): stdout stays empty, so ``sacli "$command"`` with an
    empty variable fails in a script instead of passing the help off as an answer.
    """
    path = ctx.command_path
    MESSAGES.write(ctx.get_help() + "\n\n")
    given = "" if path == "sacli" else f" to '{path}'"
    MESSAGES.error(f"no command given{given}", hint=f"run '{path} COMMAND --help' for one command's options")
    return ExitCode.USAGE


def _command_path(args: list[str]) -> str:
    """``sacli stream`` for ``stream -m`` (an error the parser raises before it knows its command)."""
    from sacli.cli.lazygroup import COMMANDS, build

    words = []
    for arg in args:
        if arg.startswith("-"):
            break
        words.append(arg)
    if not words or words[0] not in COMMANDS:
        return "sacli"
    command = build(words[0], COMMANDS[words[0]])
    subcommands = getattr(command, "commands", {})
    if len(words) > 1 and words[1] in subcommands:
        return f"sacli {words[0]} {words[1]}"
    return f"sacli {words[0]}"


def _debug_requested(args: list[str]) -> bool:
    if os.environ.get("SACLI_DEBUG", "").lower() in ("1", "true", "yes", "on"):
        return True
    words = args[: args.index("--")] if "--" in args else args
    return "--debug" in words


def _debug_traceback() -> None:
    if MESSAGES.debug_enabled:
        import traceback

        MESSAGES.write(traceback.format_exc())


def _lower_first(text: str) -> str:
    """ "No such option" -> "no such option"; an acronym ("URL ...") stays as it is."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _die_by(signum: int) -> NoReturn:
    """End the process with ``signum`` (the shell then reports 128 + signum)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    signal.signal(signum, signal.SIG_DFL)
    if signum != signal.SIGPIPE:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)
