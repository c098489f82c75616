"""A key the server echoes inside a successful answer (an indexing status's ``error``, any string field, extra fields
too) is scrubbed after parsing: it never shows in the answer, its ``raw_body``, nor in the IndexingError built from
it."""

from __future__ import annotations

import json
import pickle
import traceback
from typing import Any

import httpx
import pytest

from dify_oapi import RequestOption
from dify_oapi.api.knowledge_base.v1.indexing import IndexingError
from dify_oapi.api.knowledge_base.v1.model.document import GetIndexingStatusRequest
from tests.support import APP_KEY, DATASET_KEY, MODES, Recorder, call, collect, make_client

PER_CALL = "dataset-PER-CALL-echoed-4242"
KEYS = (APP_KEY, DATASET_KEY, PER_CALL)


def status_body(error: str, **extra: Any) -> dict[str, Any]:
    document = {
        "id": "doc-1", "indexing_status": "error", "error": error, "completed_segments": 0, "total_segments": 3,
        **extra,
    }  # fmt: skip
    return {"data": [document]}


def echoing(body: Any = None, *, raw: bytes | None = None) -> Any:
    """Answers with the key the request carried inside the body (where ``KEY`` stands)."""

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        content = raw if raw is not None else json.dumps(body).encode()
        return httpx.Response(
            200, headers={"content-type": "application/json"}, content=content.replace(b"KEY", key.encode())
        )

    return handler


def texts_of(value: Any) -> list[str]:
    out = [str(value), repr(value), repr(pickle.dumps(value))]
    if isinstance(value, BaseException):
        out.append("".join(traceback.format_exception(value)))
    return out


def assert_no_key(*texts: str) -> None:
    for text in texts:
        for key in KEYS:
            assert key not in text, text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("per_call", [False, True])
async def test_a_key_echoed_in_the_indexing_error_never_reaches_indexing_error(mode: str, per_call: bool) -> None:
    rec = Recorder(default=echoing(status_body("embedding failed: invalid api key KEY (check Authorization)")))
    client = make_client(rec)
    option = RequestOption.builder().api_key(PER_CALL).build() if per_call else None
    document = client.knowledge_base.v1.document
    if mode == "sync":
        with pytest.raises(IndexingError) as info:
            document.wait_for_indexing("ds-1", "batch-1", option=option, sleep=lambda s: None)
    else:
        with pytest.raises(IndexingError) as info:
            await document.await_for_indexing("ds-1", "batch-1", option=option)
    err = info.value
    assert (
        err.status is not None and err.failed[0].error == "embedding failed: invalid api key *** (check Authorization)"
    )
    assert "***" in str(err)
    raw = err.status.raw_body
    assert raw is not None and b"***" in raw
    assert_no_key(*texts_of(err), err.status.model_dump_json(), raw.decode(), repr(err.status), repr(err.failed))


@pytest.mark.parametrize("mode", MODES)
async def test_every_string_of_an_answer_is_scrubbed_extra_fields_and_escaped_spellings_too(mode: str) -> None:
    # The key spelt with JSON escapes (\u0064 for "d", \/ in place of nothing): the parsed string still is the key.
    escaped = DATASET_KEY.replace("d", "\\u0064", 1)
    assert escaped != DATASET_KEY
    body = status_body("bad key " + escaped, note={"detail": ["key KEY"]}, KEY="as a name")
    raw = json.dumps(body).encode().replace(b"\\\\u0064", b"\\u0064")
    rec = Recorder(default=echoing(raw=raw))
    client = make_client(rec)
    request = GetIndexingStatusRequest.builder().dataset_id("ds-1").batch("b").build()
    answer = await call(mode, client.knowledge_base.v1.document, "get_indexing_status", request)
    doc = answer.data[0]
    assert doc.error == "bad key ***"
    assert doc.model_extra == {"note": {"detail": ["key ***"]}, "***": "as a name"}
    assert doc.indexing_status == "error" and doc.total_segments == 3  # the rest kept as parsed
    assert_no_key(answer.model_dump_json(), repr(answer), (answer.raw_body or b"").decode())


