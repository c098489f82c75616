"""Benchmarks: import time, SSE and JSON parsing, loopback throughput, upload memory. Writes benchmarks/results.md.

Run: bash .ci/bootstrap && .venv/bin/python benchmarks/run.py  [--quick]
Everything runs on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dify_oapi import Client  # noqa: E402
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest, ChatMessageResponse  # noqa: E402

QUICK = "--quick" in sys.argv
RESULTS = ROOT / "benchmarks" / "results.md"


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_import() -> dict[str, float]:
    code = "import time; t=time.perf_counter(); import dify_oapi; print(time.perf_counter()-t)"
    samples = [float(subprocess.run([sys.executable, "-X", "frozen_modules=on", "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(5)]  # fmt: skip
    code_all = (
        "import time; t=time.perf_counter(); import dify_oapi; c=dify_oapi.Client(api_key='k');"
        "[getattr(c, s).v1 for s in ('chat','completion','workflow','knowledge_base','dify')];"
        "print(time.perf_counter()-t)"
    )
    samples_all = [float(subprocess.run([sys.executable, "-c", code_all], capture_output=True, text=True,
                                        check=True).stdout) for _ in range(5)]  # fmt: skip
    return {"import dify_oapi (ms, median)": statistics.median(samples) * 1000,
            "import + all five services (ms, median)": statistics.median(samples_all) * 1000}  # fmt: skip


def sse_body(n: int) -> bytes:
    event = {"event": "message", "task_id": "t", "message_id": "m", "conversation_id": "c", "answer": "token ",
             "created_at": 1795387544}  # fmt: skip
    one = b"data: " + json.dumps(event).encode() + b"\n\n"
    end = b'data: {"event": "message_end", "id": "m", "metadata": {}}\n\n'
    return b"event: ping\n\n" + one * n + end


def bench_sse() -> dict[str, float]:
    n = 20_000 if QUICK else 100_000
    body = sse_body(n)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    client = Client(
        api_key="k", base_url="http://bench.test/v1", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    req = ChatMessageRequest.builder().query("q").user("u").build()
    elapsed = best_of(lambda: sum(1 for _ in client.chat.v1.message.stream(req)), 3)
    return {"SSE events parsed per second (typed)": n / elapsed, "SSE MB/s": len(body) / elapsed / 1e6}


def bench_json() -> dict[str, float]:
    path = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "transcripts" / "cf_chat_blocking_new.json"
    body = json.loads(path.read_text())["response"]["body_text"].encode() if path.exists() else b'{"answer": "x"}'
    n = 20_000 if QUICK else 100_000
    direct = best_of(lambda: [ChatMessageResponse.model_validate_json(body) for _ in range(n)], 3)
    two_step = best_of(lambda: [ChatMessageResponse.model_validate(json.loads(body)) for _ in range(n)], 3)
    return {"blocking answers parsed per second (model_validate_json)": n / direct,
            "json.loads + model_validate cost ratio": two_step / direct}  # fmt: skip


class _Quick(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = b'{"name": "bench", "mode": "chat"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        remaining = int(self.headers.get("content-length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
        body = b'{"id": "f1", "name": "big.bin"}'
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quick)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench_loopback() -> dict[str, float]:
    server = serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    n = 300 if QUICK else 1500
    with Client(api_key="k", base_url=url) as client:
        client.dify.v1.app.info()
        sync_elapsed = best_of(lambda: [client.dify.v1.app.info() for _ in range(n)], 3)

        async def many() -> None:
            sem = asyncio.Semaphore(20)

            async def one() -> None:
                async with sem:
                    await client.dify.v1.app.ainfo()

            await asyncio.gather(*(one() for _ in range(n)))

        async_elapsed = best_of(lambda: asyncio.run(many()), 3)
    server.shutdown()
    return {"sync GET /info per second (loopback, one connection)": n / sync_elapsed,
            "async GET /info per second (loopback, 20 concurrent)": n / async_elapsed}  # fmt: skip


UPLOAD_CHILD = textwrap.dedent(
    """
    import resource, sys
    from dify_oapi import Client
    from dify_oapi.api.dify.v1.model.file import UploadFileRequest
    url, path = sys.argv[1], sys.argv[2]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Client(api_key="k", base_url=url, timeout=120) as client:
        client.dify.v1.app.info()
        after_warmup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = client.dify.v1.file.upload(UploadFileRequest.builder().file(path).user("u").build())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(after_warmup, peak)
    """
)


def bench_upload_memory() -> dict[str, float]:
    size = (64 if QUICK else 512) * 1024 * 1024
    server = serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.bin"
        with open(path, "wb") as f:
            f.truncate(size)  # sparse: no disk cost, still read byte by byte by the upload
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", UPLOAD_CHILD, url, str(path)], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
        elapsed = time.perf_counter() - start
    server.shutdown()
    warm, peak = (int(x) for x in out.stdout.split())
    return {f"upload of a {size >> 20} MiB file from a path: peak RSS growth (MiB)": (peak - warm) / 1024,
            "upload MB/s (loopback)": size / elapsed / 1e6}  # fmt: skip


def main() -> int:
    sections: list[tuple[str, dict[str, float]]] = []
    for title, fn in (
        ("Import", bench_import),
        ("Parsing", bench_json),
        ("Streaming", bench_sse),
        ("Loopback HTTP", bench_loopback),
        ("Uploads stream from disk", bench_upload_memory),
    ):
        print(f"running: {title}", flush=True)
        sections.append((title, fn()))
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `benchmarks/run.py`{' --quick' if QUICK else ''} on {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores. Loopback only; numbers vary by machine.",
        "",
    ]
    for title, values in sections:
        lines += [f"## {title}", "", "| measure | value |", "| --- | --- |"]
        lines += [f"| {k} | {v:,.2f} |" for k, v in values.items()]
        lines.append("")
    RESULTS.write_text("\n".join(lines))
    print(RESULTS.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
