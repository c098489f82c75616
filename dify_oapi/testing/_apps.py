"""The app side of the test server: a scripted chatflow (advanced-chat) app, a completion app and a workflow app,
with what every app shares (files, audio, info, parameters, feedback, annotations, end users, human-input forms).

Answers are shaped after the Dify 1.14.1 transcripts; everything is kept in memory."""

# pyright: reportUnknownVariableType=false, reportUnknownMemberType=false, reportUnknownArgumentType=false
# (this module handles untyped JSON request bodies: values narrowed by isinstance have unknown item types)
from __future__ import annotations

import copy
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._common import TENANT_ID, Shared, content_disposition, field_required, is_uuid, new_id, now, validation_error
from ._http import ApiError, Call, Reply, StreamReply, json_reply

__all__ = ["APP_KINDS", "App", "Apps", "fake_mp3"]

APP_KINDS = ("chat", "completion", "workflow")

USAGE: dict[str, Any] = {
    "prompt_tokens": 0,
    "prompt_unit_price": "0.0",
    "prompt_price_unit": "0.0",
    "prompt_price": "0.0",
    "completion_tokens": 0,
    "completion_unit_price": "0.0",
    "completion_price_unit": "0.0",
    "completion_price": "0.0",
    "total_tokens": 0,
    "total_price": "0.0",
    "currency": "USD",
    "latency": 0.0,
    "time_to_first_token": 0.01,
    "time_to_generate": 0.0,
}

_SYSTEM_PARAMETERS = {
    "image_file_size_limit": 10,
    "video_file_size_limit": 100,
    "audio_file_size_limit": 50,
    "file_size_limit": 15,
    "workflow_file_upload_limit": 10,
}

_SUGGESTIONS = ["Can you say that again?", "What else can you echo?", "How does streaming work?"]
_SEQ = itertools.count(1)


@dataclass
class App:
    kind: str
    key: str
    id: str = field(default_factory=new_id)
    workflow_id: str = field(default_factory=new_id)

    @property
    def mode(self) -> str:
        return {"chat": "advanced-chat", "completion": "completion", "workflow": "workflow"}[self.kind]

    @property
    def name(self) -> str:
        return {"chat": "Echo Chatflow", "completion": "Echo Completion", "workflow": "Echo Workflow"}[self.kind]


@dataclass
class Conversation:
    id: str
    app_id: str
    user: str
    name: str
    inputs: dict[str, Any]
    created_at: int
    updated_at: int
    variables: list[dict[str, Any]]
    # The order of creation and of the last update: timestamps are whole seconds, Dify's own are finer.
    created_seq: int = field(default_factory=lambda: next(_SEQ))
    updated_seq: int = field(default_factory=lambda: next(_SEQ))


@dataclass
class Message:
    id: str
    app_id: str
    user: str
    conversation_id: str | None
    query: str
    inputs: dict[str, Any]
    answer: str
    created_at: int
    files: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    feedback: dict[str, Any] | None = None


@dataclass
class Run:
    id: str
    task_id: str
    app_id: str
    workflow_id: str
    user: str
    end_user_id: str
    inputs: dict[str, Any]
    created_at: int
    status: str = "running"
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])
    finished_at: int | None = None
    elapsed_time: float = 0.0
    total_steps: int = 0
    events: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    resumed_events: list[dict[str, Any]] | None = None
    form_token: str | None = None


@dataclass
class Form:
    token: str
    id: str
    run_id: str
    app_id: str
    expires_at: float
    submitted: bool = False


