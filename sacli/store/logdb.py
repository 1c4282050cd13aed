"""The local log of every exchange: one SQLite file, written one short transaction at a time.

The schema is versioned with ``PRAGMA user_version`` and each step of ``MIGRATIONS`` brings a
database one version up, so a file made by an older sacli opens and upgrades; one from a newer
sacli, a corrupt one, or one that cannot be written is never touched: every failure is a
``LogUnavailable`` whose message says what to do, for the caller to warn about and go on. The
file is created mode 600 in a directory of mode 700, in WAL mode so that readers never block
writers, and many sacli processes at once wait for each other at most ``BUSY_WAIT`` seconds.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

BUSY_WAIT = 5.0  # seconds another process may hold the database before a write gives up

COLUMNS = (
    "id", "started_at", "duration_ms", "first_token_ms", "command", "host", "model_asked", "model",
    "generation_id", "session_id", "continued", "system", "messages", "prompt", "reply", "reasoning",
    "tool_calls", "finish_reason", "usage", "prompt_tokens", "completion_tokens", "cached_tokens",
    "reasoning_tokens", "cost", "retries", "retry_causes", "status", "error", "exit_code",
    "sacli_version", "tags", "cut", "cost_estimated", "cache_status", "request_key", "citations", "refusal",
)  # fmt: skip

# Version 1: the exchanges, their tags, and full-text search over prompts and replies.
# Version 2: whether a cost was estimated rather than reported, and the response cache's status.
# Version 3: the search index holds the first SEARCHED characters of a prompt and a reply, not all of a
# long one: indexing a megabyte of distinct words took 15 MiB, searching deep into one is rare. And an
# index in the order sacli logs lists them, so the latest are found without sorting the whole log.
# Version 4: each exchange's request key (what --cache looks an exchange up by), and its index.
# Version 5: the sources a reply cites (web search) and the model's refusal.
SEARCHED = 65536
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE exchanges (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,            -- sortable: the time in ms, then randomness (see new_id)
        started_at TEXT NOT NULL,           -- UTC, ISO 8601 with milliseconds
        duration_ms REAL,
        first_token_ms REAL,                -- from sending to the first piece of the reply
        command TEXT,                       -- stream, chat, chat-turn, batch
        host TEXT,                          -- of the base URL; never its user or password
        model_asked TEXT,
        model TEXT,                         -- the model that answered, as the reply names it
        generation_id TEXT,
        session_id TEXT,
        continued INTEGER,                  -- 1 when the session came from --continue
        system TEXT,
        messages TEXT,                      -- JSON: the messages sent; attachments described, not their bytes
        prompt TEXT,                        -- the last user message's text
        reply TEXT,
        reasoning TEXT,
        tool_calls TEXT,                    -- JSON
        finish_reason TEXT,
        usage TEXT,                         -- JSON: every usage field the server sent
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        cached_tokens INTEGER,
        reasoning_tokens INTEGER,
        cost REAL,                          -- dollars, as usage.cost says
        retries INTEGER,
        retry_causes TEXT,                  -- JSON: the cause of each retry
        status TEXT NOT NULL,               -- ok, error, interrupted, timeout
        error TEXT,
        exit_code INTEGER,
        sacli_version TEXT,
        tags TEXT,                          -- JSON array; also in exchange_tags
        cut INTEGER                         -- 1 when a text was longer than sacli keeps, and stored cut
    );
    CREATE INDEX exchanges_started ON exchanges (started_at);
    CREATE TABLE exchange_tags (
        exchange_id TEXT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (exchange_id, tag)
    );
    CREATE INDEX exchange_tags_tag ON exchange_tags (tag);
    CREATE VIRTUAL TABLE exchanges_fts USING fts5 (prompt, reply, content = 'exchanges', content_rowid = 'rowid');
    CREATE TRIGGER exchanges_fts_insert AFTER INSERT ON exchanges BEGIN
        INSERT INTO exchanges_fts (rowid, prompt, reply) VALUES (new.rowid, new.prompt, new.reply);
    END;
    CREATE TRIGGER exchanges_fts_delete AFTER DELETE ON exchanges BEGIN
        INSERT INTO exchanges_fts (exchanges_fts, rowid, prompt, reply)
            VALUES ('delete', old.rowid, old.prompt, old.reply);
    END;
    """,
    """
    ALTER TABLE exchanges ADD COLUMN cost_estimated INTEGER;  -- 1 when the cost was worked out, not reported
    ALTER TABLE exchanges ADD COLUMN cache_status TEXT;       -- the response cache's HIT or MISS, when known
    """,
    f"""
    CREATE INDEX exchanges_latest ON exchanges (started_at, id);
    DROP INDEX exchanges_started;
    DROP TRIGGER exchanges_fts_insert;
    DROP TRIGGER exchanges_fts_delete;
    INSERT INTO exchanges_fts (exchanges_fts) VALUES ('delete-all');
    CREATE TRIGGER exchanges_fts_insert AFTER INSERT ON exchanges BEGIN
        INSERT INTO exchanges_fts (rowid, prompt, reply)
            VALUES (new.rowid, substr(new.prompt, 1, {SEARCHED}), substr(new.reply, 1, {SEARCHED}));
    END;
    CREATE TRIGGER exchanges_fts_delete AFTER DELETE ON exchanges BEGIN
        INSERT INTO exchanges_fts (exchanges_fts, rowid, prompt, reply)
            VALUES ('delete', old.rowid, substr(old.prompt, 1, {SEARCHED}), substr(old.reply, 1, {SEARCHED}));
    END;
    INSERT INTO exchanges_fts (rowid, prompt, reply)
        SELECT rowid, substr(prompt, 1, {SEARCHED}), substr(reply, 1, {SEARCHED}) FROM exchanges;
    """,
    """
    ALTER TABLE exchanges ADD COLUMN request_key TEXT;  -- the SHA-256 of the request, as --cache finds it
    CREATE INDEX exchanges_request ON exchanges (request_key, started_at);
    """,
    """
    ALTER TABLE exchanges ADD COLUMN citations TEXT;  -- JSON: the sources the reply cites, as --events has them
    ALTER TABLE exchanges ADD COLUMN refusal TEXT;    -- why the model declined, when it said so
    """,
)
VERSION = len(MIGRATIONS)


