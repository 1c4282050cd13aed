-- The local log's schema as the first sacli to log made it (PRAGMA user_version 1), kept as it was:
-- the migration test builds a database from it and opens it with today's sacli.
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
