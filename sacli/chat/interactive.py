"""The interactive ``sacli chat``: a conversation on a terminal.

Each reply streams through the same engine as ``sacli stream`` and is the only thing sacli
writes to stdout; readline draws the prompt and the line being typed there too (see
sacli.term.lineeditor: stdin and stdout are both terminals in this mode). Everything else, the
banner, session IDs, command output, usage, warnings and errors, goes to stderr.

A turn that fails (auth, rate limit, network, timeout) or is stopped with Ctrl-C is reported
and left out of the conversation; the conversation goes on. ``--timeout`` limits each turn.
Only how sacli is left sets its exit status: 0 for /exit or Ctrl-D, SIGINT for Ctrl-C at an
empty prompt.
"""

from __future__ import annotations

import contextlib
import signal

from sacli.api.chatrequest import ChatParameters
from sacli.api.client import ApiClient
from sacli.api.sessions import check_session_id
from sacli.chat.conversation import Conversation
from sacli.chat.exchangelog import ExchangeLog
from sacli.chat.expiry import warn_if_expiring
from sacli.chat.oneshot import require_keys
from sacli.chat.replydisplay import ReplyDisplay, ReplyOptions, reply_output
from sacli.chat.replynotes import report_reply
from sacli.chat.spending import Spending
from sacli.errors import DeadlineExceeded, SacliError, Stop
from sacli.store.paths import state_dir
from sacli.store.state import remember_session
from sacli.term.lineeditor import LineEditor
from sacli.term.stderr import MESSAGES
from sacli.term.stdout import Output
from sacli.term.tty import columns

PROMPT = "> "
COMMANDS = ("/edit", "/exit", "/help", "/model", "/new", "/quit", "/session", "/system")

HELP = [
    ("/exit, Ctrl-D", "leave (with a session, sacli says how to come back to it)"),
    ("/new", "start a fresh conversation (a new session, when one is in use)"),
    ("/session", "show the session ID"),
    ("/model NAME", "use another model from the next message (/model alone shows it)"),
    ("/system TEXT", "set the system prompt (/system alone shows it)"),
    ("/edit", "write the next message in $VISUAL or $EDITOR; sent when it exits"),
    ("/help", "show this list"),
    ("//TEXT", "send a message that starts with '/'"),
]
HELP_NOTES = [
    "A paste of several lines is one message, sent when you press Enter.",
    "TAB completes the commands, and after /model the model IDs sacli models keeps.",
    "Ctrl-C stops a reply, or discards the line typed; at an empty prompt it leaves.",
]
HELP_INDENT = 16
HELP_WIDTH = 80


def help_text(width: int) -> str:
    """/help's list, its lines wrapped between words to ``width`` columns (at most HELP_WIDTH,
    which every line fits)."""
    import textwrap

    width = max(min(width, HELP_WIDTH), HELP_INDENT + 20)
    lines = [
        textwrap.fill(what, width, initial_indent=command.ljust(HELP_INDENT), subsequent_indent=" " * HELP_INDENT)
        for command, what in HELP
    ]
    lines += [textwrap.fill(note, width) for note in HELP_NOTES]
    return "\n".join(lines) + "\n"


def complete_command(before: str, word: str) -> list[str]:
    """TAB at the prompt: a command at the start of the line, a model ID after /model (from the
    list sacli models keeps; completing never makes a request)."""
    if not before.strip():  # Python's readline adds no space after a completed word: the command has its own
        return [command + " " for command in COMMANDS if command.startswith(word)] if word.startswith("/") else []
    if before.split() == ["/model"]:
        from sacli.store.modelcache import model_ids

        return model_ids(word)
    return []


def run_repl(
    api: ApiClient,
    *,
    params: ChatParameters,
    options: ReplyOptions,
    new_session: bool,
    log: ExchangeLog,
    continued: bool = False,
    spending: Spending | None = None,
) -> None:
    """``log`` logs each turn; ``continued``: the session came from --continue; ``spending``: the limits
    of the whole conversation (--max-cost, --budget), checked before each turn."""
    api.deadline.cancel()  # --timeout limits each turn, not the whole conversation
    # Missing keys end sacli before the first prompt rather than failing every turn.
    require_keys(api, params, new_session=new_session)
    conversation = Conversation(params, model=api.settings.model, session_pending=new_session)
    conversation.body("", stream=True)  # a bad --param fails now
    check_session_id(conversation.session, MESSAGES.warn)
    editor = LineEditor(
        state_dir() / "history", secrets=api.settings.secrets, messages=MESSAGES, complete=complete_command
    )
    with api:
        Repl(api, options, conversation, editor, log=log, continued=continued, spending=spending).run()


