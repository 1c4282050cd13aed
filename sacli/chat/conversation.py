"""One chat conversation: who keeps its history, and the request body for its next turn.

With a session the server keeps the history, so a turn carries only the new user message
(plus the system prompt) and ``sessionId``: sending earlier turns as well would make the
server add its stored copy on top and duplicate them (API reference §4.1, client notes).
Without a session sacli keeps the history and sends all of it with every turn. With a
session and ``--no-save`` the server stores none of the new turns, so sacli keeps them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sacli.api.chatrequest import ChatParameters, chat_body

if TYPE_CHECKING:
    from sacli.api.client import ApiClient

TITLE_LENGTH = 60


class Conversation:
    def __init__(
        self,
        params: ChatParameters,
        *,
        model: str | None,
        session_pending: bool = False,
        history: list[dict[str, Any]] | None = None,
    ) -> None:
        """``history``: earlier turns to send before the next one (``--reply-to``)."""
        self.params = params
        self.model = model
        # Create a session through the Memory API before the next turn (--new-session, /new).
        self.session_pending = session_pending
        self.history: list[dict[str, Any]] = list(history or ())

    @property
    def session(self) -> str | None:
        return self.params.session

    @property
    def keeps_history(self) -> bool:
        """True when sacli, not the server, has to send the earlier turns."""
        return self.params.session is None or self.params.save is False

    def body(self, prompt: str, *, stream: bool) -> dict[str, Any]:
        """The next request. With ``-p messages=[...]`` those are the conversation, and the prompt or
        the attachments, when there are any, follow them as the user's message."""
        messages: list[dict[str, Any]] = []
        if self.params.system:
            messages.append({"role": "system", "content": self.params.system})
        given = self.params.given_messages()
        if given is not None:
            messages += given
        elif self.keeps_history:
            messages += self.history
        if prompt or self.params.attachments or given is None:
            messages.append(self.params.user_message(prompt))
        return chat_body(self.params, model=self.model, messages=messages, stream=stream)

    def record(self, prompt: str, reply_text: str) -> None:
        """Add a completed turn (never an interrupted or failed one)."""
        if self.keeps_history:
            self.history += [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply_text}]

    def set_system(self, text: str | None) -> None:
        self.params = self.params._replace(system=text or None)

    def reset(self) -> None:
        """Start afresh: forget the local history; a session conversation gets a new session."""
        self.history.clear()
        if self.params.session is not None:
            self.session_pending = True

    def start_session(self, api: ApiClient, first_message: str) -> str:
        """Create a session titled after ``first_message`` and use it from now on."""
        from sacli.api.sessions import create_session, record_id

        session_id = str(record_id(create_session(api, title=title_for(first_message))))
        self.params = self.params._replace(session=session_id)
        self.session_pending = False
        self.history.clear()
        return session_id


def title_for(message: str) -> str:
    """The first words of the message, on one line, short enough for a session list."""
    text = " ".join(message.split())
    if len(text) > TITLE_LENGTH:
        text = text[: TITLE_LENGTH - 3].rstrip() + "..."
    return text or "sacli chat"
