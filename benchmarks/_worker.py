"""One benchmark worker: a process that runs measurements when asked, for one virtual environment.

Started by ``benchmarks/run.py`` as ``<venv python> benchmarks/_worker.py`` (so the project root is *not* on
``sys.path``: a peer's venv sees its own ``dify_oapi``/``dify_client``, never ours). It reads one JSON command a line
on stdin and answers one ``@@RESULT {json}`` line on stdout; a failure answers ``{"error": ...}``.

A command is ``{"row": ..., "who": ..., "url": ..., "n": ..., ...}``; ``who`` is ``floor``, ``ours``,
``ours-aiohttp`` or a peer's distribution name. Each case builds its client once (first sample, with a warm-up) and
times only the work itself. Only the standard library is imported here; each case imports what it measures.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

KEY = "app-bench-key"
USER = "bench-user"
INPUTS = {"name": "Ada"}
State = dict[str, Any]
_STATE: dict[tuple[str, str], State] = {}
_LOOP: asyncio.AbstractEventLoop | None = None


def _run(coro: Any) -> Any:
    """Every async sample runs on the worker's one event loop (a peer's module-global AsyncClient survives)."""
    global _LOOP
    if _LOOP is None:
        _LOOP = asyncio.new_event_loop()
    return _LOOP.run_until_complete(coro)


def stats(url: str) -> int:
    with urllib.request.urlopen(url.rsplit("/v1", 1)[0] + "/__stats", timeout=30) as r:
        return int(json.loads(r.read())["connections"])


def split_sse(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A hand blank-line splitter: yields the ``data`` of each event (the floor's and raw-bytes peers' parse)."""
    buf = b""
    for chunk in chunks:
        buf += chunk
        *blocks, buf = buf.split(b"\n\n")
        for block in blocks:
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    yield line[5:]


async def asplit_sse(chunks: Any) -> Any:
    buf = b""
    async for chunk in chunks:
        buf += chunk
        *blocks, buf = buf.split(b"\n\n")
        for block in blocks:
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    yield line[5:]


def _get(st: State, make: Callable[[], Any]) -> Any:
    """The case's client, made on its first sample and kept for the next rounds."""
    if "client" not in st:
        st["client"] = make()
    return st["client"]


def _timed(fn: Callable[[], int]) -> dict[str, Any]:
    gc.collect()
    start = time.perf_counter()
    count = fn()
    return {"seconds": time.perf_counter() - start, "count": count}


def _atimed(make: Callable[[], Any]) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        gc.collect()
        start = time.perf_counter()
        count = await make()
        return {"seconds": time.perf_counter() - start, "count": count}

    return _run(go())


def _warm_timed(st: State, run: Callable[[], int]) -> dict[str, Any]:
    """``run`` timed, after one untimed run the first time (connections opened, code paths warm)."""
    if "warm" not in st:
        st["warm"] = run()
    return _timed(run)


def _warm_atimed(st: State, run: Callable[[], Any]) -> dict[str, Any]:
    """Async twin of :func:`_warm_timed` (``run`` makes the coroutine)."""
    if "warm" not in st:
        st["warm"] = _run(run())
    return _atimed(run)


# --- ours ----------------------------------------------------------------------------------------------------------


def _ours_client(url: str, **kw: Any) -> Any:
    from dify_oapi import Client

    return Client(api_key=KEY, base_url=url, **kw)


def _ours_request(mode: str = "blocking") -> Any:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    return ChatMessageRequest.builder().query("Hello").inputs(INPUTS).user(USER).build()


