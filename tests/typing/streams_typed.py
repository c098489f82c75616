# pyright: reportUnnecessaryTypeIgnoreComment=true
"""Checked by mypy --strict and pyright strict (tests/typing/test_typing.py), never run: streams are typed as the
union of their endpoint's events, so ``isinstance`` and ``match`` narrow and exhaustiveness checks work."""

from __future__ import annotations

from typing import assert_never, assert_type

from dify_oapi import Client
from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest
from dify_oapi.api.chat.v1.model.event import ChatEvent, CompletionEvent, MessageEndEvent, MessageEvent
from dify_oapi.api.completion.v1.model.completion_message import CompletionMessageRequest
from dify_oapi.api.knowledge_base.v1.model.pipeline import (
    DatasourceCompletedEvent,
    DatasourceNodeEvent,
    PipelineEvent,
    PipelineRunResult,
    RunDatasourceNodeRequest,
    RunPipelineRequest,
)
from dify_oapi.api.workflow.v1.model.event import WorkflowEvent, WorkflowFinishedEvent
from dify_oapi.api.workflow.v1.model.workflow_run import RunWorkflowRequest
from dify_oapi.core.events import StreamEvent
from dify_oapi.core.streaming import AsyncStream, Stream


def chat(client: Client, req: ChatMessageRequest) -> str:
    stream = client.chat.v1.message.stream(req)
    assert_type(stream, Stream[ChatEvent])
    answer = ""
    for event in stream:
        assert_type(event, ChatEvent)
        if isinstance(event, MessageEvent):
            answer += event.answer
        elif isinstance(event, MessageEndEvent):
            print(event.metadata.usage)
    return answer


def chat_match(client: Client, req: ChatMessageRequest) -> None:
    for event in client.chat.v1.message.stream(req):
        match event:
            case MessageEvent():
                print(event.answer)
            case StreamEvent():  # every other event, known or not
                print(event.event)
            case _:
                assert_never(event)


async def achat(client: Client, req: ChatMessageRequest) -> None:
    stream = client.chat.v1.message.astream(req)
    assert_type(stream, AsyncStream[ChatEvent])
    async for event in stream:
        if isinstance(event, MessageEvent):
            print(event.answer)


def completion(client: Client, req: CompletionMessageRequest) -> None:
    assert_type(client.completion.v1.message.stream(req), Stream[CompletionEvent])
    assert_type(client.completion.v1.message.astream(req), AsyncStream[CompletionEvent])


def workflow(client: Client, req: RunWorkflowRequest) -> None:
    stream = client.workflow.v1.workflow.stream(req)
    assert_type(stream, Stream[WorkflowEvent])
    assert_type(client.workflow.v1.workflow.astream(req), AsyncStream[WorkflowEvent])
    for event in stream:
        if isinstance(event, WorkflowFinishedEvent):
            print(event.data.outputs)


def workflow_resume(client: Client, req: RunWorkflowRequest, run_id: str) -> None:
    """Resuming streams are the same Stream / AsyncStream: a run's own stream keeps its WorkflowEvent union; the
    events endpoint (``resume``) also replays chatflow message events (ChatEvent, which contains WorkflowEvent)."""
    wf = client.workflow.v1.workflow
    assert_type(wf.stream_resumable(req), Stream[WorkflowEvent])
    assert_type(wf.astream_resumable(req), AsyncStream[WorkflowEvent])
    assert_type(wf.resume(run_id, "u"), Stream[ChatEvent])
    assert_type(wf.aresume(run_id, "u"), AsyncStream[ChatEvent])
    with wf.stream_resumable(req) as stream:
        assert_type(stream.request_id, str | None)
        for event in stream:
            match event:
                case WorkflowFinishedEvent():
                    print(event.data.status)
                case StreamEvent():
                    print(event.event)
                case _:
                    assert_never(event)


async def aworkflow_resume(client: Client, run_id: str) -> None:
    async with client.workflow.v1.workflow.aresume(run_id, "u") as stream:
        assert_type(stream, AsyncStream[ChatEvent])
        async for event in stream:
            if isinstance(event, WorkflowFinishedEvent | MessageEvent):
                print(event.event)


def pipeline(client: Client, run: RunPipelineRequest, node: RunDatasourceNodeRequest) -> None:
    kb = client.knowledge_base.v1.pipeline
    assert_type(kb.stream(run), Stream[PipelineEvent])
    assert_type(kb.astream(run), AsyncStream[PipelineEvent])
    for item in kb.stream(run):
        if isinstance(item, PipelineRunResult):
            print(item.batch, [d.name for d in item.documents])
        else:
            print(item.event)  # a workflow event (or an unknown StreamEvent)
    assert_type(kb.run_datasource_node(node), Stream[DatasourceNodeEvent])
    assert_type(kb.arun_datasource_node(node), AsyncStream[DatasourceNodeEvent])
    for event in kb.run_datasource_node(node):
        if isinstance(event, DatasourceCompletedEvent):
            print(event.data)


def not_exhaustive(client: Client, req: ChatMessageRequest) -> None:
    """Leaving out the unknown-event fallback is caught: the checkers flag the ``assert_never`` (the ignore comments
    are required: an unneeded one fails both checkers)."""
    for event in client.chat.v1.message.stream(req):
        if isinstance(event, MessageEvent):
            print(event.answer)
        else:
            assert_never(event)  # type: ignore[arg-type]