@pytest.mark.parametrize("mode", MODES)
async def test_an_answer_without_a_key_is_kept_as_it_came(mode: str) -> None:
    body = status_body("no key here: caf\u00e9")
    rec = Recorder(default=echoing(body))
    client = make_client(rec)
    request = GetIndexingStatusRequest.builder().dataset_id("ds-1").batch("b").build()
    answer = await call(mode, client.knowledge_base.v1.document, "get_indexing_status", request)
    assert answer.data[0].error == "no key here: caf\u00e9"
    assert answer.raw_body == json.dumps(body).encode()


@pytest.mark.parametrize("mode", MODES)
async def test_raw_requests_are_scrubbed_too(mode: str) -> None:
    rec = Recorder(default=echoing({"echo": "KEY", "list": ["KEY", 1, None, True]}))
    client = make_client(rec)
    answer = await call(mode, client, "request", "GET", "/info")
    assert answer == {"echo": "***", "list": ["***", 1, None, True]}


@pytest.mark.parametrize("mode", MODES)
async def test_a_key_echoed_in_a_stream_event_is_scrubbed(mode: str) -> None:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    events = [
        {"event": "message", "message_id": "m", "conversation_id": "c", "answer": "your key is KEY"},
        {"event": "message_end", "message_id": "m", "conversation_id": "c", "metadata": {"note": "KEY"}},
    ]
    raw = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)

    def handler(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ").encode()
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw.replace(b"KEY", key))

    client = make_client(Recorder(default=handler))
    request = ChatMessageRequest.builder().query("q").user("u").build()
    if mode == "sync":
        got = list(client.chat.v1.message.stream(request))
    else:
        async with client.chat.v1.message.astream(request) as stream:
            got = [e async for e in stream]
    assert [getattr(e, "answer", None) for e in got][:1] == ["your key is ***"]
    assert_no_key(*(repr(e) for e in got), *(e.model_dump_json() for e in got))


ODD_KEY = 'app-TEST/odd"key\\0123'
"""A key with each character JSON may escape (``/``, ``"``, a backslash): still a valid key (printable ASCII)."""
SPELLINGS = {
    "minimal escapes": json.dumps(ODD_KEY)[1:-1],  # \" and \\ (json.dumps leaves / as it is)
    "escaped slash": json.dumps(ODD_KEY)[1:-1].replace("/", "\\/"),
    "letter as \\u00XX": json.dumps(ODD_KEY)[1:-1].replace("T", "\\u0054", 1),
    "every character as \\u00XX": "".join(f"\\u{ord(c):04x}" for c in ODD_KEY),
}


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("mode", MODES)
async def test_a_key_spelt_with_any_json_escape_is_scrubbed_in_answers_and_stream_events(
    mode: str, spelling: str
) -> None:
    from dify_oapi.api.chat.v1.model.chat_message import ChatMessageRequest

    spelt = SPELLINGS[spelling].encode()
    assert json.loads(b'"' + spelt + b'"') == ODD_KEY and ODD_KEY.encode() not in spelt
    events = b'data: {"event": "message", "answer": "x"}\n\ndata: {"event": "message", "answer": "k=KEY"}\n\n'
    body = events.replace(b"KEY", spelt) + b'data: {"event": "message_end", "id": "e"}\n\n'

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/chat-messages"):  # the whole body in one chunk: the stream's fast path
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
        return httpx.Response(
            200, headers={"content-type": "application/json"}, content=b'{"echo": "k=' + spelt + b'"}'
        )

    client = make_client(Recorder(default=handler), api_key=ODD_KEY)
    request = ChatMessageRequest.builder().query("q").user("u").build()
    got = await collect(mode, client.chat.v1.message, "stream", request)
    assert [getattr(e, "answer", None) for e in got] == ["x", "k=***", None]
    answer = await call(mode, client, "request", "GET", "/info")
    assert answer == {"echo": "k=***"}
