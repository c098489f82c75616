"""A quick interleaved A/B of the typed stream rows (``stream_sync``, ``stream_async``) against their floor, for work
on the stream path; the full comparison (peers included) is ``python -m benchmarks``, whose results are the ones
published.

    .venv/bin/python benchmarks/stream_ab.py                          # this checkout, 4 KiB HTTP chunks
    .venv/bin/python benchmarks/stream_ab.py --per-event              # one event per HTTP chunk, as Dify flushes
    .venv/bin/python benchmarks/stream_ab.py --tree ../other-checkout # another checkout too (its dify_oapi), A/B

The loopback server (``_server.py``'s replay, in its own process) and one worker per checkout (``_worker.py`` with
that checkout first on ``sys.path``) run pinned to different cores where ``os.sched_setaffinity`` exists. Every round
runs every case once, in a shuffled order; medians (and mins) over the rounds, after one warm-up round. Bounded: a
worker that does not answer in ``--timeout`` seconds ends the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import select
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
ROWS = ("stream_sync", "stream_async")


def per_event(body: bytes) -> bytes:
    """``body`` chunked with one SSE frame per HTTP chunk."""
    out = bytearray()
    for frame in body.split(b"\n\n")[:-1]:
        part = frame + b"\n\n"
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


def serve(events: int, one_per_chunk: bool) -> None:
    """The benchmark server, its stream answer re-chunked when asked; ends when stdin closes."""
    sys.path.insert(0, str(HERE))
    import _server

    table: dict[str, bytes] = _server.answers(events)
    if one_per_chunk:
        head, _, _ = table["stream"].partition(b"\r\n\r\n")
        table["stream"] = head + b"\r\n\r\n" + per_event(_server.sse_body(events))

    async def run() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _server.Replay(table), "127.0.0.1", 0, backlog=64)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(run())


def _pin(cpu: int) -> list[str]:
    """``taskset`` to ``cpu`` where there are cores to pin to (the server on one, the workers on another)."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1 and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)]
    return []


def _answer(worker: subprocess.Popen[str], command: dict[str, Any], timeout: float) -> dict[str, Any]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(json.dumps(command) + "\n")
    worker.stdin.flush()
    out: IO[str] = worker.stdout
    while True:
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            raise SystemExit(f"no answer in {timeout} s: {command}")
        line = out.readline()
        if not line:
            raise SystemExit(f"the worker ended: {command}")
        if line.startswith("@@RESULT "):
            result: dict[str, Any] = json.loads(line[len("@@RESULT ") :])
            if "error" in result:
                raise SystemExit(f"{command}: {result['error']}")
            return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--per-event", action="store_true", help="one event per HTTP chunk")
    parser.add_argument("--tree", action="append", default=[], help="another checkout to compare (repeatable)")
    parser.add_argument("--aiohttp", action="store_true", help="the aiohttp backend's async stream too")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.events, args.per_event)
        return 0
    trees = {"this": str(HERE.parent), **{Path(t).resolve().name: str(Path(t).resolve()) for t in args.tree}}
    server = subprocess.Popen(
        [*_pin(1), sys.executable, __file__, "--serve", "--events", str(args.events), *(["--per-event"] * args.per_event)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    workers: dict[str, subprocess.Popen[str]] = {}
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline().split()[1])}/v1"
        for name, tree in trees.items():
            env = {**os.environ, "PYTHONPATH": tree}
            workers[name] = subprocess.Popen(
                [*_pin(0), sys.executable, str(Path(tree) / "benchmarks" / "_worker.py")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tree,
            )  # fmt: skip
        whos = ["floor", "ours", *(["ours-aiohttp"] * args.aiohttp)]
        cases = [
            (t, who, row) for t in trees for row in ROWS for who in whos if (who, row) != ("ours-aiohttp", ROWS[0])
        ]
        times: dict[tuple[str, str, str], list[float]] = {case: [] for case in cases}
        for round_ in range(args.rounds + 1):  # round 0 warms up
            random.shuffle(cases)
            for tree, who, row in cases:
                result = _answer(workers[tree], {"row": row, "who": who, "url": url}, args.timeout)
                if round_:
                    times[(tree, who, row)].append(float(result["seconds"]))
        chunks = "one event per HTTP chunk" if args.per_event else "about 4 KiB per HTTP chunk"
        print(f"{args.events} events, {chunks}, {args.rounds} rounds: median ms (min), ratio to the floor's median")
        for row in ROWS:
            for tree in trees:
                floor = statistics.median(times[(tree, "floor", row)])
                line = f"{row:13} {tree:12} floor {floor * 1000:7.1f}"
                for who in whos[1:]:
                    spent = times.get((tree, who, row))
                    if spent:
                        median = statistics.median(spent)
                        line += f" | {who} {median * 1000:7.1f} ({min(spent) * 1000:.1f}) {median / floor:.3f}"
                print(line)
    finally:
        for worker in workers.values():
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait(timeout=30)
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
