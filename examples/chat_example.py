"""Chat with a chat, agent or chatflow app: blocking, streaming, a stream collected into one answer, history.

Run with DIFY_BASE_URL (e.g. http://localhost/v1) and DIFY_API_KEY (the app's key) set:
    python examples/chat_example.py
"""

from __future__ import annotations

import asyncio

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest, ListMessagesRequest
from dify_oapi.api.chat.v1.model.event import MessageEndEvent, MessageEvent

USER = "example-user"


def main() -> None:
    with Client(default_user=USER) as client:  # DIFY_BASE_URL / DIFY_API_KEY from the environment
        message = client.chat.v1.message
        # Blocking: the whole answer at once.
        answer = message.create(ChatMessageRequest.builder().query("Hello!").user(USER).build())
        print("blocking:", answer.answer, "| conversation", answer.conversation_id)

        # Streaming, continuing the conversation; the unbuilt builder takes the Client's default_user.
        follow_up = ChatMessageRequest.builder().query("Tell me more").conversation_id(answer.conversation_id)
        for event in message.stream(follow_up):
            if isinstance(event, MessageEvent):
                print(event.answer, end="", flush=True)
            elif isinstance(event, MessageEndEvent):
                print("\ntokens:", event.metadata.usage.total_tokens if event.metadata.usage else "?")

        # Streamed internally, returned like create() (for agent apps, which only stream).
        collected = message.create_via_stream(ChatMessageRequest.builder().query("Once more").user(USER).build())
        print("via stream:", collected.answer)

        # Conversations and their history, every page.
        conversation = client.chat.v1.conversation
        for conv in conversation.iter(ListConversationsRequest.builder().user(USER).limit(20).build()):
            print("conversation", conv.id, conv.name)
        history = ListMessagesRequest.builder().conversation_id(answer.conversation_id or "").user(USER).build()
        for item in conversation.iter_messages(history):
            print(f"  {item.query!r} -> {item.answer!r}")


async def amain() -> None:
    async with Client() as client:
        req = ChatMessageRequest.builder().query("Hello from asyncio").user(USER).build()
        async for event in client.chat.v1.message.astream(req):
            if isinstance(event, MessageEvent):
                print(event.answer, end="", flush=True)
        print()


if __name__ == "__main__":
    main()
    asyncio.run(amain())
