"""Workflow stream events: what workflow runs, chatflow (advanced-chat) messages and knowledge pipelines stream.

Every model keeps unknown fields; statuses are open strings (``succeeded``, ``failed``, ``stopped``,
``partial-succeeded``, ``paused`` and whatever Dify adds next); ``inputs``/``outputs`` are dicts even when the server
sends them as JSON strings."""

from __future__ import annotations

import typing
from typing import Any, Literal, TypeAlias

from .....core.events import StreamEvent, event_models
from .....core.model import Field, JsonObject, Response, Timestamp

__all__ = [
    "WORKFLOW_EVENT_MODELS",
    "AgentLogData",
    "AgentLogEvent",
    "FormAction",
    "FormInputField",
    "HumanInputFilledData",
    "HumanInputFormFilledEvent",
    "HumanInputFormTimeoutEvent",
    "HumanInputRequiredData",
    "HumanInputRequiredEvent",
    "HumanInputTimeoutData",
    "IterationCompletedEvent",
    "IterationNextEvent",
    "IterationStartedEvent",
    "LoopCompletedEvent",
    "LoopNextEvent",
    "LoopStartedEvent",
    "NodeData",
    "NodeFinishedEvent",
    "NodeRetryEvent",
    "NodeStartedEvent",
    "ReasoningChunkData",
    "ReasoningChunkEvent",
    "StepGroupData",
    "TextChunkData",
    "TextChunkEvent",
    "TtsMessageEndEvent",
    "TtsMessageEvent",
    "WorkflowEvent",
    "WorkflowEventBase",
    "WorkflowFinishedData",
    "WorkflowFinishedEvent",
    "WorkflowPausedData",
    "WorkflowPausedEvent",
    "WorkflowStartedData",
    "WorkflowStartedEvent",
]


class WorkflowEventBase(StreamEvent):
    """Fields every workflow-side event carries (``conversation_id``/``message_id`` in chatflow streams only)."""

    task_id: str | None = None
    workflow_run_id: str | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    created_at: Timestamp | None = None


class WorkflowStartedData(Response):
    id: str | None = None
    workflow_id: str | None = None
    inputs: JsonObject = {}
    created_at: Timestamp | None = None
    reason: str | None = None


class WorkflowFinishedData(Response):
    """The run's result: ``status`` (open string), ``outputs``, ``error``, timing and token counts."""

    id: str | None = None
    workflow_id: str | None = None
    status: str | None = None
    outputs: JsonObject = {}
    error: str | None = None
    elapsed_time: float | None = None
    total_tokens: int | None = None
    total_steps: int | None = None
    created_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    created_by: dict[str, Any] | None = None
    exceptions_count: int | None = None
    files: list[dict[str, Any]] | None = None


class NodeData(Response):
    """A node's execution: started (inputs), finished or retried (outputs, status, error, timing)."""

    id: str | None = None
    node_id: str | None = None
    node_type: str | None = None
    title: str | None = None
    index: int | None = None
    predecessor_node_id: str | None = None
    inputs: JsonObject | None = None
    inputs_truncated: bool | None = None
    process_data: JsonObject | None = None
    process_data_truncated: bool | None = None
    outputs: JsonObject | None = None
    outputs_truncated: bool | None = None
    status: str | None = None
    error: str | None = None
    elapsed_time: float | None = None
    execution_metadata: dict[str, Any] | None = None
    created_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    files: list[dict[str, Any]] | None = None
    iteration_id: str | None = None
    loop_id: str | None = None
    retry_index: int | None = None
    extras: dict[str, Any] | None = None


