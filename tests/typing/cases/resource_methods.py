"""A method takes its own request or that request's builder (not any builder); a method whose request has required
fields needs one, a method whose request is all optional can be called without."""

from __future__ import annotations

from typing import assert_type

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest, ChatMessageResponse
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest
from dify_oapi.api.dify.v1.model.app import AppInfo, GetAppInfoRequest
from dify_oapi.api.dify.v1.model.file import UploadedFile
from dify_oapi.api.dify.v1.model.shared import InputFile
from dify_oapi.api.knowledge_base.v1.model.dataset import ListDatasetsRequest
from dify_oapi.api.knowledge_base.v1.model.document import ListDocumentsRequest
from dify_oapi.core.pagination import Pager


def sync_methods(client: Client) -> None:
    chat = ChatMessageRequest.builder().query("q").user("u").build()
    completion = CompletionMessageRequest.builder().inputs({"query": "q"}).user("u").build()
    message = client.chat.v1.message

    assert_type(message.create(chat), ChatMessageResponse)
    assert_type(message.create(ChatMessageRequest.builder().query("q")), ChatMessageResponse)
    message.create(completion)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    message.create(CompletionMessageRequest.builder().user("u"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    message.create()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    message.create(None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    message.stream()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]

    app = client.dify.v1.app
    assert_type(app.info(), AppInfo)
    assert_type(app.info(None), AppInfo)
    assert_type(app.info(GetAppInfoRequest()), AppInfo)
    app.info(chat)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    datasets = client.knowledge_base.v1.dataset
    datasets.list()
    datasets.list(ListDatasetsRequest.builder().page(2))
    for dataset in datasets.iter():
        assert_type(dataset.id, str)
    client.knowledge_base.v1.document.iter()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    pager = client.knowledge_base.v1.document.iter(ListDocumentsRequest.builder().dataset_id("d"))
    assert isinstance(pager, Pager)


async def async_methods(client: Client) -> None:
    chat = ChatMessageRequest.builder().query("q").user("u").build()
    message = client.chat.v1.message
    assert_type(await message.acreate(chat), ChatMessageResponse)
    await message.acreate()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    await message.acreate(CompletionMessageRequest.builder())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert_type(await client.dify.v1.app.ainfo(), AppInfo)
    async for dataset in client.knowledge_base.v1.dataset.aiter():
        assert_type(dataset.id, str)
    client.knowledge_base.v1.document.aiter()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


def history(client: Client) -> None:
    from dify_oapi.api.chat.v1.model.conversation import ListConversationsRequest, ListMessagesRequest

    conversation = client.chat.v1.conversation
    history = ListMessagesRequest.builder().conversation_id("c").user("u")
    for message in conversation.iter_messages(history, order="oldest"):
        assert_type(message.id, str)
    conversation.iter_messages(history)
    conversation.iter_messages(history, order="newest")
    conversation.iter_messages(history, order="reading")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    conversation.iter(ListConversationsRequest.builder().user("u"), order="oldest")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    conversation.aiter_messages(history, order="oldest")


def input_files(upload: UploadedFile) -> None:
    assert_type(InputFile.local("f", "image"), InputFile)
    assert_type(InputFile.from_upload(upload), InputFile)
    InputFile.local("f")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    InputFile.local("f", "documnt")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
