"""The Client's pools over real sockets: created once under racing threads, one async client per live event loop
(each closed when its loop ends or when the Client closes), nothing inherited across ``os.fork()``, and no
``ResourceWarning`` with ``-W error``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import httpx
import pytest

from dify_oapi import Client, ClientClosedError
from dify_oapi.core import _pools

from .faultserver import FaultServer
from .matrix import CLIENT_KEY, error, ok

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _client(url: str) -> Client:
    return Client(base_url=url, api_key=CLIENT_KEY, timeout=httpx.Timeout(10.0, connect=5.0), retry_base_delay=0.01)


def test_the_sync_http_client_is_created_once_under_concurrent_first_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[int] = []

    class Slow(httpx.Client):
        def __init__(self, **kwargs: Any) -> None:
            created.append(threading.get_ident())
            time.sleep(0.05)  # widen the window in which a racing thread would create a second one
            super().__init__(**kwargs)

    monkeypatch.setattr(_pools.httpx, "Client", Slow)
    names: list[str] = []
    barrier = threading.Barrier(12)
    with FaultServer([ok("get")]) as server, _client(server.url) as client:

        def work() -> None:
            barrier.wait(5)
            names.append(client.dify.v1.app.info().name)

        threads = [threading.Thread(target=work, daemon=True) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert names == ["app"] * 12
    assert len(created) == 1


def test_each_asyncio_run_gets_its_own_async_client_closed_when_its_loop_ends() -> None:
    with FaultServer([ok("get")]) as server:
        client = _client(server.url)
        seen: list[httpx.AsyncClient] = []

        async def one() -> str:
            name = (await client.dify.v1.app.ainfo()).name
            name += (await client.dify.v1.app.ainfo()).name
            seen.extend(client._transport.pools.async_clients())
            return name

        assert asyncio.run(one()) == "appapp"
        assert asyncio.run(one()) == "appapp"
        assert len(seen) == 2 and seen[0] is not seen[1]
        assert all(http.is_closed for http in seen)  # each closed inside its own loop, as that loop ended
        assert [s.connection for s in server.seen] == [1, 1, 2, 2]  # one pool per loop, reused within it
        client.close()
        assert server.wait_closed()


def test_close_from_the_main_thread_closes_the_async_clients_of_loops_running_in_other_threads() -> None:
    with FaultServer([ok("get")]) as server:
        client = _client(server.url)
        used: list[httpx.AsyncClient] = []
        ready = threading.Barrier(3)
        done = threading.Event()
        errors: list[BaseException] = []

        def thread_with_a_loop() -> None:
            async def main() -> None:
                assert (await client.dify.v1.app.ainfo()).name == "app"
                used.append(await client._transport.aclient())
                ready.wait(5)
                await asyncio.to_thread(done.wait, 10)  # the loop runs on while the main thread closes the Client

            try:
                asyncio.run(main())
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=thread_with_a_loop, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        ready.wait(10)
        assert len(used) == 2 and used[0] is not used[1]
        assert not any(http.is_closed for http in used)
        client.close()
        assert all(http.is_closed for http in used)
        assert server.wait_closed()  # the connections went with them
        done.set()
        for thread in threads:
            thread.join(10)
        assert errors == []


def test_close_closes_the_async_client_of_an_idle_loop() -> None:
    with FaultServer([ok("get")]) as server:
        client = _client(server.url)
        loop = asyncio.new_event_loop()
        try:
            assert loop.run_until_complete(client.dify.v1.app.ainfo()).name == "app"
            (http,) = client._transport.pools.async_clients()
            client.close()
            assert http.is_closed
            assert server.wait_closed()
        finally:
            loop.close()


async def test_aclose_closes_the_async_clients_of_other_loops_too() -> None:
    with FaultServer([ok("get")]) as server:
        client = _client(server.url)

        other = asyncio.new_event_loop()  # used in another thread, then left idle (not closed)
        await asyncio.to_thread(other.run_until_complete, client.dify.v1.app.ainfo())
        await client.dify.v1.app.ainfo()
        clients = client._transport.pools.async_clients()
        assert len(clients) == 2
        await client.aclose()
        assert all(http.is_closed for http in clients)
        other.close()


_NO_WARNING_SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, threading, warnings
    import httpx
    from dify_oapi import Client, ClientClosedError
    from tests.reliability.faultserver import FaultServer
    from tests.reliability.matrix import ok

    with FaultServer([ok("get")]) as server:
        with Client(base_url=server.url, api_key="k") as client:
            client.dify.v1.app.info()
            for _ in range(3):
                asyncio.run(client.dify.v1.app.ainfo())
            loops = []
            def in_thread():
                loop = asyncio.new_event_loop()
                loop.run_until_complete(client.dify.v1.app.ainfo())
                loops.append(loop)
            t = threading.Thread(target=in_thread)
            t.start(); t.join()
        for loop in loops:
            loop.close()
        gc.collect()
    print("done")
    """
)