class StepGroupData(Response):
    """An iteration or a loop node: started, next round (``index``), completed (outputs, status, steps)."""

    id: str | None = None
    node_id: str | None = None
    node_type: str | None = None
    title: str | None = None
    index: int | None = None
    inputs: JsonObject | None = None
    inputs_truncated: bool | None = None
    outputs: JsonObject | None = None
    outputs_truncated: bool | None = None
    metadata: dict[str, Any] | None = None
    extras: dict[str, Any] | None = None
    status: str | None = None
    error: str | None = None
    elapsed_time: float | None = None
    total_tokens: int | None = None
    execution_metadata: dict[str, Any] | None = None
    created_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    steps: int | None = None
    pre_loop_output: Any = None


class TextChunkData(Response):
    text: str = ""
    from_variable_selector: list[str] | None = None


class ReasoningChunkData(Response):
    reasoning: str = ""
    node_id: str | None = None
    is_final: bool | None = None


class AgentLogData(Response):
    node_execution_id: str | None = None
    id: str | None = None
    label: str | None = None
    parent_id: str | None = None
    error: str | None = None
    status: str | None = None
    data: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    node_id: str | None = None


class FormInputField(Response):
    """One input of a human-input form: ``type`` (``paragraph``, ``select``, ``file``, ``file-list``...) and the
    ``output_variable_name`` to submit its value under."""

    type: str | None = None
    output_variable_name: str | None = None
    default: dict[str, Any] | None = None
    option_source: dict[str, Any] | None = None
    allowed_file_types: list[str] | None = None
    allowed_file_extensions: list[str] | None = None
    allowed_file_upload_methods: list[str] | None = None
    number_limits: int | None = None


class FormAction(Response):
    """A button of a human-input form; submit its ``id`` as ``action``."""

    id: str
    title: str | None = None
    button_style: str | None = None


class HumanInputRequiredData(Response):
    """A human-input node is waiting: fetch the form with ``form_token``, submit one of ``actions``."""

    form_id: str | None = None
    node_id: str | None = None
    node_title: str | None = None
    form_content: str | None = None
    inputs: list[FormInputField] = []
    actions: list[FormAction] = []
    display_in_ui: bool | None = None
    form_token: str | None = None
    resolved_default_values: dict[str, Any] | None = None
    expiration_time: Timestamp | None = None


class WorkflowPausedData(Response):
    workflow_run_id: str | None = None
    paused_nodes: list[str] = []
    outputs: JsonObject = {}
    reasons: list[dict[str, Any]] = []
    status: str | None = None
    created_at: Timestamp | None = None
    elapsed_time: float | None = None
    total_tokens: int | None = None
    total_steps: int | None = None


class HumanInputFilledData(Response):
    node_id: str | None = None
    node_title: str | None = None
    rendered_content: str | None = None
    action_id: str | None = None
    action_text: str | None = None
    submitted_data: dict[str, Any] | None = None


class HumanInputTimeoutData(Response):
    node_id: str | None = None
    node_title: str | None = None
    expiration_time: Timestamp | None = None


class WorkflowStartedEvent(WorkflowEventBase):
    event: Literal["workflow_started"] = "workflow_started"
    data: WorkflowStartedData = Field(default_factory=WorkflowStartedData)


class WorkflowFinishedEvent(WorkflowEventBase):
    event: Literal["workflow_finished"] = "workflow_finished"
    data: WorkflowFinishedData = Field(default_factory=WorkflowFinishedData)


class NodeStartedEvent(WorkflowEventBase):
    event: Literal["node_started"] = "node_started"
    data: NodeData = Field(default_factory=NodeData)


class NodeFinishedEvent(WorkflowEventBase):
    event: Literal["node_finished"] = "node_finished"
    data: NodeData = Field(default_factory=NodeData)


class NodeRetryEvent(WorkflowEventBase):
    event: Literal["node_retry"] = "node_retry"
    data: NodeData = Field(default_factory=NodeData)


class IterationStartedEvent(WorkflowEventBase):
    event: Literal["iteration_started"] = "iteration_started"
    data: StepGroupData = Field(default_factory=StepGroupData)


class IterationNextEvent(WorkflowEventBase):
    event: Literal["iteration_next"] = "iteration_next"
    data: StepGroupData = Field(default_factory=StepGroupData)