class Apps:
    """Routes and state of the three apps."""

    def __init__(self, shared: Shared, keys: dict[str, str]) -> None:
        self.shared = shared
        self.apps = {kind: App(kind, keys[kind]) for kind in APP_KINDS}
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[str, Message] = {}
        self.runs: dict[str, Run] = {}
        self.forms: dict[str, Form] = {}
        self.feedbacks: list[dict[str, Any]] = []
        self.annotations: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, float] = {}
        self.stopped_tasks: set[str] = set()

    def routes(self) -> list[tuple[str, str, Callable[[Call], Reply | StreamReply]]]:
        return [
            ("POST", "/chat-messages", self.chat),
            ("POST", "/chat-messages/{task_id}/stop", self.stop),
            ("GET", "/messages/{message_id}/suggested", self.suggested),
            ("POST", "/files/upload", self.upload),
            ("GET", "/files/{file_id}/preview", self.preview),
            ("GET", "/end-users/{end_user_id}", self.get_end_user),
            ("POST", "/messages/{message_id}/feedbacks", self.feedback),
            ("GET", "/app/feedbacks", self.app_feedbacks),
            ("GET", "/conversations", self.list_conversations),
            ("GET", "/messages", self.history),
            ("GET", "/conversations/{conversation_id}/variables", self.variables),
            ("POST", "/conversations/{conversation_id}/name", self.rename),
            ("PUT", "/conversations/{conversation_id}/variables/{variable_id}", self.update_variable),
            ("DELETE", "/conversations/{conversation_id}", self.delete_conversation),
            ("POST", "/audio-to-text", self.audio_to_text),
            ("POST", "/text-to-audio", self.text_to_audio),
            ("GET", "/info", self.info),
            ("GET", "/parameters", self.parameters),
            ("GET", "/meta", self.meta),
            ("GET", "/site", self.site),
            ("POST", "/apps/annotations", self.create_annotation),
            ("GET", "/apps/annotations", self.list_annotations),
            ("PUT", "/apps/annotations/{annotation_id}", self.update_annotation),
            ("DELETE", "/apps/annotations/{annotation_id}", self.delete_annotation),
            ("POST", "/apps/annotation-reply/{action}", self.annotation_reply),
            ("GET", "/apps/annotation-reply/{action}/status/{job_id}", self.annotation_reply_status),
            ("GET", "/workflows/run/{workflow_run_id}", self.get_run),
            ("GET", "/workflows/logs", self.logs),
            ("GET", "/form/human_input/{form_token}", self.get_form),
            ("POST", "/form/human_input/{form_token}", self.submit_form),
            ("GET", "/workflow/{workflow_run_id}/events", self.events),
            ("POST", "/workflows/run", self.run_workflow),
            ("POST", "/workflows/{workflow_id}/run", self.run_workflow),
            ("POST", "/workflows/tasks/{task_id}/stop", self.stop),
            ("POST", "/completion-messages", self.completion),
            ("POST", "/completion-messages/{task_id}/stop", self.stop),
        ]

    # ---- helpers ------------------------------------------------------------------------------------------------

    def app(self, call: Call) -> App:
        return self.apps[call.app_kind or "chat"]

    @staticmethod
    def user_of(call: Call, *, required: bool = True) -> str | None:
        user = call.body.get("user")
        if user is None:
            user = call.form.get("user") or call.q("user")
        if (user is None or user == "") and required:
            raise ApiError(400, "invalid_param", "Arg user must be provided.")
        return str(user) if user is not None else None

    def _mode(self, call: Call, kind: str) -> App:
        app = self.app(call)
        if app.kind != kind:
            if kind == "chat":
                raise ApiError(400, "not_chat_app", "Please check if your app mode matches the right API route.")
            if kind == "workflow":
                raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
            raise ApiError(400, "app_unavailable", "App unavailable, please check your app configurations.")
        return app

    @staticmethod
    def _payload(call: Call, model: str, *, query: bool) -> tuple[dict[str, Any], str]:
        body = call.body
        mode = body.get("response_mode", "blocking")
        if mode not in ("blocking", "streaming", None):
            raise validation_error(
                model, "response_mode", "Input should be 'blocking' or 'streaming'", "literal_error", mode
            )
        if "inputs" not in body:
            raise field_required(model, "inputs", body)
        inputs = body["inputs"]
        if not isinstance(inputs, dict):
            raise validation_error(model, "inputs", "Input should be a valid dictionary", "dict_type", inputs)
        if query and not isinstance(body.get("query"), str):
            raise field_required(model, "query", body)
        return dict(inputs), mode or "blocking"

    def _use_files(self, call: Call) -> list[dict[str, Any]]:
        files = call.body.get("files") or []
        if not isinstance(files, list):
            raise ApiError(400, "invalid_param", "files must be a list")
        used: list[dict[str, Any]] = []
        for item in files:
            if not isinstance(item, dict):
                continue
            file_id = item.get("upload_file_id")
            if isinstance(file_id, str):
                stored = self.shared.files.get(file_id)
                if stored is None:
                    raise ApiError(400, "invalid_param", f"Invalid upload file id: {file_id}")
                stored.used = True
            used.append(item)
        return used

    def _check_text(self, inputs: dict[str, Any], name: str, max_length: int, *, required: bool) -> str:
        value = inputs.get(name)
        if value is None or value == "":
            if required:
                raise ApiError(400, "invalid_param", f"{name} is required in input form")
            return ""
        if not isinstance(value, str):
            raise ApiError(400, "invalid_param", f"{name} in input form must be a string")
        if len(value) > max_length:
            raise ApiError(400, "invalid_param", f"{name} in input form must be less than {max_length} characters")
        return value

    # ---- chat (advanced-chat) -----------------------------------------------------------------------------------

    def chat(self, call: Call) -> Reply | StreamReply:
        app = self._mode(call, "chat")
        user = self.user_of(call) or ""
        inputs, mode = self._payload(call, "ChatRequestPayload", query=True)
        query: str = call.body["query"]
        conversation_id = call.body.get("conversation_id") or None
        if conversation_id is not None and not is_uuid(str(conversation_id)):
            raise validation_error(
                "ChatRequestPayload",
                "conversation_id",
                "Value error, conversation_id must be a valid UUID",
                "value_error",
                conversation_id,
            )
        name = self._check_text(inputs, "name", 48, required=False)
        files = self._use_files(call)
        end_user = self.shared.end_user(app.id, user)
        stamp = now()
        if conversation_id is not None:
            conversation = self.conversations.get(str(conversation_id))
            if conversation is None or conversation.app_id != app.id or conversation.user != user:
                raise ApiError(
                    404,
                    "not_found",
                    "Conversation Not Exists. You have requested this URI [/v1/chat-messages] but did you mean "
                    "/v1/chat-messages or /api/chat-messages or /v1/chat-messages/<string:task_id>/stop ?",
                )
            conversation.updated_at = stamp
            conversation.updated_seq = next(_SEQ)
            inputs = dict(conversation.inputs)
        else:
            conversation = Conversation(
                new_id(), app.id, user, query[:40], {"name": name or None}, stamp, stamp,
                [{
                    "id": new_id(), "name": "topic", "value_type": "string", "value": "none",
                    "description": "conversation topic", "created_at": stamp, "updated_at": stamp,
                }],
            )  # fmt: skip
            self.conversations[conversation.id] = conversation
        answer = f"Echo: {query}"
        message = Message(new_id(), app.id, user, conversation.id, query, inputs, answer, stamp, files)
        self.messages[message.id] = message
        dialogue = sum(1 for m in self.messages.values() if m.conversation_id == conversation.id)
        run = Run(new_id(), new_id(), app.id, app.workflow_id, user, end_user.id, inputs, stamp)
        sys_inputs = {
            **inputs,
            "sys.query": query,
            "sys.files": files,
            "sys.user_id": user,
            "sys.dialogue_count": dialogue,
            "sys.app_id": app.id,
            "sys.workflow_id": app.workflow_id,
            "sys.workflow_run_id": run.id,
        }
        base = {
            "conversation_id": conversation.id,
            "message_id": message.id,
            "created_at": stamp,
            "task_id": run.task_id,
        }
        start_node = _node(run, "start", "start", "Start", inputs, inputs)
        answer_node = _node(run, "answer", "answer", "Answer", {}, {"answer": answer, "files": []})
        events: list[dict[str, Any]] = [
            {"event": "workflow_started", **base, "workflow_run_id": run.id, "data": {
                "id": run.id, "workflow_id": app.workflow_id, "inputs": sys_inputs, "created_at": stamp,
                "reason": "initial"}},
            {"event": "node_started", **base, "workflow_run_id": run.id, "data": start_node[0]},
        ]  # fmt: skip
        for piece, selector in _answer_pieces(query):
            events.append({
                "event": "message", **base, "id": message.id, "answer": piece, "from_variable_selector": selector,
            })  # fmt: skip
        run.status = "succeeded"
        run.outputs = {"answer": answer, "files": []}
        run.finished_at = stamp
        run.elapsed_time = 0.01
        run.total_steps = 2
        events += [
            {"event": "node_finished", **base, "workflow_run_id": run.id, "data": start_node[1]},
            {"event": "node_started", **base, "workflow_run_id": run.id, "data": answer_node[0]},
            {"event": "node_finished", **base, "workflow_run_id": run.id, "data": answer_node[1]},
            {"event": "message_end", **base, "id": message.id, "metadata": _metadata()},
            {"event": "workflow_finished", **base, "workflow_run_id": run.id, "data": _finished_data(run, user)},
        ]
        run.events = events
        self.runs[run.id] = run
        if mode == "streaming":
            return StreamReply(copy.deepcopy(events), task_id=run.task_id)
        return json_reply(
            {
                "event": "message", "task_id": run.task_id, "id": message.id, "message_id": message.id,
                "conversation_id": conversation.id, "mode": "advanced-chat", "answer": answer,
                "metadata": _metadata(), "created_at": stamp,
            },
            spaced=True,
        )  # fmt: skip

    def stop(self, call: Call) -> Reply:
        self.user_of(call)
        self.stopped_tasks.add(call.params["task_id"])
        return json_reply({"result": "success"})

    def is_stopped(self, task_id: str | None) -> bool:
        return task_id is not None and task_id in self.stopped_tasks

    def _message(self, call: Call) -> Message:
        message = self.messages.get(call.params["message_id"])
        if message is None or message.app_id != self.app(call).id:
            raise ApiError(404, "not_found", "Message Not Exists.")
        return message

    def suggested(self, call: Call) -> Reply:
        self._mode(call, "chat")
        self.user_of(call)
        self._message(call)
        return json_reply({"result": "success", "data": list(_SUGGESTIONS)})

    def feedback(self, call: Call) -> Reply:
        user = self.user_of(call) or ""
        rating = call.body.get("rating")
        if rating not in ("like", "dislike", None):
            raise validation_error(
                "MessageFeedbackPayload", "rating", "Input should be 'like' or 'dislike'", "literal_error", rating
            )
        message = self._message(call)
        self.feedbacks = [f for f in self.feedbacks if f["message_id"] != message.id]
        if rating is None:
            message.feedback = None
            return json_reply({"result": "success"})
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        item = {
            "id": new_id(), "app_id": message.app_id, "conversation_id": message.conversation_id,
            "message_id": message.id, "rating": rating, "content": call.body.get("content"), "from_source": "user",
            "from_end_user_id": self.shared.end_user(message.app_id, user).id, "from_account_id": None,
            "created_at": stamp, "updated_at": stamp,
        }  # fmt: skip
        self.feedbacks.append(item)
        message.feedback = {"rating": rating}
        return json_reply({"result": "success"})

    def app_feedbacks(self, call: Call) -> Reply:
        app = self.app(call)
        page = call.q_int("page", 1, high=10_000)
        limit = call.q_int("limit", 20, high=101)
        items = [f for f in reversed(self.feedbacks) if f["app_id"] == app.id]
        return json_reply({"data": items[(page - 1) * limit : page * limit]})

    def _conversation(self, call: Call, user: str | None) -> Conversation:
        conversation = self.conversations.get(call.params["conversation_id"])
        if conversation is None or conversation.app_id != self.app(call).id or conversation.user != user:
            raise ApiError(404, "not_found", "Conversation Not Exists.")
        return conversation

    @staticmethod
    def _conversation_json(c: Conversation) -> dict[str, Any]:
        return {
            "id": c.id, "name": c.name, "inputs": c.inputs, "status": "normal", "introduction": "",
            "created_at": c.created_at, "updated_at": c.updated_at,
        }  # fmt: skip

    def list_conversations(self, call: Call) -> Reply:
        app = self._mode(call, "chat")
        user = self.user_of(call, required=False)
        limit = call.q_int("limit", 20)
        sort_by = call.q("sort_by", "-updated_at") or "-updated_at"
        key = sort_by.lstrip("-")
        if key not in ("created_at", "updated_at"):
            raise ApiError(
                400, "invalid_param", "sort_by must be one of created_at, -created_at, updated_at, -updated_at"
            )
        items = [c for c in self.conversations.values() if c.app_id == app.id and c.user == user]
        seq = key.replace("_at", "_seq")
        items.sort(key=lambda c: (getattr(c, key), getattr(c, seq)), reverse=sort_by.startswith("-"))
        last_id = call.q("last_id")
        if last_id:
            ids = [c.id for c in items]
            if last_id not in ids:
                raise ApiError(404, "not_found", "Last Conversation Not Exists.")
            items = items[ids.index(last_id) + 1 :]
        page = items[:limit]
        return json_reply(
            {"limit": limit, "has_more": len(items) > limit, "data": [self._conversation_json(c) for c in page]}
        )

    def history(self, call: Call) -> Reply:
        self._mode(call, "chat")
        user = self.user_of(call, required=False)
        conversation_id = call.q("conversation_id")
        if not conversation_id:
            raise field_required("MessageListQuery", "conversation_id", {})
        call.params["conversation_id"] = conversation_id
        conversation = self._conversation(call, user)
        limit = call.q_int("limit", 20)
        items = [m for m in self.messages.values() if m.conversation_id == conversation.id]
        first_id = call.q("first_id")
        if first_id:
            ids = [m.id for m in items]
            if first_id not in ids:
                raise ApiError(404, "not_found", "First Message Not Exists.")
            items = items[: ids.index(first_id)]
        page = items[-limit:]
        data = [
            {
                "id": m.id, "conversation_id": m.conversation_id,
                "parent_message_id": "00000000-0000-0000-0000-000000000000", "inputs": m.inputs, "query": m.query,
                "answer": m.answer, "feedback": m.feedback, "retriever_resources": [], "created_at": m.created_at,
                "agent_thoughts": [], "message_files": [_message_file(f) for f in m.files], "status": "normal",
                "error": None, "extra_contents": [],
            }
            for m in page
        ]  # fmt: skip
        return json_reply({"limit": limit, "has_more": len(items) > limit, "data": data})

    def variables(self, call: Call) -> Reply:
        self._mode(call, "chat")
        conversation = self._conversation(call, self.user_of(call))
        limit = call.q_int("limit", 20)
        items = conversation.variables
        name = call.q("variable_name")
        if name:
            items = [v for v in items if v["name"] == name]
        last_id = call.q("last_id")
        if last_id:
            ids = [v["id"] for v in items]
            items = items[ids.index(last_id) + 1 :] if last_id in ids else []
        return json_reply({"limit": limit, "has_more": len(items) > limit, "data": items[:limit]})

    def rename(self, call: Call) -> Reply:
        self._mode(call, "chat")
        conversation = self._conversation(call, self.user_of(call))
        if call.body.get("auto_generate"):
            first = next((m for m in self.messages.values() if m.conversation_id == conversation.id), None)
            conversation.name = (first.query if first else conversation.name)[:40]
        else:
            name = call.body.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ApiError(400, "invalid_param", "name is required when auto_generate is false")
            conversation.name = name
        conversation.updated_at = now()
        conversation.updated_seq = next(_SEQ)
        return json_reply(self._conversation_json(conversation))

    def update_variable(self, call: Call) -> Reply:
        self._mode(call, "chat")
        conversation = self._conversation(call, self.user_of(call))
        if "value" not in call.body:
            raise field_required("ConversationVariableUpdatePayload", "value", call.body)
        for variable in conversation.variables:
            if variable["id"] == call.params["variable_id"]:
                value = call.body["value"]
                if variable["value_type"] == "string" and not isinstance(value, str):
                    raise ApiError(
                        400, "invalid_param", f"Type mismatch: variable expects string, got {type(value).__name__}"
                    )
                variable["value"] = value
                variable["updated_at"] = now()
                return json_reply(variable)
        raise ApiError(404, "not_found", "Conversation Variable Not Exists.")

    def delete_conversation(self, call: Call) -> Reply:
        self._mode(call, "chat")
        conversation = self._conversation(call, self.user_of(call))
        del self.conversations[conversation.id]
        for message_id in [m.id for m in self.messages.values() if m.conversation_id == conversation.id]:
            del self.messages[message_id]
        return Reply(204)

    # ---- completion -----------------------------------------------------------------------------------------

    def completion(self, call: Call) -> Reply | StreamReply:
        app = self._mode(call, "completion")
        user = self.user_of(call) or ""
        inputs, mode = self._payload(call, "CompletionRequestPayload", query=False)
        query = self._check_text(inputs, "query", 1000, required=True)
        files = self._use_files(call)
        self.shared.end_user(app.id, user)
        stamp = now()
        answer = f"Echo: {query}"
        message = Message(new_id(), app.id, user, None, query, inputs, answer, stamp, files)
        self.messages[message.id] = message
        task_id = new_id()
        if mode == "streaming":
            base = {"task_id": task_id, "message_id": message.id, "created_at": stamp}
            events: list[dict[str, Any]] = [
                {"event": "message", **base, "id": message.id, "answer": piece} for piece, _ in _answer_pieces(query)
            ]
            events.append({"event": "message_end", **base, "id": message.id, "metadata": _metadata(), "files": None})
            return StreamReply(events, task_id=task_id)
        return json_reply(
            {
                "event": "message", "task_id": task_id, "id": message.id, "message_id": message.id,
                "mode": "completion", "answer": answer, "metadata": _metadata(), "created_at": stamp,
            },
            spaced=True,
        )  # fmt: skip

    # ---- workflow ---------------------------------------------------------------------------------------------

    def run_workflow(self, call: Call) -> Reply | StreamReply:
        app = self._mode(call, "workflow")
        if "workflow_id" in call.params and call.params["workflow_id"] != app.workflow_id:
            raise ApiError(404, "not_found", "Workflow not found with id: " + call.params["workflow_id"])
        user = self.user_of(call) or ""
        inputs, mode = self._payload(call, "WorkflowRunPayload", query=False)
        text = self._check_text(inputs, "text", 256, required=True)
        files = self._use_files(call)
        end_user = self.shared.end_user(app.id, user)
        stamp = now()
        run = Run(new_id(), new_id(), app.id, app.workflow_id, user, end_user.id, inputs, stamp)
        self.runs[run.id] = run
        base = {"workflow_run_id": run.id, "task_id": run.task_id}
        sys_inputs = {
            **inputs, "sys.files": files, "sys.user_id": user, "sys.app_id": app.id,
            "sys.workflow_id": app.workflow_id, "sys.workflow_run_id": run.id,
        }  # fmt: skip
        start = _node(run, "start", "start", "Start", inputs, inputs)
        events: list[dict[str, Any]] = [
            {"event": "workflow_started", **base, "data": {
                "id": run.id, "workflow_id": app.workflow_id, "inputs": sys_inputs, "created_at": stamp,
                "reason": "initial"}},
            {"event": "node_started", **base, "data": start[0]},
        ]  # fmt: skip
        pause = self.shared.settings.pause_workflows or bool(inputs.get("needs_approval"))
        if pause:
            events.append({"event": "node_finished", **base, "data": start[1]})
            form = Form(new_id(), new_id(), run.id, app.id, time.time() + self.shared.settings.form_ttl_seconds)
            self.forms[form.token] = form
            run.form_token = form.token
            approval = _node(run, "approval", "human-input", "Approval", {}, {})
            events.append({"event": "node_started", **base, "data": approval[0]})
            events.append({"event": "human_input_required", **base, "data": {
                **_form_definition(text, form), "form_id": form.id, "node_id": "approval", "node_title": "Approval",
                "display_in_ui": True, "form_token": form.token,
            }})  # fmt: skip
            run.status = "paused"
            run.total_steps = 2
            events.append({"event": "workflow_paused", **base, "data": {
                "workflow_run_id": run.id, "paused_nodes": ["approval"], "outputs": {},
                "reasons": [{"type": "human_input_required", "form_id": form.id, "node_id": "approval"}],
                "status": "paused", "created_at": stamp, "elapsed_time": 0.01, "total_tokens": 0, "total_steps": 2,
            }})  # fmt: skip
            run.events = events
            if mode == "streaming":
                return StreamReply(copy.deepcopy(events), task_id=run.task_id)
            return json_reply(
                {"task_id": run.task_id, "workflow_run_id": run.id, "data": _blocking_data(run)}, spaced=True
            )
        events.append(
            {"event": "text_chunk", **base, "data": {"text": text, "from_variable_selector": ["start", "text"]}}
        )
        events.append({"event": "node_finished", **base, "data": start[1]})
        events += self._finish(run, base, text, steps=2)
        run.events = events
        if mode == "streaming":
            return StreamReply(copy.deepcopy(events), task_id=run.task_id)
        return json_reply({"task_id": run.task_id, "workflow_run_id": run.id, "data": _blocking_data(run)}, spaced=True)

    def _finish(self, run: Run, base: dict[str, Any], text: str, *, steps: int) -> list[dict[str, Any]]:
        end = _node(run, "end", "end", "End", {"text": text}, {"text": text})
        run.status = "succeeded"
        run.outputs = {"text": text}
        run.finished_at = now()
        run.elapsed_time = round(0.01 * steps, 6)
        run.total_steps = steps
        return [
            {"event": "node_started", **base, "data": end[0]},
            {"event": "node_finished", **base, "data": end[1]},
            {"event": "workflow_finished", **base, "data": _finished_data(run, run.user)},
        ]

    def _run(self, call: Call) -> Run:
        run = self.runs.get(call.params["workflow_run_id"])
        if run is None or run.app_id != self.app(call).id:
            raise ApiError(404, "not_found", "Workflow run not found.")
        return run

    def get_run(self, call: Call) -> Reply:
        run = self._run(call)
        sys_inputs = {
            **run.inputs, "sys.files": [], "sys.user_id": run.user, "sys.app_id": run.app_id,
            "sys.timestamp": run.created_at, "sys.workflow_id": run.workflow_id, "sys.workflow_run_id": run.id,
        }  # fmt: skip
        return json_reply({
            "id": run.id, "workflow_id": run.workflow_id, "status": run.status, "inputs": json.dumps(sys_inputs),
            "outputs": run.outputs, "error": None, "total_steps": run.total_steps, "total_tokens": 0,
            "created_at": run.created_at, "finished_at": run.finished_at, "elapsed_time": run.elapsed_time,
        })  # fmt: skip

    def logs(self, call: Call) -> Reply:
        app = self._mode(call, "workflow")
        page = call.q_int("page", 1, high=99_999)
        limit = call.q_int("limit", 20)
        status = call.q("status")
        keyword = call.q("keyword")
        runs = [r for r in reversed(list(self.runs.values())) if r.app_id == app.id]
        if status:
            runs = [r for r in runs if r.status == status]
        if keyword:
            runs = [r for r in runs if keyword in json.dumps(r.inputs) or keyword in json.dumps(r.outputs)]
        chunk = runs[(page - 1) * limit : page * limit]
        data = [
            {
                "id": "log-" + r.id,
                "workflow_run": {
                    "id": r.id, "version": "2026-01-01 00:00:00.000000", "status": r.status, "triggered_from": "app-run",
                    "error": None, "elapsed_time": r.elapsed_time, "total_tokens": 0, "total_steps": r.total_steps,
                    "created_at": r.created_at, "finished_at": r.finished_at, "exceptions_count": 0,
                },
                "details": None, "created_from": "service-api", "created_by_role": "end_user",
                "created_by_account": None,
                "created_by_end_user": {
                    "id": r.end_user_id, "type": "service-api", "is_anonymous": False, "session_id": r.user,
                },
                "created_at": r.created_at,
            }
            for r in chunk
        ]  # fmt: skip
        return json_reply(
            {"page": page, "limit": limit, "total": len(runs), "has_more": page * limit < len(runs), "data": data}
        )

    def events(self, call: Call) -> Reply | StreamReply:
        self.user_of(call)
        run = self.runs.get(call.params["workflow_run_id"])
        if run is None or run.app_id != self.app(call).id:
            raise ApiError(404, "not_found", "Workflow run not found")
        headers = {"Cache-Control": "no-cache", "Connection": "keep-alive"}
        if run.status == "paused":
            tail = [e for e in run.events if e["event"] in ("human_input_required", "workflow_paused")]
            return StreamReply(copy.deepcopy(tail), ping=False, headers=headers)
        if run.resumed_events is not None:
            return StreamReply(copy.deepcopy(run.resumed_events), ping=False, headers=headers)
        finished = [e for e in run.events if e["event"] == "workflow_finished"]
        return StreamReply(copy.deepcopy(finished), ping=False, headers=headers)

    def _form(self, call: Call) -> Form:
        form = self.forms.get(call.params["form_token"])
        if form is None or form.app_id != self.app(call).id:
            raise ApiError(404, "not_found", "Form not found")
        if form.submitted:
            raise ApiError(
                412, "human_input_form_submitted",
                f"This form has already been submitted by another user, form_id={form.id}",
            )  # fmt: skip
        if time.time() >= form.expires_at:
            raise ApiError(412, "human_input_form_expired", f"This form has expired, form_id={form.id}")
        return form

    def expire_forms(self) -> None:
        for form in self.forms.values():
            form.expires_at = 0.0

    def get_form(self, call: Call) -> Reply:
        form = self._form(call)
        run = self.runs[form.run_id]
        definition = _form_definition(str(run.inputs.get("text", "")), form)
        return json_reply(definition)

    def submit_form(self, call: Call) -> Reply:
        form = self._form(call)
        user = self.user_of(call) or ""
        if "inputs" not in call.body or "action" not in call.body:
            missing = "inputs" if "inputs" not in call.body else "action"
            raise field_required("HumanInputFormSubmitPayload", missing, call.body)
        action = call.body["action"]
        actions = {"approve": "Approve", "reject": "Reject"}
        if action not in actions:
            raise ApiError(400, "invalid_form_data", f"Invalid action: {action}")
        inputs = call.body["inputs"] if isinstance(call.body["inputs"], dict) else {}
        run = self.runs[form.run_id]
        form.submitted = True
        comment = str(inputs.get("comment", ""))
        base = {"workflow_run_id": run.id, "task_id": run.task_id}
        approval = _node(run, "approval", "human-input", "Approval", {}, {"action": action, "comment": comment})
        text = str(run.inputs.get("text", ""))
        result = text if action == "approve" else f"Rejected: {text}"
        events: list[dict[str, Any]] = [
            {"event": "human_input_form_filled", **base, "data": {
                "node_id": "approval", "node_title": "Approval", "rendered_content": f"Approve this text? {text}",
                "action_id": action, "action_text": actions[action], "submitted_data": inputs,
            }},
            {"event": "node_finished", **base, "data": approval[1]},
            {"event": "text_chunk", **base, "data": {"text": result, "from_variable_selector": ["end", "text"]}},
        ]  # fmt: skip
        events += self._finish(run, base, result, steps=4)
        run.events += events
        run.resumed_events = events
        del user
        return json_reply({})

    # ---- files, audio, app info ---------------------------------------------------------------------------------

    def upload(self, call: Call) -> Reply:
        app = self.app(call)
        upload = self.shared.take_upload(call)
        user = self.user_of(call, required=False) or "anonymous"
        stored = self.shared.store_file(upload, self.shared.end_user(app.id, user).id)
        return json_reply(self.shared.file_json(stored), 201)

    def preview(self, call: Call) -> Reply:
        stored = self.shared.files.get(call.params["file_id"])
        if stored is None or not stored.used:
            raise ApiError(404, "file_not_found", "File not found in message context")
        headers = {"Cache-Control": "public, max-age=3600"}
        if call.q_bool("as_attachment"):
            headers["Content-Disposition"] = content_disposition(stored.name)
            return Reply(200, stored.content, "application/octet-stream", headers)
        mime = stored.mime_type + ("; charset=utf-8" if stored.mime_type.startswith("text/") else "")
        return Reply(200, stored.content, mime, headers)

    def get_end_user(self, call: Call) -> Reply:
        end_user = self.shared.end_user_by_id(call.params["end_user_id"])
        if end_user is None or end_user.app_id != self.app(call).id:
            raise ApiError(404, "end_user_not_found", "End user not found.")
        return json_reply({
            "id": end_user.id, "tenant_id": TENANT_ID, "app_id": end_user.app_id, "type": "service-api",
            "external_user_id": end_user.user, "name": None, "is_anonymous": False, "session_id": end_user.user,
            "created_at": end_user.created_at, "updated_at": end_user.created_at,
        })  # fmt: skip

    def audio_to_text(self, call: Call) -> Reply:
        uploads = call.files.get("file") or []
        if not uploads:
            raise ApiError(400, "no_audio_uploaded", "Please upload your audio.")
        audio = uploads[0]
        if not (audio.content_type.startswith("audio/") or audio.content_type.startswith("video/")) and not re.search(
            r"\.(mp3|mp4|mpeg|mpga|m4a|wav|webm|amr)$", audio.filename
        ):
            raise ApiError(415, "unsupported_audio_type", "Audio type not allowed.")
        return json_reply({"text": f"Transcript of {audio.filename} ({len(audio.content)} bytes)."})

    def text_to_audio(self, call: Call) -> Reply:
        self.user_of(call, required=False)
        if not self.shared.settings.tts_enabled:
            raise ApiError(400, "invalid_param", "TTS is not enabled")
        text = call.body.get("text")
        if not text:
            message_id = call.body.get("message_id")
            message = self.messages.get(str(message_id)) if message_id else None
            text = message.answer if message else None
        if not text:
            raise ApiError(400, "invalid_param", "Text is required")
        return Reply(200, fake_mp3(str(text)), "audio/mpeg")

    def info(self, call: Call) -> Reply:
        app = self.app(call)
        return json_reply({
            "name": app.name, "description": f"{app.mode} test app", "tags": [], "mode": app.mode,
            "author_name": "admin",
        })  # fmt: skip

    def parameters(self, call: Call) -> Reply:
        app = self.app(call)
        form = {
            "chat": [{"text-input": {"variable": "name", "label": "name", "type": "text-input", "required": False,
                                     "max_length": 48, "options": []}}],
            "completion": [{"paragraph": {"variable": "query", "label": "query", "type": "paragraph",
                                          "required": True, "max_length": 1000, "options": []}}],
            "workflow": [{"text-input": {"variable": "text", "label": "text", "type": "text-input", "required": True,
                                         "max_length": 256, "options": []}}],
        }[app.kind]  # fmt: skip
        tts = self.shared.settings.tts_enabled
        return json_reply({
            "opening_statement": "" if app.kind == "chat" else None,
            "suggested_questions": [],
            "suggested_questions_after_answer": {"enabled": app.kind == "chat"},
            "speech_to_text": {"enabled": True},
            "text_to_speech": {"enabled": tts, "voice": "alloy" if tts else "", "language": "en-US" if tts else ""},
            "retriever_resource": {"enabled": app.kind == "chat"},
            "annotation_reply": {"enabled": False},
            "more_like_this": {"enabled": False},
            "user_input_form": form,
            "sensitive_word_avoidance": {"enabled": False},
            "file_upload": {
                "enabled": True, "allowed_file_types": ["document", "image"], "allowed_file_extensions": [],
                "allowed_file_upload_methods": ["local_file", "remote_url"], "number_limits": 3,
                "fileUploadConfig": {},
            },
            "system_parameters": dict(_SYSTEM_PARAMETERS),
        })  # fmt: skip

    def meta(self, call: Call) -> Reply:
        return json_reply({"tool_icons": {}})

    def site(self, call: Call) -> Reply:
        app = self.app(call)
        return json_reply({
            "title": app.name, "chat_color_theme": None, "chat_color_theme_inverted": False, "icon_type": "emoji",
            "icon": "\U0001f916", "icon_background": "#FFEAD5", "description": None, "copyright": None,
            "privacy_policy": None, "custom_disclaimer": "", "default_language": "en-US",
            "show_workflow_steps": True, "use_icon_as_answer_icon": False, "icon_url": None,
        })  # fmt: skip

    # ---- annotations ------------------------------------------------------------------------------------------

    def create_annotation(self, call: Call) -> Reply:
        app = self.app(call)
        for name in ("question", "answer"):
            if not isinstance(call.body.get(name), str):
                raise field_required("AnnotationCreatePayload", name, call.body)
        annotation_id = new_id()
        item: dict[str, Any] = {
            "id": annotation_id, "question": call.body["question"], "answer": call.body["answer"], "hit_count": 0,
            "created_at": now(),
        }  # fmt: skip
        self.annotations[annotation_id] = {**item, "_app": app.id}
        return json_reply(item, 201)

    def list_annotations(self, call: Call) -> Reply:
        app = self.app(call)
        page = call.q_int("page", 1, high=99_999)
        limit = call.q_int("limit", 20)
        keyword = (call.q("keyword") or "").lower()
        items = [
            _public(a) for a in reversed(list(self.annotations.values()))
            if a["_app"] == app.id and (keyword in a["question"].lower() or keyword in a["answer"].lower())
        ]  # fmt: skip
        return json_reply({
            "data": items[(page - 1) * limit : page * limit], "has_more": page * limit < len(items), "limit": limit,
            "total": len(items), "page": page,
        })  # fmt: skip

    def _annotation(self, call: Call) -> dict[str, Any]:
        item = self.annotations.get(call.params["annotation_id"])
        if item is None or item["_app"] != self.app(call).id:
            raise ApiError(404, "not_found", "Annotation not found.")
        return item

    def update_annotation(self, call: Call) -> Reply:
        item = self._annotation(call)
        for name in ("question", "answer"):
            if isinstance(call.body.get(name), str):
                item[name] = call.body[name]
        return json_reply(_public(item))

    def delete_annotation(self, call: Call) -> Reply:
        item = self._annotation(call)
        del self.annotations[item["id"]]
        return Reply(204)

    def annotation_reply(self, call: Call) -> Reply:
        if call.params["action"] not in ("enable", "disable"):
            raise ApiError(400, "invalid_param", "action must be enable or disable")
        job_id = new_id()
        self.jobs[job_id] = time.monotonic()
        return json_reply({"job_id": job_id, "job_status": "waiting"})

    def annotation_reply_status(self, call: Call) -> Reply:
        started = self.jobs.get(call.params["job_id"])
        if started is None:
            raise ApiError(400, "invalid_param", "The job does not exist.")
        done = time.monotonic() - started >= self.shared.settings.indexing_seconds
        return json_reply(
            {"job_id": call.params["job_id"], "job_status": "completed" if done else "waiting", "error_msg": ""}
        )