def test_no_resource_warning_with_w_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", _NO_WARNING_SCRIPT],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "done"
    assert "ResourceWarning" not in proc.stderr and "unclosed" not in proc.stderr, proc.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_forked_child_never_reuses_the_parents_connections(mode: str) -> None:
    with FaultServer([ok("get")]) as server:
        client = _client(server.url)
        loop = asyncio.new_event_loop()

        def call() -> str:
            if mode == "sync":
                return client.dify.v1.app.info().name
            return asyncio.run(client.dify.v1.app.ainfo()).name

        try:
            if mode == "sync":
                assert call() == "app"
            else:  # a live (idle) loop holding a pooled connection at fork time
                assert loop.run_until_complete(client.dify.v1.app.ainfo()).name == "app"
            pid = os.fork()
            if pid == 0:  # the child: one call, then leave without running any of pytest's teardown
                code = 1
                try:
                    code = 0 if call() == "app" else 3
                finally:
                    os._exit(code)
            deadline = time.monotonic() + 20
            while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
                time.sleep(0.02)
            if waited == (0, 0):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail("the child did not finish in 20 s")
            assert os.waitstatus_to_exitcode(waited[1]) == 0
            # The parent's own connection is intact and still reused after the child closed its copy.
            if mode == "sync":
                assert call() == "app"
            else:
                assert loop.run_until_complete(client.dify.v1.app.ainfo()).name == "app"
        finally:
            client.close()
            loop.close()
        parent_first, child, parent_again = server.seen
        assert child.connection != parent_first.connection
        assert parent_again.connection == parent_first.connection


def _wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition(), "the condition never held"


def test_close_during_a_retry_backoff_raises_client_closed_error() -> None:
    busy = error(503, "unavailable", (("retry-after", "4"),))
    with FaultServer([busy, ok("get")]) as server:
        client = _client(server.url)
        outcome: list[BaseException | str] = []

        def call() -> None:
            try:
                outcome.append(client.dify.v1.app.info().name)
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        _wait_for(lambda: len(server.seen) == 1)  # the first attempt failed: the call sleeps 4 s before its retry
        client.close()
        thread.join(3.5)  # woken by close(), well before the 4 s back-off ends
        assert not thread.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], ClientClosedError), outcome
        assert len(server.seen) == 1


async def test_aclose_during_an_async_retry_backoff_raises_client_closed_error() -> None:
    busy = error(503, "unavailable", (("retry-after", "0.5"),))
    with FaultServer([busy, ok("get")]) as server:
        client = _client(server.url)
        call = asyncio.ensure_future(client.dify.v1.app.ainfo())
        await asyncio.to_thread(_wait_for, lambda: len(server.seen) == 1)
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await asyncio.wait_for(call, 10)
        assert len(server.seen) == 1


async def test_close_from_another_thread_during_an_async_backoff_raises_client_closed_error() -> None:
    busy = error(503, "unavailable", (("retry-after", "0.5"),))
    with FaultServer([busy, ok("get")]) as server:
        client = _client(server.url)
        call = asyncio.ensure_future(client.dify.v1.app.ainfo())
        await asyncio.to_thread(_wait_for, lambda: len(server.seen) == 1)
        closer = threading.Thread(target=client.close)  # closes this loop's client by scheduling it here
        closer.start()
        with pytest.raises(ClientClosedError):
            await asyncio.wait_for(call, 10)
        await asyncio.to_thread(closer.join, 10)
        assert len(server.seen) == 1


def test_a_refused_port_is_held_while_in_use() -> None:
    """The matrix runs cells in parallel: a refused cell's port stays bound (never listening) so that another
    cell's server, binding port 0, cannot be given it (a released port was, once: the refused call then reached that
    server, which saw a second POST)."""
    import socket

    from .faultserver import Refused

    with Refused() as refused:
        taker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with taker, pytest.raises(OSError):
            taker.bind(("127.0.0.1", refused.port))
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with probe, pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", refused.port))