class LogUnavailable(Exception):
    """The log cannot be used now; the message says why and what to do."""


def log_file_path(configured: str | None) -> Path:
    """``configured`` (SACLI_LOG_DB or the config's ``log_db``), else ``$XDG_DATA_HOME/sacli/logs.db``."""
    if configured:
        return Path(configured).expanduser()
    from sacli.store.paths import data_dir

    return data_dir() / "logs.db"


@contextlib.contextmanager
def opened(path: Path, *, create: bool, wait: float | None = None) -> Iterator[sqlite3.Connection]:
    """The log, brought to the current version; ``LogUnavailable`` when it cannot be used.
    ``wait``: how long another process's hold on it is waited for (BUSY_WAIT when None)."""
    import sqlite3

    if not create and not path.exists():
        raise LogUnavailable(f"no log at {path} yet")
    try:
        new = create and _make_folder(path)
        connection = sqlite3.connect(path, timeout=BUSY_WAIT if wait is None else wait, isolation_level=None)
        if new:
            os.chmod(path, 0o600)  # SQLite made it (and makes its -wal and -shm files) with the umask's mode
    except (OSError, sqlite3.Error) as exc:
        raise LogUnavailable(f"cannot open the log {path}: {_reason(exc)}") from None
    try:
        _upgrade(connection, path, BUSY_WAIT if wait is None else wait)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")  # in WAL mode: a commit waits for no disk flush
        yield connection
    except sqlite3.DatabaseError as exc:
        raise LogUnavailable(_database_problem(path, exc)) from None
    finally:
        connection.close()


def write_many(path: Path, rows: Sequence[dict[str, Any]], *, wait: float | None = None) -> None:
    """Add the exchanges (their tags with them, from each row's JSON ``tags``) in one short transaction;
    ``wait``: how long a busy log is waited for (BUSY_WAIT when None)."""
    import json
    import sqlite3

    with opened(path, create=True, wait=wait) as connection:
        try:
            connection.execute("BEGIN IMMEDIATE")
            for row in rows:
                names = [name for name in row if name in COLUMNS]
                connection.execute(
                    f"INSERT INTO exchanges ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [row[name] for name in names],
                )
                tags = json.loads(row["tags"]) if row.get("tags") else []
                connection.executemany(
                    "INSERT OR IGNORE INTO exchange_tags (exchange_id, tag) VALUES (?, ?)",
                    [(row["id"], tag) for tag in tags],
                )
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise LogUnavailable(_database_problem(path, exc)) from None


def _make_folder(path: Path) -> bool:
    """The directory made (mode 700) when it is missing; whether the file is yet to be made.

    The file itself is never opened but by SQLite: closing any descriptor of it would drop the
    locks this process's other connections hold on it (POSIX locks are the process's), and another
    process could then take the WAL for its own and delete it while they read it."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return not path.exists()


def _upgrade(connection: sqlite3.Connection, path: Path, wait: float) -> None:
    import sqlite3

    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise LogUnavailable(
            f"the log {path} was written by a newer sacli (schema {version}, this sacli knows {VERSION}); "
            "it is left as it is: upgrade sacli, or set SACLI_LOG_DB to another file"
        )
    if version == VERSION:
        return
    try:
        if _into_wal(connection, wait) != "wal":
            raise LogUnavailable(f"the log {path} cannot be put in WAL mode")
        connection.execute("BEGIN IMMEDIATE")
        if connection.execute("PRAGMA user_version").fetchone()[0] == version:  # no one upgraded it meanwhile
            for step in MIGRATIONS[version:]:
                for statement in _statements(step):
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {VERSION}")
        connection.execute("COMMIT")
    except sqlite3.Error as exc:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise LogUnavailable(_database_problem(path, exc)) from None


def _into_wal(connection: sqlite3.Connection, wait: float) -> str:
    """The log put in WAL mode; the journal mode it is in after. SQLite answers "locked" at once, with no
    busy wait, when another process is making the same new file: asked again, within ``wait`` seconds."""
    import sqlite3
    import time

    deadline = time.monotonic() + wait
    pause = 0.001
    while True:
        try:
            return str(connection.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)  # another process holds the file for a moment: wait a little longer each time
        pause = min(pause * 2, 0.05)


def _statements(script: str) -> list[str]:
    """The statements of a migration, triggers whole (``sqlite3.complete_statement`` tells where one ends)."""
    import sqlite3

    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line.split("--", 1)[0] if "--" in line and "'" not in line.split("--", 1)[0] else line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [statement for statement in statements if statement.rstrip(";").strip()]


def _database_problem(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return (
            f"the log {path} is not a database sacli can read ({text}); it is left as it is: "
            f"move it aside (mv {path} {path}.broken) and sacli starts a new one"
        )
    if "locked" in text or "busy" in text:
        return f"the log {path} was busy for more than {BUSY_WAIT:g} s ({text})"
    if "readonly" in text or "read-only" in text:
        return f"the log {path} is read-only ({text})"
    return f"cannot write the log {path}: {text}"


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