def ours_chat_blocking(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    client = _get(st, lambda: _ours_client(url))
    create = client.chat.v1.message.create

    def run() -> int:
        for _ in range(n):  # the builder inside the call, as a user writes it
            create(ChatMessageRequest.builder().query("Hello").inputs(INPUTS).user(USER).build())
        return n

    if "warm" not in st:
        st["warm"] = create(_ours_request()).answer
    return _timed(run)


def ours_info(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    client = _get(st, lambda: _ours_client(url))
    info = client.dify.v1.app.info
    info()

    def run() -> int:
        for _ in range(n):
            info()
        return n

    return _timed(run)


def ours_stream_sync(st: State, url: str, **_: Any) -> dict[str, Any]:
    client = _get(st, lambda: _ours_client(url))
    req = _ours_request()

    def run() -> int:
        count = 0
        with client.chat.v1.message.stream(req) as stream:
            for _event in stream:
                count += 1
        return count

    return _warm_timed(st, run)


def ours_stream_async(st: State, url: str, backend: str | None = None, **_: Any) -> dict[str, Any]:
    req = _ours_request()
    kw = {"async_backend": backend} if backend else {}

    async def run() -> int:
        client = _get(st, lambda: _ours_client(url, **kw))
        count = 0
        async with client.chat.v1.message.astream(req) as stream:
            async for _event in stream:
                count += 1
        return count

    return _warm_atimed(st, run)


def _concurrent(n: int, concurrency: int, one: Callable[[], Any]) -> Any:
    async def go() -> int:
        per = [n // concurrency + (1 if i < n % concurrency else 0) for i in range(concurrency)]

        async def lane(k: int) -> None:
            for _ in range(k):
                await one()

        await asyncio.gather(*(lane(k) for k in per))
        return n

    return go()


def _concurrency_sample(url: str, n: int, concurrency: int, open_client: Callable[[], Any], call: Any) -> Any:
    """A fresh client per sample: a warm-up wave of ``concurrency`` calls, then ``n`` calls timed; the connections
    the server accepted meanwhile are the client's."""

    async def go() -> dict[str, Any]:
        before = stats(url)
        async with open_client() as client:
            await _concurrent(concurrency, concurrency, lambda: call(client))
            gc.collect()
            start = time.perf_counter()
            await _concurrent(n, concurrency, lambda: call(client))
            seconds = time.perf_counter() - start
        # each stats() request opens one connection of its own: the "after" one is not the client's
        return {"seconds": seconds, "count": n, "connections": stats(url) - before - 1}

    return _run(go())


def ours_concurrency(st: State, url: str, n: int, concurrency: int, backend: str | None = None, **_: Any) -> Any:
    req = _ours_request()
    kw = {"async_backend": backend} if backend else {}
    return _concurrency_sample(
        url, n, concurrency, lambda: _ours_client(url, **kw), lambda c: c.chat.v1.message.acreate(req)
    )


def ours_aiohttp_available(st: State, **_: Any) -> dict[str, Any]:
    import inspect

    from dify_oapi import Client

    if "async_backend" not in inspect.signature(Client.__init__).parameters:
        return {"available": False, "reason": "Client has no async_backend option in this checkout"}
    try:
        import aiohttp  # noqa: F401

        Client(api_key=KEY, base_url="http://127.0.0.1:9/v1", async_backend="aiohttp").close()
    except Exception as exc:  # the option exists but does not work here: say why
        return {"available": False, "reason": f"Client(async_backend='aiohttp') failed: {type(exc).__name__}: {exc}"}
    return {"available": True}


def ours_builder(st: State, n: int, **_: Any) -> dict[str, Any]:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    def via_builder() -> int:
        for _ in range(n):
            ChatMessageRequest.builder().query("Hello").inputs(INPUTS).user(USER).build()
        return n

    def direct() -> int:
        for _ in range(n):
            ChatMessageRequest(query="Hello", inputs=INPUTS, user=USER)
        return n

    via_builder()
    direct()
    return {"builder": _timed(via_builder)["seconds"] / n, "direct": _timed(direct)["seconds"] / n, "count": n}


# --- floors (raw httpx in the project's venv) ------------------------------------------------------------------------


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def _body(mode: str = "blocking") -> dict[str, Any]:
    return {"query": "Hello", "inputs": INPUTS, "user": USER, "response_mode": mode}


def floor_chat_blocking(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    import httpx

    client = _get(st, lambda: httpx.Client())
    post, target, headers = client.post, url + "/chat-messages", _headers()
    post(target, json=_body(), headers=headers).json()

    def run() -> int:
        for _ in range(n):
            post(target, json=_body(), headers=headers).json()
        return n

    return _timed(run)


def floor_info(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    import httpx

    client = _get(st, lambda: httpx.Client())
    get, target, headers = client.get, url + "/info", _headers()
    get(target, headers=headers).json()

    def run() -> int:
        for _ in range(n):
            get(target, headers=headers).json()
        return n

    return _timed(run)


def floor_stream_sync(st: State, url: str, **_: Any) -> dict[str, Any]:
    import httpx
    from httpx_sse import connect_sse

    client = _get(st, lambda: httpx.Client())

    def run() -> int:
        count = 0
        with connect_sse(client, "POST", url + "/chat-messages", json=_body("streaming"), headers=_headers()) as src:
            for sse in src.iter_sse():
                if sse.event == "ping":
                    continue
                json.loads(sse.data)
                count += 1
        return count

    return _warm_timed(st, run)


def floor_stream_async(st: State, url: str, **_: Any) -> dict[str, Any]:
    import httpx

    async def run() -> int:
        count = 0
        client = _get(st, lambda: httpx.AsyncClient())
        async with client.stream("POST", url + "/chat-messages", json=_body("streaming"), headers=_headers()) as r:
            async for data in asplit_sse(r.aiter_bytes()):
                json.loads(data)
                count += 1
        return count

    return _warm_atimed(st, run)


def floor_concurrency(st: State, url: str, n: int, concurrency: int, **_: Any) -> Any:
    import httpx

    target, body, headers = url + "/chat-messages", _body(), _headers()

    async def call(client: Any) -> Any:
        return (await client.post(target, json=body, headers=headers)).json()

    return _concurrency_sample(url, n, concurrency, httpx.AsyncClient, call)


def floor_sdk_limits_concurrency(st: State, url: str, n: int, concurrency: int, **_: Any) -> Any:
    """The floor again, with the pool limits the SDK gives its own httpx.AsyncClient: what httpcore costs there."""
    import httpx

    try:
        from dify_oapi.core._pools import LIMITS as limits
    except ImportError:
        return {"error": "the SDK's pool limits are not where this benchmark looks (dify_oapi.core._pools.LIMITS)"}
    target, body, headers = url + "/chat-messages", _body(), _headers()

    async def call(client: Any) -> Any:
        return (await client.post(target, json=body, headers=headers)).json()

    result = _concurrency_sample(url, n, concurrency, lambda: httpx.AsyncClient(limits=limits), call)
    result["limits"] = f"max_connections={limits.max_connections}, max_keepalive={limits.max_keepalive_connections}"
    return dict(result)


# --- peers -----------------------------------------------------------------------------------------------------------
# dify-client-python (module dify_client: Client / AsyncClient, typed pydantic answers and stream events)


def _dcp(url: str) -> Any:
    from dify_client import Client

    return Client(api_key=KEY, api_base=url)


def _dcp_req(mode: str = "blocking") -> Any:
    from dify_client import models

    return models.ChatRequest(query="Hello", inputs=INPUTS, user=USER, response_mode=mode)


def dcp_chat_blocking(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    client = _get(st, lambda: _dcp(url))
    client.chat_messages(_dcp_req())

    def run() -> int:
        for _ in range(n):
            client.chat_messages(_dcp_req())
        return n

    return _timed(run)


def dcp_stream_sync(st: State, url: str, **_: Any) -> dict[str, Any]:
    client = _get(st, lambda: _dcp(url))

    def run() -> int:
        return sum(1 for _ in client.chat_messages(_dcp_req("streaming")))

    return _warm_timed(st, run)


def dcp_stream_async(st: State, url: str, **_: Any) -> dict[str, Any]:
    from dify_client import AsyncClient

    async def run() -> int:
        client = _get(st, lambda: AsyncClient(api_key=KEY, api_base=url))
        count = 0
        async for _event in await client.achat_messages(_dcp_req("streaming")):
            count += 1
        return count

    return _warm_atimed(st, run)


class _NoClose:
    """An ``async with`` around a peer client that has nothing to close (it keeps a module-global httpx client)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def __aenter__(self) -> Any:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        return None


def dcp_concurrency(st: State, url: str, n: int, concurrency: int, **_: Any) -> Any:
    from dify_client import AsyncClient

    req = _dcp_req()
    return _concurrency_sample(
        url, n, concurrency, lambda: _NoClose(AsyncClient(api_key=KEY, api_base=url)), lambda c: c.achat_messages(req)
    )


# dify-oapi2 (module dify_oapi: Client.builder().domain(...).build(); streams are raw bytes the caller parses)


def _do2(url: str) -> Any:
    from dify_oapi.client import Client

    return Client.builder().domain(url.rsplit("/v1", 1)[0]).build()


def _do2_req(mode: str = "blocking") -> Any:
    from dify_oapi.api.chat.v1.model.chat_request import ChatRequest
    from dify_oapi.api.chat.v1.model.chat_request_body import ChatRequestBody

    body = ChatRequestBody.builder().query("Hello").inputs(INPUTS).user(USER).response_mode(mode).build()
    return ChatRequest.builder().request_body(body).build()


def _do2_opt() -> Any:
    from dify_oapi.core.model.request_option import RequestOption

    return RequestOption.builder().api_key(KEY).build()


def do2_chat_blocking(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    client = _get(st, lambda: _do2(url))
    opt = _do2_opt()
    client.chat.v1.chat.chat(_do2_req(), opt)

    def run() -> int:
        for _ in range(n):
            client.chat.v1.chat.chat(_do2_req(), opt)
        return n

    return _timed(run)


def do2_info(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    from dify_oapi.api.dify.v1.model.get_info_request import GetInfoRequest

    client = _get(st, lambda: _do2(url))
    opt = _do2_opt()
    client.dify.v1.info.get(GetInfoRequest.builder().build(), opt)

    def run() -> int:
        for _ in range(n):
            client.dify.v1.info.get(GetInfoRequest.builder().build(), opt)
        return n

    return _timed(run)


def do2_stream_sync(st: State, url: str, **_: Any) -> dict[str, Any]:
    client = _get(st, lambda: _do2(url))
    opt = _do2_opt()

    def run() -> int:
        count = 0
        for data in split_sse(client.chat.v1.chat.chat(_do2_req("streaming"), opt, stream=True)):
            json.loads(data)
            count += 1
        return count

    return _warm_timed(st, run)


def do2_stream_async(st: State, url: str, **_: Any) -> dict[str, Any]:
    opt = _do2_opt()

    async def run() -> int:
        client = _get(st, lambda: _do2(url))
        count = 0
        async for data in asplit_sse(await client.chat.v1.chat.achat(_do2_req("streaming"), opt, stream=True)):
            json.loads(data)
            count += 1
        return count

    return _warm_atimed(st, run)


class _Do2Async:
    def __init__(self, url: str) -> None:
        self.client = _do2(url)

    async def __aenter__(self) -> Any:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()


def do2_concurrency(st: State, url: str, n: int, concurrency: int, **_: Any) -> Any:
    opt, req = _do2_opt(), _do2_req()
    return _concurrency_sample(url, n, concurrency, lambda: _Do2Async(url), lambda c: c.chat.v1.chat.achat(req, opt))


# dify-python-sdk (module dify_client: ChatClient / AsyncChatClient answer httpx.Response; the caller parses)


def dps_chat_blocking(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    from dify_client import ChatClient

    client = _get(st, lambda: ChatClient(KEY, base_url=url))
    client.create_chat_message(inputs=INPUTS, query="Hello", user=USER).json()

    def run() -> int:
        for _ in range(n):
            client.create_chat_message(inputs=INPUTS, query="Hello", user=USER).json()
        return n

    return _timed(run)


def dps_info(st: State, url: str, n: int, **_: Any) -> dict[str, Any]:
    from dify_client import DifyClient

    client = _get(st, lambda: DifyClient(KEY, base_url=url))
    client.get_app_info().json()

    def run() -> int:
        for _ in range(n):
            client.get_app_info().json()
        return n

    return _timed(run)


def dps_stream_sync(st: State, url: str, **_: Any) -> dict[str, Any]:
    from dify_client import ChatClient

    client = _get(st, lambda: ChatClient(KEY, base_url=url))

    def run() -> int:
        count = 0
        response = client.create_chat_message(inputs=INPUTS, query="Hello", user=USER, response_mode="streaming")
        for data in split_sse(response.iter_bytes()):
            json.loads(data)
            count += 1
        return count

    return _warm_timed(st, run)


def dps_stream_async(st: State, url: str, **_: Any) -> dict[str, Any]:
    from dify_client import AsyncChatClient

    async def run() -> int:
        client = _get(st, lambda: AsyncChatClient(KEY, base_url=url))
        count = 0
        response = await client.create_chat_message(inputs=INPUTS, query="Hello", user=USER, response_mode="streaming")
        async for data in asplit_sse(response.aiter_bytes()):
            json.loads(data)
            count += 1
        return count

    return _warm_atimed(st, run)


def dps_concurrency(st: State, url: str, n: int, concurrency: int, **_: Any) -> Any:
    from dify_client import AsyncChatClient

    async def call(client: Any) -> Any:
        return (await client.create_chat_message(inputs=INPUTS, query="Hello", user=USER)).json()

    return _concurrency_sample(url, n, concurrency, lambda: AsyncChatClient(KEY, base_url=url), call)


CASES: dict[str, dict[str, Callable[..., dict[str, Any]]]] = {
    "floor": {
        "chat_blocking": floor_chat_blocking,
        "info": floor_info,
        "stream_sync": floor_stream_sync,
        "stream_async": floor_stream_async,
        "concurrency": floor_concurrency,
    },
    "floor-sdk-limits": {"concurrency": floor_sdk_limits_concurrency},
    "ours": {
        "chat_blocking": ours_chat_blocking,
        "info": ours_info,
        "stream_sync": ours_stream_sync,
        "stream_async": ours_stream_async,
        "concurrency": ours_concurrency,
        "builder": ours_builder,
        "aiohttp_available": ours_aiohttp_available,
    },
    "ours-aiohttp": {
        "concurrency": lambda st, **kw: ours_concurrency(st, backend="aiohttp", **kw),
        "stream_async": lambda st, **kw: ours_stream_async(st, backend="aiohttp", **kw),
    },
    "dify-client-python": {
        "chat_blocking": dcp_chat_blocking,
        "stream_sync": dcp_stream_sync,
        "stream_async": dcp_stream_async,
        "concurrency": dcp_concurrency,
    },
    "dify-oapi2": {
        "chat_blocking": do2_chat_blocking,
        "info": do2_info,
        "stream_sync": do2_stream_sync,
        "stream_async": do2_stream_async,
        "concurrency": do2_concurrency,
    },
    "dify-python-sdk": {
        "chat_blocking": dps_chat_blocking,
        "info": dps_info,
        "stream_sync": dps_stream_sync,
        "stream_async": dps_stream_async,
        "concurrency": dps_concurrency,
    },
}


def handle(command: dict[str, Any]) -> dict[str, Any]:
    who, row = command.pop("who"), command.pop("row")
    case = CASES.get(who, {}).get(row)
    if case is None:
        return {"error": f"{who} has no {row} case"}
    state = _STATE.setdefault((who, row), {})
    return case(state, **command)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("--cpu="):
        cpu = int(sys.argv[1].split("=", 1)[1])
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints goes to stderr, not into our answers
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = handle(json.loads(line))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=6)}
        out.write("@@RESULT " + json.dumps(result) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