class IterationCompletedEvent(WorkflowEventBase):
    event: Literal["iteration_completed"] = "iteration_completed"
    data: StepGroupData = Field(default_factory=StepGroupData)


class LoopStartedEvent(WorkflowEventBase):
    event: Literal["loop_started"] = "loop_started"
    data: StepGroupData = Field(default_factory=StepGroupData)


class LoopNextEvent(WorkflowEventBase):
    event: Literal["loop_next"] = "loop_next"
    data: StepGroupData = Field(default_factory=StepGroupData)


class LoopCompletedEvent(WorkflowEventBase):
    event: Literal["loop_completed"] = "loop_completed"
    data: StepGroupData = Field(default_factory=StepGroupData)


class TextChunkEvent(WorkflowEventBase):
    """A piece of streamed output text."""

    event: Literal["text_chunk"] = "text_chunk"
    data: TextChunkData = Field(default_factory=TextChunkData)


class ReasoningChunkEvent(WorkflowEventBase):
    """A piece of a model's reasoning."""

    event: Literal["reasoning_chunk"] = "reasoning_chunk"
    data: ReasoningChunkData = Field(default_factory=ReasoningChunkData)


class AgentLogEvent(WorkflowEventBase):
    event: Literal["agent_log"] = "agent_log"
    data: AgentLogData = Field(default_factory=AgentLogData)


class HumanInputRequiredEvent(WorkflowEventBase):
    event: Literal["human_input_required"] = "human_input_required"
    data: HumanInputRequiredData = Field(default_factory=HumanInputRequiredData)


class WorkflowPausedEvent(WorkflowEventBase):
    """The run paused (waiting for human input): the stream ends here; resume through the events endpoint."""

    event: Literal["workflow_paused"] = "workflow_paused"
    data: WorkflowPausedData = Field(default_factory=WorkflowPausedData)


class HumanInputFormFilledEvent(WorkflowEventBase):
    event: Literal["human_input_form_filled"] = "human_input_form_filled"
    data: HumanInputFilledData = Field(default_factory=HumanInputFilledData)


class HumanInputFormTimeoutEvent(WorkflowEventBase):
    event: Literal["human_input_form_timeout"] = "human_input_form_timeout"
    data: HumanInputTimeoutData = Field(default_factory=HumanInputTimeoutData)


class TtsMessageEvent(WorkflowEventBase):
    """A chunk of synthesised speech: ``audio`` is base64-encoded MP3."""

    event: Literal["tts_message"] = "tts_message"
    audio: str = ""


class TtsMessageEndEvent(WorkflowEventBase):
    event: Literal["tts_message_end"] = "tts_message_end"
    audio: str = ""


WorkflowEvent: TypeAlias = (
    WorkflowStartedEvent
    | WorkflowFinishedEvent
    | NodeStartedEvent
    | NodeFinishedEvent
    | NodeRetryEvent
    | IterationStartedEvent
    | IterationNextEvent
    | IterationCompletedEvent
    | LoopStartedEvent
    | LoopNextEvent
    | LoopCompletedEvent
    | TextChunkEvent
    | ReasoningChunkEvent
    | AgentLogEvent
    | HumanInputRequiredEvent
    | WorkflowPausedEvent
    | HumanInputFormFilledEvent
    | HumanInputFormTimeoutEvent
    | TtsMessageEvent
    | TtsMessageEndEvent
    | StreamEvent
)
"""Every workflow stream event (``client.workflow.v1.workflow.stream`` yields these): the known event models, and
``StreamEvent`` for an event this SDK does not know yet. Both the static type and the runtime parser."""

WORKFLOW_EVENT_MODELS: tuple[type[WorkflowEventBase], ...] = typing.cast(
    tuple[type[WorkflowEventBase], ...], event_models(WorkflowEvent)
)
"""The event models of :data:`WorkflowEvent`, in order."""
