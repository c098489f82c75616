"""The benchmark harness: dify-oapi next to a raw-httpx floor and next to the published peer SDKs, in one run.

    bash .ci/bootstrap && .venv/bin/python -m benchmarks            # or: .venv/bin/python benchmarks/run.py
    options: --rounds 5 --events 20000 --calls 500 --concurrent-calls 1000 --upload-mib 512 --no-peers --out DIR

Writes ``RESULTS.md`` and ``results.json`` (same data) into ``benchmarks/`` (or ``--out``). How it measures:

- a loopback server (``benchmarks/_server.py``, raw asyncio, replaying Dify 1.14.1 bytes) runs in its own process;
  the server and the clients are pinned to different cores where ``os.sched_setaffinity`` exists;
- every contender runs in a worker process (``benchmarks/_worker.py``) of its own virtual environment: ours and the
  floor in the project's ``.venv``, each peer in a throwaway venv the harness creates in ``benchmarks/.venvs``
  (ignored by git; never a project dependency);
- one interleaved run: each round runs every row's contenders one after the other (floor, ours, peers), then the
  next row; medians over the rounds, spreads as min..max; a row's cost ratio is the median of the per-round
  ratios (ours / floor for times, floor / ours for rates: below 1 is faster than the floor);
- import and first-call rows time the statement inside a fresh interpreter (startup excluded); the upload row runs
  each contender in a fresh interpreter and reads its peak RSS (``ru_maxrss``) before and after the upload.
Everything is bounded: a worker that does not answer in ``--timeout`` seconds fails its row, never the run.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import math
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "_worker.py"
SERVER = HERE / "_server.py"

# Peers on the package index: (distribution, install spec, module). Each gets its own venv (two are `dify_client`,
# dify-oapi2's is `dify_oapi` like ours).
PEERS = ("dify-client-python", "dify-oapi2", "dify-python-sdk")
PEER_NOTES = {
    "dify-client-python": "typed (pydantic) answers and stream events; no app-info call",
    "dify-oapi2": "typed blocking answers; streams are raw bytes the caller splits and parses",
    "dify-python-sdk": "answers are httpx.Response (caller calls .json()); a stream is read whole before it is parsed",
}
IMPORT_STMT = {
    "floor": "import httpx; from pydantic import BaseModel",
    "ours": "from dify_oapi import Client",
    "dify-client-python": "from dify_client import Client",
    "dify-oapi2": "from dify_oapi.client import Client",
    "dify-python-sdk": "from dify_client import ChatClient",
}
FIRST_CALL_STMT = {
    "floor": "import httpx; from pydantic import BaseModel",
    "ours": "from dify_oapi import Client; Client(api_key='k', base_url=URL).chat.v1.message",
    "dify-client-python": "from dify_client import Client, models; Client(api_key='k', api_base=URL).chat_messages",
    "dify-oapi2": "from dify_oapi.client import Client; Client.builder().domain(URL).build().chat.v1.chat",
    "dify-python-sdk": "from dify_client import ChatClient; ChatClient('k', base_url=URL).create_chat_message",
}
UPLOAD_CALL = {
    "floor": (
        "import httpx\nc = httpx.Client()\n"
        "def up(p):\n    with open(p, 'rb') as f:\n"
        "        return c.post(URL + '/files/upload', files={'file': ('big.bin', f, 'application/octet-stream')},"
        " data={'user': 'u'}, headers={'Authorization': 'Bearer k'}).json()"
    ),
    "ours": (
        "from dify_oapi import Client\nfrom dify_oapi.api.dify.v1.model.file import UploadFileRequest\n"
        "c = Client(api_key='k', base_url=URL, timeout=300)\n"
        "def up(p):\n    return c.dify.v1.file.upload(UploadFileRequest.builder().file(p).user('u').build())"
    ),
    "dify-client-python": (
        "from dify_client import Client, models\nc = Client(api_key='k', api_base=URL)\n"
        "def up(p):\n    with open(p, 'rb') as f:\n"
        "        return c.upload_files(('big.bin', f, 'application/octet-stream'), models.UploadFileRequest(user='u'))"
    ),
    "dify-oapi2": (
        "from dify_oapi.client import Client\nfrom dify_oapi.core.model.request_option import RequestOption\n"
        "from dify_oapi.api.dify.v1.model.upload_file_request import UploadFileRequest\n"
        "from dify_oapi.api.dify.v1.model.upload_file_body import UploadFileBody\n"
        "c = Client.builder().domain(URL.rsplit('/v1', 1)[0]).timeout(300).build()\n"
        "o = RequestOption.builder().api_key('k').build()\n"
        "def up(p):\n    with open(p, 'rb') as f:\n"
        "        r = UploadFileRequest.builder().file(f, 'big.bin')"
        ".request_body(UploadFileBody.builder().user('u').build()).build()\n"
        "        return c.dify.v1.file.upload(r, o)"
    ),
    "dify-python-sdk": (
        "from dify_client import DifyClient\nc = DifyClient('k', base_url=URL, timeout=300)\n"
        "def up(p):\n    with open(p, 'rb') as f:\n"
        "        return c.file_upload('u', {'file': ('big.bin', f, 'application/octet-stream')}).json()"
    ),
}
UPLOAD_CHILD = """
import json, resource, sys, time
URL, SMALL, BIG = sys.argv[1], sys.argv[2], sys.argv[3]
{call}
up(SMALL)  # warm-up: every module the upload needs is loaded, the connection is open
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
up(BIG)
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("@@RESULT " + json.dumps({{"seconds": seconds, "growth_mib": (after - before) / 1024}}))
"""
SUBPROCESS_CHILD = (
    "import time\nURL = {url!r}\nt = time.perf_counter()\n{stmt}\nprint('@@RESULT', time.perf_counter() - t)"
)


@dataclass
class Row:
    id: str
    title: str
    floor: str
    kind: str  # "time" (lower is better; ratio ours/floor) or "rate" (higher is better; ratio floor/ours)
    unit: str
    goal: float | None  # on the cost ratio, unless goal_on says otherwise
    goal_text: str
    contenders: list[str] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, list[float]] = field(default_factory=dict)  # per contender: connections / RSS growth
    na: dict[str, str] = field(default_factory=dict)  # contender -> why not measured


ROWS = [
    Row("chat_blocking", "sync blocking chat (`create`, builder inside the call)", "raw `httpx.Client.post(...).json()`",
        "time", "ms/call", 1.05, "≤1.05x"),
    Row("info", "sync GET /info (`app.info()`)", "raw `httpx.Client.get(...).json()`", "time", "ms/call", 1.05, "≤1.05x"),
    Row("stream_sync", "typed chat stream, N events, sync", "httpx + httpx-sse + json.loads", "time", "ms/stream",
        0.85, "≤0.85x"),
    Row("stream_async", "typed chat stream, N events, async", "httpx.AsyncClient + blank-line splitter + json.loads",
        "time", "ms/stream", 0.90, "≤0.90x"),
    Row("concurrency", "100 concurrent async chat calls, one client", "raw `httpx.AsyncClient`", "rate", "calls/s",
        1 / 3, "aiohttp ≥3x the floor's throughput (cost ≤0.33)"),
    Row("import", "`from dify_oapi import Client` (fresh interpreter)", "`import httpx; from pydantic import BaseModel`",
        "time", "ms", 1.15, "≤1.15x"),
    Row("first_call", "first chat call path `Client(...).chat.v1.message` (fresh interpreter)",
        "`import httpx; from pydantic import BaseModel`", "time", "ms", 1.5, "≤1.5x"),
    Row("upload", "upload of a file from a path (fresh interpreter)", "raw httpx multipart from an open file", "time",
        "s", None, "peak RSS growth ≤1 MiB"),
    Row("builder", "fluent builder vs constructing ChatMessageRequest directly", "-", "time", "µs/build", 0.02,
        "extra cost ≤2% of one blocking call"),
]  # fmt: skip


def log(msg: str, start: float = time.perf_counter()) -> None:
    print(f"[{time.perf_counter() - start:6.1f}s] {msg}", flush=True)


# --- processes -------------------------------------------------------------------------------------------------------


_PYCACHE: list[str] = []


def _pycache() -> str:
    """One bytecode cache for the run's interpreters, removed at exit: every contender imports compiled modules (as
    from an installed wheel) after its unmeasured first run, whatever PYTHONDONTWRITEBYTECODE says outside (CI sets
    it; without a cache our editable checkout would be recompiled at each import while httpx and pydantic are not)."""
    if not _PYCACHE:
        _PYCACHE.append(tempfile.mkdtemp(prefix="dify-oapi-bench-pycache-"))
        atexit.register(shutil.rmtree, _PYCACHE[0], True)
    return _PYCACHE[0]


def _clean_env() -> dict[str, str]:
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPYCACHEPREFIX"] = _pycache()
    return env


def _read_result(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no answer in {timeout:.0f} s")
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            continue
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker exited ({proc.poll()})")
        if line.startswith("@@RESULT "):
            return line[len("@@RESULT ") :]


class Worker:
    """A ``_worker.py`` process in one venv, asked one JSON command at a time."""

    def __init__(self, python: str, cpu: int | None, cwd: str, timeout: float) -> None:
        args = [python, str(WORKER)] + ([f"--cpu={cpu}"] if cpu is not None else [])
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by close())
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, cwd=cwd, env=_clean_env())  # fmt: skip
        self.timeout = timeout

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        if self.proc.poll() is not None:
            return {"error": f"worker exited ({self.proc.returncode}): {self.tail()}"}
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        try:
            result: dict[str, Any] = json.loads(_read_result(self.proc, self.timeout))
        except (TimeoutError, RuntimeError) as exc:
            self.proc.kill()
            return {"error": f"{exc}: {self.tail()}"}
        return result

    def tail(self) -> str:
        self.stderr.seek(0)
        return " | ".join(self.stderr.read().strip().splitlines()[-3:])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.stderr.close()


@contextlib.contextmanager
def server(events: int, cpu: int | None) -> Iterator[str]:
    args = [sys.executable, str(SERVER), "--events", str(events)] + (["--cpu", str(cpu)] if cpu is not None else [])
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_clean_env())
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the server ends when its stdin closes
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def fresh(python: str, stmt: str, url: str, cwd: str, cpu: int | None, timeout: float) -> float:
    code = SUBPROCESS_CHILD.format(url=url, stmt=stmt)
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=cwd, env=_clean_env(),
                         timeout=timeout, preexec_fn=_pin(cpu))  # fmt: skip
    for line in out.stdout.splitlines():
        if line.startswith("@@RESULT "):
            return float(line.split()[1])
    raise RuntimeError((out.stderr.strip().splitlines() or ["no output"])[-1])


def _pin(cpu: int | None) -> Any:
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


# --- peers' throwaway venvs ------------------------------------------------------------------------------------------


def peer_venv(name: str, venvs: Path, pins: Sequence[str], timeout: float) -> tuple[str | None, str]:
    """The python of a venv with ``name`` installed (created once, reused), and its versions, or None and why not.

    The peer is installed with the project's own httpx and pydantic pinned (``pins``), so that a ratio compares the
    SDK layers, not two httpx releases; a peer that cannot take those pins is installed unpinned (and says so)."""
    home = venvs / name
    python = home / "bin" / "python"
    stamp = home / ".installed"
    if not (stamp.exists() and stamp.read_text().startswith(" ".join([name, *pins]))):
        shutil.rmtree(home, ignore_errors=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(home)], capture_output=True, text=True, timeout=timeout
        )
        if made.returncode:
            return None, f"venv failed: {made.stderr.strip()[-200:]}"
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        done = subprocess.run([*pip, name, *pins], capture_output=True, text=True, timeout=timeout, env=_clean_env())
        note = ""
        if done.returncode:
            done = subprocess.run([*pip, name], capture_output=True, text=True, timeout=timeout, env=_clean_env())
            note = " (unpinned: the project's httpx/pydantic pins did not install with it)"
        if done.returncode:
            errors = [x for x in done.stderr.splitlines() if x.startswith("ERROR")] or done.stderr.splitlines()[-1:]
            return None, f"does not install: {' '.join(errors)[-300:]}"
        stamp.write_text(" ".join([name, *pins]) + note)
    code = f"import importlib.metadata as m; print(m.version({name!r}), m.version('httpx'), m.version('pydantic'))"
    found = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60, cwd=str(venvs))
    pairs = zip((name, "httpx", "pydantic"), found.stdout.split(), strict=False)
    note = stamp.read_text().partition(" (")[2]
    return str(python), " ".join(f"{a} {b}" for a, b in pairs) + (f" ({note}" if note else "")


# --- the run ---------------------------------------------------------------------------------------------------------


def cpus() -> tuple[int | None, int | None, str]:
    if not hasattr(os, "sched_getaffinity"):
        return None, None, "not pinned: os.sched_setaffinity is not available on this platform"
    mine = sorted(os.sched_getaffinity(0))
    if len(mine) < 2:
        return None, None, f"not pinned: only one CPU available ({mine})"
    return mine[0], mine[1], f"server on CPU {mine[0]}, clients on CPU {mine[1]}"


def versions() -> dict[str, str]:
    """Versions in this interpreter (the project's venv: ours and the floor run on it)."""
    import importlib.metadata as meta

    out = {}
    for dist in ("httpx", "httpcore", "pydantic", "pydantic-core", "httpx-sse", "aiohttp", "dify-oapi"):
        with contextlib.suppress(meta.PackageNotFoundError):
            out[dist] = meta.version(dist)
    return out


def _record(row: Row, who: str, result: dict[str, Any], per: str) -> None:
    if "error" in result:
        row.na.setdefault(who, f"failed: {result['error'][:300]}")
        return
    if row.kind == "rate":
        value = result["count"] / result["seconds"]
    else:
        value = (
            result["seconds"] / (result["count"] if per == "count" else 1) * (1000 if row.unit.startswith("ms") else 1)
        )
    row.samples.setdefault(who, []).append(value)
    if "connections" in result:
        row.extra.setdefault(who, []).append(float(result["connections"]))


def run(opts: argparse.Namespace) -> dict[str, Any]:
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    server_cpu, client_cpu, pinning = cpus()
    rows = {r.id: Row(**{**r.__dict__, "contenders": [], "samples": {}, "extra": {}, "na": {}}) for r in ROWS}
    python = sys.executable
    work = tempfile.mkdtemp(prefix="dify-bench-")
    peers: dict[str, str] = {}
    peer_versions: dict[str, str] = {}
    peer_na: dict[str, str] = {}
    if not opts.no_peers:
        mine = versions()
        pins = [f"{d}=={mine[d]}" for d in ("httpx", "pydantic") if d in mine]
        for name in opts.peers:
            log(f"peer venv: {name} (first run installs it into {opts.venvs})")
            try:
                py, info = peer_venv(name, Path(opts.venvs), pins, opts.timeout)
            except subprocess.TimeoutExpired:
                py, info = None, f"install timed out after {opts.timeout:.0f} s"
            if py is None:
                peer_na[name] = info
            else:
                peers[name], peer_versions[name] = py, info
    workers: dict[str, Worker] = {}
    try:
        with server(opts.events, server_cpu) as url:
            log(f"server up at {url} ({pinning})")
            workers["ours"] = workers["floor"] = Worker(python, client_cpu, work, opts.timeout)
            workers["floor-sdk-limits"] = workers["floor"]
            for name, py in peers.items():
                workers[name] = Worker(py, client_cpu, work, opts.timeout)
            aio = workers["ours"].ask(who="ours", row="aiohttp_available")
            in_worker = ["chat_blocking", "info", "stream_sync", "stream_async", "concurrency"]
            for rid in [*in_worker, "import", "first_call", "upload"]:
                extra = {"concurrency": ["floor-sdk-limits", "ours-aiohttp"], "stream_async": ["ours-aiohttp"]}.get(
                    rid, []
                )
                rows[rid].contenders = ["floor", "ours", *extra, *PEERS]
                for name in PEERS:
                    if opts.no_peers:
                        rows[rid].na[name] = "not run (--no-peers)"
                    elif name in peer_na:
                        rows[rid].na[name] = peer_na[name]
            rows["builder"].contenders = ["ours"]
            if not aio.get("available"):
                for rid in ("concurrency", "stream_async"):
                    rows[rid].na["ours-aiohttp"] = aio.get("reason") or aio.get("error", "unavailable")
            else:
                workers["ours-aiohttp"] = workers["ours"]
            small = Path(work) / "small.bin"
            small.write_bytes(b"x" * 1024)
            big = Path(work) / "big.bin"
            with open(big, "wb") as f:
                f.truncate(opts.upload_mib << 20)  # sparse: no disk cost, still read byte by byte
            for rnd in range(opts.rounds):
                log(f"round {rnd + 1}/{opts.rounds}")
                for rid in in_worker:
                    row = rows[rid]
                    for who in row.contenders:
                        if who in row.na or who not in workers:
                            continue
                        cmd: dict[str, Any] = {"who": who, "row": rid, "url": url}
                        if rid in ("chat_blocking", "info"):
                            cmd["n"] = opts.calls
                        if rid == "concurrency":
                            cmd.update(n=opts.concurrent_calls, concurrency=opts.concurrency)
                        result = workers[who].ask(**cmd)
                        if "error" in result and "has no" in result["error"]:
                            row.na[who] = "no such call in this SDK"
                            continue
                        _record(row, who, result, "count" if rid in ("chat_blocking", "info") else "one")
                    log(f"  {rid}: " + ", ".join(f"{w} {v[-1]:,.2f}" for w, v in row.samples.items()))
                b = workers["ours"].ask(who="ours", row="builder", n=opts.builder_n)
                if "error" in b:
                    rows["builder"].na["ours"] = b["error"]
                else:
                    rows["builder"].samples.setdefault("ours", []).append(b["builder"] * 1e6)
                    rows["builder"].samples.setdefault("direct", []).append(b["direct"] * 1e6)
                for rid, stmts in (("import", IMPORT_STMT), ("first_call", FIRST_CALL_STMT)):
                    row = rows[rid]
                    for who in row.contenders:
                        if who in row.na:
                            continue
                        py = peers.get(who, python)
                        try:
                            # one unmeasured run first: a cold file cache is not the SDK's cost
                            if rnd == 0 and opts.import_samples > 1:
                                fresh(py, stmts[who], url, work, client_cpu, opts.timeout)
                            times = [fresh(py, stmts[who], url, work, client_cpu, opts.timeout)
                                     for _ in range(opts.import_samples)]  # fmt: skip
                        except (RuntimeError, subprocess.TimeoutExpired) as exc:
                            row.na[who] = f"failed: {exc}"
                            continue
                        row.samples.setdefault(who, []).append(statistics.median(times) * 1000)
                    log(f"  {rid}: " + ", ".join(f"{w} {v[-1]:,.1f} ms" for w, v in row.samples.items()))
                row = rows["upload"]
                for who in row.contenders:
                    if who in row.na:
                        continue
                    code = UPLOAD_CHILD.format(call=UPLOAD_CALL[who])
                    try:
                        out = subprocess.run([peers.get(who, python), "-c", code, url, str(small), str(big)],
                                             capture_output=True, text=True, cwd=work, env=_clean_env(),
                                             timeout=opts.timeout, preexec_fn=_pin(client_cpu))  # fmt: skip
                        line = [x for x in out.stdout.splitlines() if x.startswith("@@RESULT ")]
                        if not line:
                            raise RuntimeError((out.stderr.strip().splitlines() or ["no output"])[-1])
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        row.na[who] = f"failed: {str(exc)[:300]}"
                        continue
                    res = json.loads(line[0][len("@@RESULT ") :])
                    row.samples.setdefault(who, []).append(res["seconds"])
                    row.extra.setdefault(who, []).append(res["growth_mib"])
                log("  upload: " + ", ".join(f"{w} {v[-1]:,.2f} s" for w, v in row.samples.items()))
    finally:
        for w in {id(w): w for w in workers.values()}.values():
            w.close()
        shutil.rmtree(work, ignore_errors=True)
    log("done measuring")
    return summarize(rows, opts, started, time.perf_counter() - t0, pinning, peer_versions, peer_na)


# --- summary and files -----------------------------------------------------------------------------------------------


def _stats(values: Sequence[float]) -> dict[str, float]:
    med = statistics.median(values)
    return {"median": med, "min": min(values), "max": max(values),
            "spread_pct": (max(values) - min(values)) / med * 100 if med else 0.0}  # fmt: skip


def _ratio(row: Row, who: str, base: str) -> dict[str, float] | None:
    a, b = row.samples.get(who), row.samples.get(base)
    if not a or not b:
        return None
    pairs = [(x / y) if row.kind == "time" else (y / x) for x, y in zip(a, b, strict=False) if x > 0 and y > 0]
    return _stats(pairs) if pairs else None


def summarize(rows: dict[str, Row], opts: argparse.Namespace, started: dt.datetime, seconds: float, pinning: str,
              peer_versions: dict[str, str], peer_na: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    out_rows = []
    for row in rows.values():
        entry: dict[str, Any] = {"id": row.id, "path": row.title.replace("N events", f"{opts.events:,} events"),
                                 "floor": row.floor, "kind": row.kind, "unit": row.unit, "goal": row.goal_text,
                                 "contenders": {}}  # fmt: skip
        for who in [*row.contenders, "direct"]:
            if who in row.samples:
                c: dict[str, Any] = {"values": row.samples[who], **_stats(row.samples[who])}
                if row.id != "builder":
                    ratio = _ratio(row, who, "floor") if who != "floor" else None
                    if ratio:
                        c["ratio"] = ratio
                if who in row.extra:
                    key = "connections" if row.id == "concurrency" else "rss_growth_mib"
                    c[key] = max(row.extra[who])
                entry["contenders"][who] = c
            elif who in row.na:
                entry["contenders"][who] = {"na": row.na[who]}
        ours = entry["contenders"].get("ours", {})
        if row.id == "builder" and "direct" in row.samples and "ours" in row.samples:
            call = rows["chat_blocking"].samples.get("ours")
            call_us = statistics.median(call) * 1000 if call else float("nan")
            extra_us = [max(b - d, 0.0) for b, d in zip(row.samples["ours"], row.samples["direct"], strict=False)]
            entry["builder_extra_us"] = _stats(extra_us)
            entry["blocking_call_us"] = call_us
            entry["ratio"] = statistics.median(extra_us) / call_us if call_us == call_us else float("nan")
            entry["ratio_label"] = "builder's extra cost / one blocking call"
        elif row.id == "concurrency":
            aio = entry["contenders"].get("ours-aiohttp", {})
            entry["ratio"] = (aio.get("ratio") or ours.get("ratio") or {}).get("median", float("nan"))
            entry["ratio_label"] = "floor / ours-aiohttp throughput" if "ratio" in aio else "floor / ours throughput"
        elif row.id == "upload":
            entry["ratio"] = ours.get("ratio", {}).get("median", float("nan"))
            entry["ratio_label"] = "upload time ours / floor"
            entry["goal_value"] = ours.get("rss_growth_mib", float("nan"))
        else:
            entry["ratio"] = ours.get("ratio", {}).get("median", float("nan"))
            entry["ratio_label"] = "ours / floor" if row.kind == "time" else "floor / ours"
        if row.id == "upload":
            met = entry["goal_value"] <= 1.0
        elif row.goal is not None and math.isfinite(entry["ratio"]):
            met = entry["ratio"] <= row.goal
        else:
            met = None
        entry["goal_met"] = met
        out_rows.append(entry)
    return {
        "generated": started.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(seconds, 1),
        "note": opts.note,
        "options": {k: v for k, v in vars(opts).items() if k not in ("out", "venvs", "note")},
        "machine": {
            "platform": platform.platform(),
            "cpu": _cpu_model(),
            "cpu_count": os.cpu_count(),
            "pinning": pinning,
            "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
            "python": f"{platform.python_implementation()} {platform.python_version()}",
        },
        "versions": versions(),
        "peers": {
            name: {"version": peer_versions.get(name), "na": peer_na.get(name), "note": PEER_NOTES[name]}
            for name in (opts.peers if not opts.no_peers else ())
        },
        "rows": out_rows,
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.4f}" if abs(x) < 0.01 else f"{x:,.3f}" if abs(x) < 10 else f"{x:,.1f}"


def markdown(data: dict[str, Any]) -> str:
    m, opts = data["machine"], data["options"]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `python -m benchmarks` on {data['generated']} in {data['seconds']:.0f} s "
        f"({opts['rounds']} interleaved rounds, {opts['events']:,} stream events, {opts['calls']} sequential calls, "
        f"{opts['concurrent_calls']} calls at {opts['concurrency']} concurrent, {opts['upload_mib']} MiB upload).",
    ]
    if data["note"]:
        lines += ["", f"**{data['note']}**"]
    if opts["rounds"] < 3:
        lines += ["", f"**{opts['rounds']} round(s) only: a smoke run, not a measurement (3 or more for the record).**"]
    lines += [
        "",
        "Cost ratio: ours / floor for times, floor / ours for rates (below 1: faster than the floor). Each is the "
        "median of the per-round ratios, min..max after it.",
        "",
        "## Ratios",
        "",
        "| path | floor | cost ratio | spread | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in data["rows"]:
        c = r["contenders"]
        if r["id"] == "builder":
            spread = "-"
        elif r["id"] == "concurrency" and "ratio" in c.get("ours-aiohttp", {}):
            x = c["ours-aiohttp"]["ratio"]
            spread = f"{_fmt(x['min'])}..{_fmt(x['max'])}"
        else:
            x = c.get("ours", {}).get("ratio")
            spread = f"{_fmt(x['min'])}..{_fmt(x['max'])}" if x else "-"
        value = _fmt(r["ratio"])
        if r["id"] == "upload":
            value += f" (RSS +{_fmt(r['goal_value'])} MiB)"
        met = {True: "yes", False: "**no**", None: "-"}[r["goal_met"]]
        lines.append(f"| {r['path']} ({r['ratio_label']}) | {r['floor']} | {value} | {spread} | {r['goal']} | {met} |")
    peers = [p for p in data["peers"]]
    lines += ["", "## Side by side (cost ratio against the same floor; n/a: why)", ""]
    lines += ["| path | ours | " + " | ".join(["ours (aiohttp)", *peers]) + " |",
              "| --- | --- | " + " | ".join("---" for _ in ["x", *peers]) + " |"]  # fmt: skip
    for r in data["rows"]:
        if r["id"] == "builder":
            continue
        cells = []
        for who in ["ours", "ours-aiohttp", *peers]:
            c = r["contenders"].get(who)
            if c is None:
                cells.append("-")
            elif "na" in c:
                cells.append(f"n/a ({c['na']})")
            elif "ratio" in c:
                extra = ""
                if "connections" in c:
                    extra = f", {c['connections']:.0f} conn."
                if "rss_growth_mib" in c:
                    extra = f", RSS +{_fmt(c['rss_growth_mib'])} MiB"
                cells.append(f"{_fmt(c['ratio']['median'])}{extra}")
            else:
                cells.append("-")
        lines.append(f"| {r['path']} | " + " | ".join(cells) + " |")
    lines += ["", "## Absolute numbers (orientation only: they depend on the machine and its load)", ""]
    lines += ["| path | unit | contender | median | min..max | spread |", "| --- | --- | --- | --- | --- | --- |"]
    for r in data["rows"]:
        for who, c in r["contenders"].items():
            if "median" in c:
                extra = f" ({c['connections']:.0f} connections)" if "connections" in c else ""
                extra += f" (peak RSS +{_fmt(c['rss_growth_mib'])} MiB)" if "rss_growth_mib" in c else ""
                lines.append(f"| {r['id']} | {r['unit']} | {who}{extra} | {_fmt(c['median'])} | "
                             f"{_fmt(c['min'])}..{_fmt(c['max'])} | {c['spread_pct']:.0f}% |")  # fmt: skip
    conc = next(r for r in data["rows"] if r["id"] == "concurrency")
    sdk_limits = conc["contenders"].get("floor-sdk-limits", {})
    if "ratio" in sdk_limits:
        lines += ["", f"Concurrency: raw `httpx.AsyncClient` given the pool limits the SDK uses for its own httpx client "
                  f"runs at a cost ratio of {_fmt(sdk_limits['ratio']['median'])} against the default-limits floor "
                  f"(ours on httpx: {_fmt(conc['contenders'].get('ours', {}).get('ratio', {}).get('median', math.nan))}"
                  "): what is left between them is the SDK's own cost."]  # fmt: skip
    b = next(r for r in data["rows"] if r["id"] == "builder")
    if "builder_extra_us" in b:
        lines += ["", f"Builder: {_fmt(b['builder_extra_us']['median'])} µs extra per request built through the fluent "
                  f"builder, against {_fmt(b['blocking_call_us'])} µs for one blocking call on loopback."]  # fmt: skip
    v = data["versions"]
    lines += [
        "",
        "## Machine and versions",
        "",
        f"- {m['platform']}; {m['cpu']}; {m['cpu_count']} CPUs; {m['pinning']}; load average at the end "
        f"{m['load_average']}",
        f"- {m['python']}; " + ", ".join(f"{k} {val}" for k, val in v.items()),
    ]
    for name, p in data["peers"].items():
        lines.append(f"- peer {name}: {p['version'] or 'n/a (' + str(p['na']) + ')'}; {p['note']}")
    lines += [
        "",
        "Import and first-call rows time the statement inside a fresh interpreter (its startup excluded), median of "
        f"{opts['import_samples']} per round, every interpreter reading compiled bytecode from one cache of the run (as from "
        "an installed wheel). The upload row reads `ru_maxrss` before and after the upload in a fresh "
        "interpreter, after a warm-up upload of 1 KiB. Streams count the typed events a caller receives (`ping` "
        "skipped). The server (`benchmarks/_server.py`) replays Dify 1.14.1 bodies from `tests/fixtures/transcripts`. "
        "Each peer runs in its own venv (`benchmarks/.venvs`), installed with this project's httpx and pydantic "
        "versions pinned (unless it cannot take them: its line above says so), so a ratio compares SDK layers.",
        "",
    ]
    return "\n".join(lines)


def _finite(x: Any) -> Any:
    """NaN / infinity (a row not measured) become null: results.json stays strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5; 3 or more for the record)")
    p.add_argument("--events", type=int, default=20_000, help="events per stream (default 20000)")
    p.add_argument("--calls", type=int, default=500, help="sequential calls per sample (blocking chat, GET /info)")
    p.add_argument("--concurrent-calls", type=int, default=1000, help="calls per concurrency sample (default 1000)")
    p.add_argument("--concurrency", type=int, default=100, help="calls in flight at once (default 100)")
    p.add_argument("--upload-mib", type=int, default=512, help="upload size in MiB (default 512)")
    p.add_argument("--import-samples", type=int, default=3, help="fresh interpreters per contender and round")
    p.add_argument("--builder-n", type=int, default=20_000, help="requests built per builder sample")
    p.add_argument("--no-peers", action="store_true", help="skip the peer SDKs (no venvs, no index access)")
    p.add_argument("--peers", nargs="*", default=list(PEERS), choices=PEERS, help="which peers (default all)")
    p.add_argument("--out", default=str(HERE), help="where RESULTS.md and results.json go (default benchmarks/)")
    p.add_argument(
        "--venvs", default=str(HERE / ".venvs"), help="where the peers' venvs live (default benchmarks/.venvs)"
    )
    p.add_argument("--timeout", type=float, default=300.0, help="bound on any one step, seconds")
    p.add_argument("--note", default="", help="a line for RESULTS.md, e.g. 'measured under load'")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    data = run(opts)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(_finite(data), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    text = markdown(data)
    (out / "RESULTS.md").write_text(text, encoding="utf-8")
    print(textwrap.indent(text, "  "))
    print(f"wrote {out / 'RESULTS.md'} and {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
