"""A minimal HTTP/1.1 loopback server that replays real Dify 1.14.1 response bytes, for the benchmarks.

Run as its own process: ``python benchmarks/_server.py --events N`` prints ``PORT <n>`` on stdout once it listens.
It is an asyncio ``Protocol`` (no framework, no per-request object churn) so that it is not the bottleneck:

- ``POST /v1/chat-messages``: ``"streaming"`` in the body -> the recorded chat stream with its ``message`` events
  repeated to N events (chunked, about 4 KiB per chunk); otherwise the recorded blocking answer;
- ``GET /v1/info``: the recorded app info;
- ``POST /v1/files/upload``: drains the body (Content-Length or chunked) and answers the recorded upload (201);
- ``GET /__stats``: ``{"connections": <accepted so far>}`` (to count the connections a client opens).

Bodies come from ``tests/fixtures/transcripts`` (copies of ``../shared/dify-api/transcripts``). Only this file and
the standard library are needed, so any virtual environment can start it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "transcripts"


def _transcript(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((TRANSCRIPTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _body_of(name: str) -> bytes:
    response = _transcript(name)["response"]
    assert isinstance(response, dict)
    return str(response["body_text"]).encode()


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        "x-version: 1.14.1\r\nconnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def sse_body(events: int) -> bytes:
    """The recorded chat stream (Dify 1.14.1), its ``message`` events cycled to ``events`` of them in total."""
    text = (TRANSCRIPTS / "cf_chat_streaming_new.sse").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    messages = [b for b in blocks if '"event":"message"' in b]
    first = blocks.index(messages[0])
    last = blocks.index(messages[-1])
    head, tail = blocks[:first], blocks[last + 1 :]
    body = [*head, *(messages[i % len(messages)] for i in range(max(events - len(head) - len(tail), 1))), *tail]
    return ("\n\n".join(body) + "\n\n").encode()


def chunked(body: bytes, size: int = 4096) -> bytes:
    out = bytearray()
    for i in range(0, len(body), size):
        part = body[i : i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


class Replay(asyncio.Protocol):
    connections = 0

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.need = 0  # body bytes still to drain (Content-Length)
        self.chunked = False
        self.pending: bytes = b""  # the answer to send once the body is drained
        self.keep = bytearray()  # the body prefix kept to tell streaming from blocking

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        Replay.connections += 1
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._run()

    def _run(self) -> None:
        while True:
            if self.need:
                take = min(self.need, len(self.buf))
                if len(self.keep) < 256:
                    self.keep += self.buf[: 256 - len(self.keep)]
                del self.buf[:take]
                self.need -= take
                if self.need:
                    return
                self._answer()
                continue
            if self.chunked:
                if not self._drain_chunked():
                    return
                self._answer()
                continue
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1")
            del self.buf[: end + 4]
            line, *fields = head.split("\r\n")
            method, target = line.split(" ")[:2]
            headers = {k.strip().lower(): v.strip() for k, v in (f.split(":", 1) for f in fields if ":" in f)}
            self.pending = self._route(method, target.split("?")[0])
            self.keep = bytearray()
            if headers.get("transfer-encoding", "").lower() == "chunked":
                self.chunked = True
            else:
                self.need = int(headers.get("content-length") or 0)
                if not self.need:
                    self._answer()

    def _drain_chunked(self) -> bool:
        while True:
            nl = self.buf.find(b"\r\n")
            if nl < 0:
                return False
            size = int(bytes(self.buf[:nl]).split(b";")[0], 16)
            if len(self.buf) < nl + 2 + size + 2:
                return False
            if len(self.keep) < 256:
                self.keep += self.buf[nl + 2 : nl + 2 + min(size, 256)]
            del self.buf[: nl + 2 + size + 2]
            if size == 0:
                self.chunked = False
                return True

    def _route(self, method: str, path: str) -> bytes:
        if path.endswith("/chat-messages") and method == "POST":
            return b"chat"
        return self.answers.get(f"{method} {path.removeprefix('/v1')}", self.answers["404"])

    def _answer(self) -> None:
        assert self.transport is not None
        answer = self.pending
        if answer == b"chat":
            answer = self.answers["stream" if b"streaming" in self.keep else "blocking"]
        elif answer == b"stats":
            answer = _response("200 OK", "application/json", json.dumps({"connections": Replay.connections}).encode())
        self.transport.write(answer)


def answers(events: int) -> dict[str, bytes]:
    stream_head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n"
        b"x-version: 1.14.1\r\nconnection: keep-alive\r\n\r\n"
    )
    return {
        "blocking": _response("200 OK", "application/json; charset=utf-8", _body_of("cf_chat_blocking_new")),
        "stream": stream_head + chunked(sse_body(events)),
        "GET /info": _response("200 OK", "application/json", _body_of("cf_info")),
        "POST /files/upload": _response("201 CREATED", "application/json", _body_of("cf_files_upload")),
        "GET /__stats": b"stats",
        "404": _response("404 NOT FOUND", "application/json", b'{"code": "not_found", "message": "", "status": 404}'),
    }


async def serve(events: int, port: int) -> None:
    table = answers(events)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Replay(table), "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    # Ends when the parent closes our stdin (or dies): never outlives the benchmark.
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None)
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args.events, args.port))


if __name__ == "__main__":
    main()
