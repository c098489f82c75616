"""The httpx clients keep at most 20 idle connections alive (httpx's default): httpcore scans every pooled
connection for each request, and 100 kept alive made 100 concurrent calls about 3x slower (benchmarks/RESULTS.md)."""

from __future__ import annotations

import asyncio

import pytest

from dify_oapi import Client
from tests.reliability.faultserver import Act, FaultServer

INFO = Act(200, b'{"name": "app", "description": "", "tags": [], "mode": "chat", "author_name": "a"}')


async def test_a_burst_of_concurrent_calls_leaves_at_most_20_idle_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIFY_ASYNC_BACKEND", raising=False)
    with FaultServer([INFO]) as server:
        client = Client(base_url=server.url, api_key="app-k", trust_env=False)
        try:
            gate = asyncio.Event()

            async def one() -> None:
                await gate.wait()
                await client.dify.v1.app.ainfo()

            tasks = [asyncio.create_task(one()) for _ in range(40)]
            await asyncio.sleep(0)
            gate.set()
            await asyncio.gather(*tasks)
            (pool,) = client._transport.pools.async_clients()
            idle = [c for c in pool._transport._pool.connections if c.is_idle()]  # type: ignore[attr-defined]
            assert len(idle) <= 20
        finally:
            await client.aclose()