class Repl:
    def __init__(
        self,
        api: ApiClient,
        options: ReplyOptions,
        conversation: Conversation,
        editor: LineEditor,
        *,
        log: ExchangeLog,
        continued: bool,
        spending: Spending | None = None,
    ) -> None:
        self.log = log
        self.spending = spending
        self.continued = continued
        self.api = api
        self.messages = MESSAGES
        self.options = options
        self.conversation = conversation
        self.editor = editor
        self.display = ReplyDisplay(api, options, keep_alive=True)

    def run(self) -> None:
        self._banner()
        try:
            self._converse()
        finally:
            if self.conversation.session is not None:
                self.messages.notice(f"resume with: sacli chat --session {self.conversation.session}")

    def _converse(self) -> None:
        while True:
            line = self.editor.read(PROMPT)
            if line is None:
                return
            text = line.strip()
            if not text:
                continue
            if text.startswith("/") and not text.startswith("//"):
                if self._command(text) == "exit":
                    return
                continue
            self._turn(text[1:] if text.startswith("//") else text)

    def _command(self, text: str) -> str | None:
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        say = self.messages.write
        conversation = self.conversation
        if word in ("/exit", "/quit"):
            return "exit"
        if word == "/help":
            say(help_text(columns(2)))
        elif word == "/new":
            conversation.reset()
            self.messages.notice(
                "new conversation" + (" (a new session starts with it)" if conversation.session_pending else "")
            )
        elif word == "/session":
            say(self._describe_session() + "\n")
        elif word == "/model":
            if rest:
                conversation.model = rest
                self.messages.notice(f"model {rest} from the next message on")
                warn_if_expiring(self.api.settings.base_url, rest)
            else:
                say(f"model: {conversation.model}\n")
        elif word == "/edit":
            from sacli.term.editor import compose

            message = compose(self.messages)
            if message is not None:
                self.editor.show_typed(PROMPT, message)
                self._turn(message)
        elif word == "/system":
            if rest:
                conversation.set_system(rest)
                self.messages.notice("system prompt set")
            else:
                current = conversation.params.system
                say(f"system prompt: {current}\n" if current else "no system prompt\n")
        else:
            self.messages.error(f"unknown command {word}", hint="/help lists the commands")
        return None

    def _describe_session(self) -> str:
        conversation = self.conversation
        if conversation.session_pending:
            return "session: a new one is created with your next message"
        if conversation.session is None:
            turns = len(conversation.history) // 2
            return f"no session: sacli keeps this conversation ({turns} turn{'' if turns == 1 else 's'}) and sends it"
        return f"session: {conversation.session}"

    def _turn(self, prompt: str) -> None:
        api = self.api
        conversation = self.conversation
        api.restart_deadline()
        output = reply_output(self.options)
        attempt = meter = body = None
        spending = self.spending
        try:
            if spending is not None:
                meter = spending.before(conversation.body(prompt, stream=True))
            if conversation.session_pending:
                session = conversation.start_session(api, prompt)
                remember_session(session)
                self.messages.notice(f"new session {session}")
            body = conversation.body(prompt, stream=True)
            attempt = self.log.begin(body, continued=self.continued) if self.log.on else None
            reply = self.display.ask(body, keep_text=True, output=output, attempt=attempt, meter=meter)
            if spending is not None:
                spending.settle(reply, body, meter)
            api.deadline.cancel()
            output.end_line()
            report_reply(reply, self.messages, usage=self.options.usage, conversation=True)
            conversation.record(prompt, "".join(reply.text))
            if conversation.session is not None:
                remember_session(conversation.session)
            if attempt is not None:
                self.log.end(attempt)
        except BaseException as error:
            if spending is not None and body is not None and attempt is not None and attempt.reply is not None:
                with contextlib.suppress(SacliError):
                    spending.settle(attempt.reply, body, meter)
            if attempt is not None:
                self.log.end(attempt, error)
            self._failed(error, output)
        finally:
            api.deadline.cancel()

    def _failed(self, error: BaseException, output: Output) -> None:
        """A turn that failed is reported and the conversation goes on; a signal but Ctrl-C ends it."""
        try:
            raise error
        except Stop as stop:
            if stop.signum != signal.SIGINT:
                raise
            output.end_line()
            # The terminal has echoed ^C at the start of the line: write over it.
            self.messages.notice("reply stopped", over_line=True)
        except SacliError as error:
            output.end_line()
            self.messages.error(error.message, hint=error.hint)
        except DeadlineExceeded as exceeded:
            output.end_line()
            self.messages.error(f"timed out after {exceeded.seconds:g} s (--timeout)")

    def _banner(self) -> None:
        messages = self.messages
        if messages.stderr_is_terminal:
            import textwrap

            banner = f"sacli chat with {self.api.settings.model}; /help lists the commands, Ctrl-D leaves"
            messages.write(textwrap.fill(banner, columns(2), break_long_words=False) + "\n")  # between words
        conversation = self.conversation
        if conversation.session is not None:
            messages.notice(f"session {conversation.session}")
        elif conversation.session_pending and messages.stderr_is_terminal:
            messages.write("a new session is created with your first message\n")
