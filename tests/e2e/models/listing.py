"""OpenRouter's models list as the tests serve it: its documented model object, and dated copies."""

from __future__ import annotations

import datetime
import json
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.helpers import completion, sse

MODELS = "/api/v1/models"
CHAT = "/api/v1/chat/completions"

# OpenRouter's documented example of a model object (its API reference, "Model": one item of the
# data array of GET /api/v1/models), quoted field for field; "reasoning" is filled in with the
# fields its ModelReasoning documents, "knowledge_cutoff" and "expiration_date" are YYYY-MM-DD or null.
DOCUMENTED: dict[str, Any] = {
    "id": "openai/gpt-4",
    "canonical_slug": "openai/gpt-4",
    "name": "GPT-4",
    "created": 1692901234,
    "description": "GPT-4 is a large multimodal model that can solve difficult problems with greater accuracy.",
    "context_length": 8192,
    "architecture": {
        "input_modalities": ["text"],
        "instruct_type": "chatml",
        "modality": "text->text",
        "output_modalities": ["text"],
        "tokenizer": "GPT",
    },
    "pricing": {"completion": "0.00006", "image": "0", "prompt": "0.00003", "request": "0"},
    "top_provider": {"context_length": 8192, "is_moderated": True, "max_completion_tokens": 4096},
    "per_request_limits": None,
    "default_parameters": None,
    "expiration_date": None,
    "knowledge_cutoff": None,
    "links": {"details": "/api/v1/models/openai/gpt-4/endpoints"},
    "supported_parameters": ["temperature", "top_p", "max_tokens"],
    "supported_voices": None,
    "reasoning": {
        "default_effort": "medium",
        "default_enabled": True,
        "mandatory": False,
        "supported_efforts": ["high", "medium", "low"],
    },
}


def in_days(days: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def dated(model_id: str, expiration_date: str | None, **more: Any) -> dict[str, Any]:
    """The documented model under another ID, with this ``expiration_date``."""
    return {**DOCUMENTED, "id": model_id, "name": model_id, "expiration_date": expiration_date, **more}


def serve_models(httpserver: HTTPServer, models: list[dict[str, Any]]) -> None:
    httpserver.expect_request(MODELS, method="GET").respond_with_json({"data": models})


def answer_chat(request: Request) -> Response:
    """A streamed reply when the request asks for one, else the whole completion."""
    if json.loads(request.get_data()).get("stream"):
        return Response(sse("hi"), content_type="text/event-stream")
    return Response(json.dumps(completion("hi")), content_type="application/json")


def serve_chat(httpserver: HTTPServer) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(answer_chat)


def asked(httpserver: HTTPServer, path: str = MODELS) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)
