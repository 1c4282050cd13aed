"""Sources a reply cites: the ``url_citation`` annotations of a message or a delta (web search), kept
once each and within a bound whatever the server sends."""

from __future__ import annotations

from typing import Any

CITATIONS_LIMIT = 256  # kept of one reply; more are dropped
TEXT_LIMIT = 2000  # characters kept of a citation's title or quoted content


def citations_of(annotations: Any) -> list[dict[str, Any]]:
    """The url citations among ``annotations``, as {url, title, start, end, content}; others are skipped."""
    found = []
    if not isinstance(annotations, list):
        return found
    for annotation in annotations:
        if not isinstance(annotation, dict) or annotation.get("type") != "url_citation":
            continue
        cited = annotation.get("url_citation")
        if not isinstance(cited, dict) or not isinstance(cited.get("url"), str) or not cited["url"]:
            continue
        found.append(
            {
                "url": cited["url"][:TEXT_LIMIT],
                "title": _text(cited.get("title")),
                "start": _index(cited.get("start_index")),
                "end": _index(cited.get("end_index")),
                "content": _text(cited.get("content")),
            }
        )
    return found


class Citations:
    """A reply's citations in the order they came, each (url and span) once."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._seen: set[tuple[Any, ...]] = set()

    def add(self, annotations: Any) -> list[dict[str, Any]]:
        """Keep the new citations among ``annotations``; returns them."""
        new = []
        for citation in citations_of(annotations):
            key = (citation["url"], citation["start"], citation["end"])
            if key in self._seen or len(self.items) >= CITATIONS_LIMIT:
                continue
            self._seen.add(key)
            self.items.append(citation)
            new.append(citation)
        return new

    def __bool__(self) -> bool:
        return bool(self.items)


def _text(value: Any) -> str | None:
    return value[:TEXT_LIMIT] if isinstance(value, str) else None


def _index(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None