# ---- event and shape helpers --------------------------------------------------------------------------------------


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _answer_pieces(query: str) -> list[tuple[str, list[str]]]:
    """``Echo: `` then the query in word-sized pieces (several ``message`` chunks)."""
    pieces: list[tuple[str, list[str]]] = [("Echo: ", ["answer", "answer"])]
    words = re.findall(r"\S+\s*", query) or [query]
    pieces += [(word, ["sys", "query"]) for word in words]
    return pieces


def _metadata() -> dict[str, Any]:
    return {"annotation_reply": None, "retriever_resources": [], "usage": dict(USAGE)}


def _message_file(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item.get("upload_file_id") or new_id(), "filename": "file", "type": item.get("type", "document"),
        "url": item.get("url"), "mime_type": None, "size": None, "transfer_method": item.get("transfer_method"),
        "belongs_to": "user", "upload_file_id": item.get("upload_file_id"),
    }  # fmt: skip


def _node(
    run: Run, node_id: str, node_type: str, title: str, inputs: dict[str, Any], outputs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``node_started`` and ``node_finished`` data of one node execution."""
    execution = new_id()
    stamp = now()
    started = {
        "id": execution, "node_id": node_id, "node_type": node_type, "title": title, "index": 1,
        "predecessor_node_id": None, "inputs": None, "inputs_truncated": False, "created_at": stamp, "extras": {},
        "iteration_id": None, "loop_id": None, "agent_strategy": None,
    }  # fmt: skip
    finished = {
        "id": execution, "node_id": node_id, "node_type": node_type, "title": title, "index": 1,
        "predecessor_node_id": None, "inputs": inputs, "inputs_truncated": False, "process_data": {},
        "process_data_truncated": False, "outputs": outputs, "outputs_truncated": False, "status": "succeeded",
        "error": None, "elapsed_time": 0.0003, "execution_metadata": None, "created_at": stamp, "finished_at": stamp,
        "files": [], "iteration_id": None, "loop_id": None,
    }  # fmt: skip
    del run
    return started, finished


def _finished_data(run: Run, user: str) -> dict[str, Any]:
    return {
        "id": run.id, "workflow_id": run.workflow_id, "status": run.status, "outputs": run.outputs, "error": None,
        "elapsed_time": run.elapsed_time, "total_tokens": 0, "total_steps": run.total_steps,
        "created_by": {"id": run.end_user_id, "user": user}, "created_at": run.created_at,
        "finished_at": run.finished_at, "exceptions_count": 0, "files": [],
    }  # fmt: skip


def _blocking_data(run: Run) -> dict[str, Any]:
    return {
        "id": run.id, "workflow_id": run.workflow_id, "status": run.status, "outputs": run.outputs, "error": None,
        "elapsed_time": run.elapsed_time, "total_tokens": 0, "total_steps": run.total_steps,
        "created_at": run.created_at, "finished_at": run.finished_at,
    }  # fmt: skip


def _form_definition(text: str, form: Form) -> dict[str, Any]:
    return {
        "form_content": f"Approve this text? {text}\n\n{{{{#$output.comment#}}}}",
        "inputs": [{"type": "paragraph", "output_variable_name": "comment", "default": None}],
        "resolved_default_values": {},
        "user_actions": [
            {"id": "approve", "title": "Approve", "button_style": "primary"},
            {"id": "reject", "title": "Reject", "button_style": "default"},
        ],
        "actions": [
            {"id": "approve", "title": "Approve", "button_style": "primary"},
            {"id": "reject", "title": "Reject", "button_style": "default"},
        ],
        "expiration_time": int(form.expires_at),
    }


def fake_mp3(text: str) -> bytes:
    """A few bytes that start like an MP3 file (an ID3 header); not playable audio."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + text.encode()[:200]
