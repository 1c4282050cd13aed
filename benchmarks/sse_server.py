"""A small OpenAI-compatible streaming server for benchmarking chat clients (standard library only).

``POST .../chat/completions`` answers with an HTTP/1.1 chunked ``text/event-stream`` of
``deltas`` chat.completion.chunk events, then a finishing chunk (with usage) and ``[DONE]``.
The ``delta.content`` of event ``i`` is the marker ``#{i:07d};``, so a reader of the client's
stdout can tell exactly which delta arrived when.

- paced (``rate`` > 0): event ``i`` is due ``i / rate`` seconds after the first; each event is
  one HTTP chunk, written to the socket on its own, the way real servers stream tokens;
- as fast as possible (``rate`` == 0): the same one-chunk-per-event body, written in blocks
  of about 64 KiB whenever the socket accepts more.

For each chat request the server records when the request had fully arrived and when each
event was handed to the socket (``time.monotonic_ns()``, a clock shared by all processes on
the machine), so a driver can compute start-up time and per-delta latency.

Control endpoints (JSON):

    POST /bench/config  {"deltas": 300, "rate": 100}  settings for the requests that follow
    GET  /bench/log     {"requests": [{"received_ns": T, "sent_ns": [T0, T1, ...]}, ...]},
                        the requests since the last call (the log is then emptied)

Run it on its own with ``python benchmarks/sse_server.py [--port 8765]``; it prints the port
it listens on (on 127.0.0.1) as the first line of stdout, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time

MODEL = "bench/model"
BLOCK_BYTES = 64 * 1024


def marker(i: int) -> str:
    return f"#{i:07d};"


def sse_event(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def http_chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def chunk_payload(delta: dict, finish_reason: str | None = None) -> dict:
    return {
        "id": "gen-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


class DeltaEvents:
    """The event for delta ``i`` as one HTTP chunk, built from a template (cheap enough for 10^6)."""

    def __init__(self) -> None:
        placeholder = marker(0)
        body = http_chunk(sse_event(chunk_payload({"content": placeholder})))
        self.head, self.tail = body.split(placeholder.encode())

    def __call__(self, i: int) -> bytes:
        return self.head + marker(i).encode() + self.tail


class BenchServer:
    def __init__(self) -> None:
        self.deltas = 300
        self.rate = 100.0
        self.log: list[dict] = []
        self.event = DeltaEvents()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self.serve_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away (it may stop reading at any point) or sent what is not HTTP
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request on a kept-alive connection; False when the connection is done."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        received_ns = time.monotonic_ns()
        path = target.split("?", 1)[0]

        if path == "/bench/config" and method == "POST":
            settings = json.loads(body or b"{}")
            self.deltas = int(settings.get("deltas", self.deltas))
            self.rate = float(settings.get("rate", self.rate))
            await self.send_json(writer, 200, {"deltas": self.deltas, "rate": self.rate})
        elif path == "/bench/log" and method == "GET":
            log, self.log = self.log, []
            await self.send_json(writer, 200, {"requests": log})
        elif path.endswith("/chat/completions") and method == "POST":
            try:
                streaming = json.loads(body).get("stream") is True
            except (ValueError, AttributeError):
                streaming = False
            if not streaming:
                message = 'this server only streams: send "stream": true'
                await self.send_json(writer, 400, {"error": {"message": message}})
            else:
                await self.stream(writer, received_ns)
        else:
            await self.send_json(writer, 404, {"error": {"message": f"no route for {method} {path}"}})
        return headers.get("connection", "").lower() != "close"

    async def send_json(self, writer: asyncio.StreamWriter, status: int, value: object) -> None:
        data = json.dumps(value).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await writer.drain()

    async def stream(self, writer: asyncio.StreamWriter, received_ns: int) -> None:
        deltas, rate, event = self.deltas, self.rate, self.event
        sent_ns: list[int] = []
        self.log.append({"received_ns": received_ns, "sent_ns": sent_ns})
        writer.write(
            b"HTTP/1.1 200 OK\r\n"
            b"Content-Type: text/event-stream\r\n"
            b"Cache-Control: no-cache\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + http_chunk(b": bench stream\n\n")
            + http_chunk(sse_event(chunk_payload({"role": "assistant", "content": ""})))
        )
        await writer.drain()
        loop = asyncio.get_running_loop()
        if rate > 0:
            start = loop.time()
            for i in range(deltas):
                due = start + i / rate
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                sent_ns.append(time.monotonic_ns())
                writer.write(event(i))
                await writer.drain()
        else:
            block: list[bytes] = []
            size = 0
            for i in range(deltas):
                data = event(i)
                block.append(data)
                size += len(data)
                if size >= BLOCK_BYTES or i == deltas - 1:
                    now = time.monotonic_ns()
                    sent_ns.extend([now] * len(block))
                    writer.write(b"".join(block))
                    block.clear()
                    size = 0
                    await writer.drain()
        usage = {"prompt_tokens": 8, "completion_tokens": deltas, "total_tokens": deltas + 8}
        finish = {**chunk_payload({}, "stop"), "usage": usage}
        writer.write(http_chunk(sse_event(finish)) + http_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        await writer.drain()


async def serve(port: int) -> None:
    bench = BenchServer()
    server = await asyncio.start_server(bench.handle, "127.0.0.1", port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
