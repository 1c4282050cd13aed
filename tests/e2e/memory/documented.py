"""The memory analytics replies exactly as the API reference shows them (section 7), and a server
that answers them the way the reference describes."""

from __future__ import annotations

import json
from typing import Any

from werkzeug import Request, Response

from tests.support.helpers import SUPER_AGENT_KEY

ROOT = "/api/dashboard/memory"
STATS = {
    "success": True,
    "data": {
        "totalCount": 156,
        "byCategory": {"preference": 42, "personal": 28, "work": 35, "other": 51},
        "byLevel": {"user": 120, "session": 36},
        "bySource": {"api": 45, "explicit_command": 67, "auto_detected": 44},
        "recentActivity": {"last24h": 12, "last7d": 45, "last30d": 89},
    },
}
# The reference's one period, "{ "date": "2024-01-15", "count": 8 }", and the days after it.
COUNTS = [8, 3, 0, 12, 5, 1, 7]
TIMELINE = {
    "success": True,
    "data": [{"date": f"2024-01-{day}", "count": count} for day, count in zip(range(15, 22), COUNTS, strict=True)],
}
STORAGE = {
    "success": True,
    "data": {
        "usedBytes": 524288, "usedFormatted": "512 KB",
        "limitBytes": 104857600, "limitFormatted": "100 MB",
        "percentUsed": 0.5, "factCount": 156, "avgFactSize": 3361,
    },
}  # fmt: skip
ACCESS = {
    "success": True,
    "data": [
        {"id": "fact-1", "content": "...", "accessCount": 47, "lastAccessedAt": "2024-01-15T10:30:00Z"},
        {"id": "fact-2", "content": "Prefers TypeScript", "accessCount": 12, "lastAccessedAt": "2024-01-14T08:00:00Z"},
    ],
}
REPLIES = {"stats": STATS, "timeline": TIMELINE, "storage": STORAGE, "access-patterns": ACCESS}


class Analytics:
    """The four endpoints; each request is kept (path, query, superAgentKey) for the tests to look at."""

    def __init__(self, replies: dict[str, Any] | None = None) -> None:
        self.replies = {**REPLIES, **(replies or {})}
        self.requests: list[tuple[str, dict[str, str], str | None]] = []

    def __call__(self, request: Request) -> Response:
        key = request.headers.get("superAgentKey")
        self.requests.append((request.path, dict(request.args), key))
        if key != SUPER_AGENT_KEY:
            return reply({"error": {"message": "Invalid API key provided", "type": "authentication_error"}}, 401)
        name = request.path.removeprefix(ROOT + "/")
        if request.method != "GET" or name not in self.replies:
            return reply({"success": False, "error": "Not found"}, 404)
        return reply(self.replies[name])


def reply(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, content_type="application/json")
