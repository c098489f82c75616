"""Ask a text generator (completion) app: blocking, streaming, and a stream collected into one answer.

Run with DIFY_BASE_URL (e.g. http://localhost/v1) and DIFY_API_KEY (the app's key) set; the app's input variable is
assumed to be called ``query``:
    python examples/completion_example.py
"""

from __future__ import annotations

import asyncio

from dify_oapi import Client
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest, MessageEvent

USER = "example-user"


def main() -> None:
    with Client() as client:
        message = client.completion.v1.message
        req = CompletionMessageRequest.builder().inputs({"query": "Write a haiku about the sea."}).user(USER).build()
        print("blocking:", message.create(req).answer)
        for event in message.stream(req):
            if isinstance(event, MessageEvent):
                print(event.answer, end="", flush=True)
        print()
        print("via stream:", message.create_via_stream(req).answer)


async def amain() -> None:
    async with Client() as client:
        req = CompletionMessageRequest.builder().inputs({"query": "Say hi."}).user(USER).build()
        answer = await client.completion.v1.message.acreate_via_stream(req)
        print("async:", answer.answer)


if __name__ == "__main__":
    main()
    asyncio.run(amain())
