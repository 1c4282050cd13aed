"""Who keeps a conversation's history, and what each turn sends."""

from __future__ import annotations

from sacli.api.chatrequest import ChatParameters
from sacli.chat.conversation import Conversation, title_for

SESSION = "9b2f3c1e-6c1a-4f39-9a43-0d7a1f5e2b11"


def two_turns(conversation: Conversation) -> list[dict[str, str]]:
    conversation.record("one", "A")
    return conversation.body("two", stream=True)["messages"]


def test_without_a_session_sacli_sends_the_whole_conversation() -> None:
    conversation = Conversation(ChatParameters(system="terse"), model="m")
    assert two_turns(conversation) == [
        {"role": "system", "content": "terse"},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "A"},
        {"role": "user", "content": "two"},
    ]


def test_with_a_session_only_the_new_turn_is_sent() -> None:
    conversation = Conversation(ChatParameters(session=SESSION), model="m")
    assert two_turns(conversation) == [{"role": "user", "content": "two"}]
    assert conversation.body("two", stream=True)["sessionId"] == SESSION


def test_with_a_session_that_saves_nothing_sacli_keeps_the_new_turns() -> None:
    conversation = Conversation(ChatParameters(session=SESSION, save=False), model="m")
    assert two_turns(conversation) == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "A"},
        {"role": "user", "content": "two"},
    ]


def test_reset_forgets_the_history_and_asks_for_a_new_session() -> None:
    local = Conversation(ChatParameters(), model="m")
    local.record("one", "A")
    local.reset()
    assert (local.history, local.session_pending) == ([], False)
    with_session = Conversation(ChatParameters(session=SESSION), model="m")
    with_session.reset()
    assert with_session.session_pending


def test_titles_are_one_short_line() -> None:
    assert title_for("  Plan\n a   trip ") == "Plan a trip"
    assert title_for("x" * 100) == "x" * 57 + "..."
    assert title_for(" \n ") == "sacli chat"
