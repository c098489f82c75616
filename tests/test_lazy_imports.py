"""``import dify_oapi`` imports only what it needs: the rest of the SDK (and asyncio) on first use. Checked in a fresh
interpreter through ``sys.modules`` (no timing); every exported name still resolves, for type checkers too."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import dify_oapi
import dify_oapi.core


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``code``."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_of_the_client_loads_no_core_no_asyncio_no_services() -> None:
    loaded = loaded_after("from dify_oapi import Client")
    ours = {m for m in loaded if m.startswith("dify_oapi")}
    assert ours == {"dify_oapi", "dify_oapi.client"}
    assert "asyncio" not in loaded


def test_first_chat_resource_loads_no_other_service() -> None:
    loaded = loaded_after(
        "from dify_oapi import Client\nClient(api_key='k', base_url='http://127.0.0.1:9/v1').chat.v1.message"
    )
    assert "dify_oapi.api.chat.v1.resource.message" in loaded
    for other in ("completion", "knowledge_base", "dify.v1.resource", "workflow", "chat.v1.resource.conversation"):
        assert not any(m.startswith(f"dify_oapi.api.{other}") for m in loaded), other


def test_a_chat_stream_imports_the_workflow_events_when_it_parses() -> None:
    from dify_oapi.api.chat.v1.model import event
    from dify_oapi.api.chat.v1.resource.message import STREAM
    from dify_oapi.api.workflow.v1.model.event import WorkflowFinishedEvent

    assert STREAM.parse_type is event.ChatEvent
    assert WorkflowFinishedEvent in event.CHAT_EVENT_MODELS
    parsed = STREAM.event_parser()('{"event": "workflow_finished", "workflow_run_id": "r", "data": {"id": "r"}}')
    assert type(parsed) is WorkflowFinishedEvent


def test_every_exported_name_resolves() -> None:
    for module in (dify_oapi, dify_oapi.core):
        for name in module.__all__:
            assert getattr(module, name) is not None
        assert set(module.__all__) <= set(dir(module))
    assert dify_oapi.Client.builder().api_key("k").base_url("http://127.0.0.1:9/v1").build().base_url.endswith("/v1")
    assert dify_oapi.ClientBuilder is dify_oapi.client.ClientBuilder
    namespace: dict[str, object] = {}
    exec("from dify_oapi import *", namespace)
    assert set(dify_oapi.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    modules = ((dify_oapi, "NoSuchName"), (dify_oapi, "NoSuchError"), (dify_oapi.core, "NoSuchName"))
    for module, name in (*modules, (dify_oapi.client, "NoSuchName")):
        with pytest.raises(AttributeError, match=name):
            getattr(module, name)
