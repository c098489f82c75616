"""client.chat.v1.conversation: list (+ pager), messages (+ pager), variables (+ pager), rename, update_variable,
delete; sync and async, replayed from the real server's transcripts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dify_oapi.api.chat.v1.model.conversation import (
    Conversation,
    ConversationList,
    ConversationMessage,
    ConversationVariable,
    ConversationVariableList,
    DeleteConversationRequest,
    ListConversationsRequest,
    ListConversationVariablesRequest,
    ListMessagesRequest,
    MessageList,
    RenameConversationRequest,
    UpdateConversationVariableRequest,
)
from dify_oapi.core.errors import InvalidRequestError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.chat._util import check_sent, run
from tests.support import APP_KEY, DATASET_KEY, Recorder, make_client, transcript, transcript_response

USER = "sdk-fixture-user"
CONV = "fc968351-0433-489f-becd-d04406eebf0e"


def _conversation(rec: Recorder, **options: Any) -> Any:
    return make_client(rec, **options).chat.v1.conversation


# ---- list -------------------------------------------------------------------------------------------------------


async def test_list_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_conversations"))
    req = ListConversationsRequest.builder().user(USER).limit(20).build()
    page = await run(mode, _conversation(recorder), "list", req)
    check_sent(recorder, "GET", "/conversations", query=transcript("cf_conversations")["request"]["query"])
    assert recorder.bodies[-1] == b""
    assert isinstance(page, ConversationList) and page.has_more is False and page.limit == 20
    assert [c.name for c in page.data] == ["Blocking with a file", "With a file", "Stream me", "Hello"]
    first = page.data[0]
    assert isinstance(first, Conversation) and first.id == "83e4076f-3d1f-4892-843d-8e19971a3b8f"
    assert first.inputs == {"name": None} and first.status == "normal" and first.introduction == ""
    assert first.created_at == 1795387548 and first.updated_at == 1795387547


async def test_list_with_every_parameter_and_default_user(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_conversations_no_user"))
    req = ListConversationsRequest.builder().last_id("c-9").limit(5).sort_by("-created_at")
    page = await run(mode, _conversation(recorder, default_user="dflt"), "list", req)
    check_sent(
        recorder,
        "GET",
        "/conversations",
        query={"user": "dflt", "last_id": "c-9", "limit": "5", "sort_by": "-created_at"},
    )
    assert page.data == []


def _conversations_page(ids: list[str], has_more: bool) -> httpx.Response:
    data = [{"id": i, "name": f"n-{i}", "inputs": '{"k": 1}', "created_at": "2026-01-01T00:00:00+00:00"} for i in ids]
    return httpx.Response(200, json={"limit": len(ids), "has_more": has_more, "data": data})


async def test_iter_walks_every_page_by_last_id(mode: str, recorder: Recorder) -> None:
    recorder.answers += [
        _conversations_page(["a", "b"], True),
        _conversations_page(["c", "d"], True),
        _conversations_page(["e"], False),
    ]
    conversation = _conversation(recorder)
    req = ListConversationsRequest.builder().user(USER).limit(2).build()
    if mode == "sync":
        items = list(conversation.iter(req))
    else:
        items = [c async for c in conversation.aiter(req)]
    assert [c.id for c in items] == ["a", "b", "c", "d", "e"]
    assert items[0].inputs == {"k": 1}  # inputs sent as a JSON string
    assert items[0].created_at == 1767225600
    assert [r.url.params.get("last_id") for r in recorder.requests] == [None, "b", "d"]
    assert all(r.url.params["user"] == USER and r.url.params["limit"] == "2" for r in recorder.requests)
    assert len(recorder.requests) == 3


# ---- messages ---------------------------------------------------------------------------------------------------


async def test_messages_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_messages"))
    req = ListMessagesRequest.builder().conversation_id(CONV).user(USER).limit(20).build()
    page = await run(mode, _conversation(recorder), "messages", req)
    check_sent(recorder, "GET", "/messages", query=transcript("cf_messages")["request"]["query"])
    assert isinstance(page, MessageList) and page.has_more is False
    assert [m.query for m in page.data] == ["And again", "Hello"]
    hello = page.data[1]
    assert isinstance(hello, ConversationMessage)
    assert hello.answer == "Echo: Hello (name=Ada)" and hello.inputs == {"name": "Ada"}
    assert hello.feedback is None and hello.error is None and hello.agent_thoughts == []
    assert hello.parent_message_id == "00000000-0000-0000-0000-000000000000"
    assert hello.created_at == 1795387544 and hello.model_extra == {}


async def test_message_fields_of_the_spec(mode: str, recorder: Recorder) -> None:
    item = {
        "id": "m1", "conversation_id": "c1", "inputs": {"city": "SF"}, "query": "q", "answer": "a",
        "message_files": [{"id": "f1", "type": "image", "url": "/f", "belongs_to": "user", "size": 3}],
        "feedback": {"rating": "like"},
        "retriever_resources": [{"position": 1, "dataset_id": "d1", "score": 0.5, "content": "c"}],
        "agent_thoughts": [{"id": "t1", "position": 1, "thought": "hm", "tool": "x", "tool_input": "{}",
                            "created_at": 1705407629, "files": []}],
        "message_tokens": 100, "answer_tokens": 58, "total_tokens": 158, "provider_response_latency": 1.234,
        "total_price": 0.0012825, "currency": "USD", "extra_contents": [], "new_field": True,
    }  # fmt: skip
    recorder.answers.append(httpx.Response(200, json={"limit": 1, "has_more": False, "data": [item]}))
    req = ListMessagesRequest.builder().conversation_id("c1").user("u").build()
    message = (await run(mode, _conversation(recorder), "messages", req)).data[0]
    check_sent(recorder, "GET", "/messages", query={"conversation_id": "c1", "user": "u"})
    assert message.message_files[0].belongs_to == "user" and message.feedback.rating == "like"
    assert message.retriever_resources[0].score == 0.5 and message.agent_thoughts[0].thought == "hm"
    assert message.total_price == "0.0012825"  # a number becomes the documented string
    assert message.model_extra == {"new_field": True}


def _messages_page(ids: list[str], has_more: bool) -> httpx.Response:
    return httpx.Response(200, json={"limit": 2, "has_more": has_more, "data": [{"id": i, "query": i} for i in ids]})


async def test_iter_messages_walks_back_by_first_id(mode: str, recorder: Recorder) -> None:
    # each page is oldest first; the next (older) page is asked for with the id of the page's first message
    recorder.answers += [
        _messages_page(["m5", "m6"], True),
        _messages_page(["m3", "m4"], True),
        _messages_page(["m1"], False),
    ]
    conversation = _conversation(recorder)
    req = ListMessagesRequest.builder().conversation_id(CONV).user(USER).limit(2).build()
    if mode == "sync":
        items = list(conversation.iter_messages(req))
    else:
        items = [m async for m in conversation.aiter_messages(req)]
    assert [m.id for m in items] == ["m5", "m6", "m3", "m4", "m1"]
    assert [r.url.params.get("first_id") for r in recorder.requests] == [None, "m5", "m3"]
    assert all(r.url.params["conversation_id"] == CONV for r in recorder.requests)


@pytest.mark.parametrize(
    ("order", "expected"), [("oldest", ["m1", "m3", "m4", "m5", "m6"]), ("newest", ["m6", "m5", "m4", "m3", "m1"])]
)
async def test_iter_messages_in_reading_order_or_newest_first(
    mode: str, recorder: Recorder, order: str, expected: list[str]
) -> None:
    recorder.answers += [
        _messages_page(["m5", "m6"], True),
        _messages_page(["m3", "m4"], True),
        _messages_page(["m1"], False),
    ]
    conversation = _conversation(recorder)
    req = ListMessagesRequest.builder().conversation_id(CONV).user(USER).limit(2)
    if mode == "sync":
        items = list(conversation.iter_messages(req, order=order))
    else:
        items = [m async for m in conversation.aiter_messages(req, order=order)]
    assert [m.id for m in items] == expected
    assert [r.url.params.get("first_id") for r in recorder.requests] == [None, "m5", "m3"]


async def test_iter_messages_rejects_an_unknown_order(mode: str, recorder: Recorder) -> None:
    conversation = _conversation(recorder)
    req = ListMessagesRequest.builder().conversation_id(CONV).user(USER).build()
    name = "iter_messages" if mode == "sync" else "aiter_messages"
    with pytest.raises(InvalidRequestError, match="order"):
        getattr(conversation, name)(req, order="reading")
    assert recorder.requests == []


async def test_pager_repr_shows_endpoint_cursor_and_pages_never_keys(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_messages_page(["m5", "m6"], True), _messages_page(["m3", "m4"], False)]
    conversation = _conversation(recorder)
    req = ListMessagesRequest.builder().conversation_id(CONV).user(USER).limit(2).build()
    pager = conversation.iter_messages(req) if mode == "sync" else conversation.aiter_messages(req)
    kind = "Pager" if mode == "sync" else "AsyncPager"
    assert repr(pager) == f"{kind}(GET /messages, cursor=first_id, pages_fetched=0)"
    pages = pager.by_page()
    first = next(pages) if mode == "sync" else await pages.__anext__()
    assert [m.id for m in first.data] == ["m5", "m6"]
    assert repr(pager) == f"{kind}(GET /messages, cursor=first_id, pages_fetched=1, next first_id='m5')"
    if mode == "sync":
        list(pages)
    else:
        [p async for p in pages]
    assert repr(pager) == f"{kind}(GET /messages, cursor=first_id, pages_fetched=2, done)"
    for secret in (APP_KEY, DATASET_KEY):
        assert secret not in repr(pager)
    ordered = conversation.iter_messages(req, order="oldest")
    assert repr(ordered).startswith("Pager(GET /messages, cursor=first_id, order=oldest, pages_fetched=0")


# ---- variables --------------------------------------------------------------------------------------------------


async def test_variables_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_conversation_variables"))
    req = ListConversationVariablesRequest.builder().conversation_id(CONV).user(USER).build()
    page = await run(mode, _conversation(recorder), "variables", req)
    check_sent(recorder, "GET", f"/conversations/{CONV}/variables", query={"user": USER})
    assert isinstance(page, ConversationVariableList)
    (topic,) = page.data
    assert isinstance(topic, ConversationVariable)
    assert (topic.name, topic.value_type, topic.value) == ("topic", "string", "none")
    assert topic.description == "fixture conversation variable" and topic.updated_at == 1795387543


async def test_variables_filter_and_paging_parameters(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"limit": 1, "has_more": False, "data": []}))
    req = (
        ListConversationVariablesRequest.builder()
        .conversation_id(CONV)
        .user(USER)
        .variable_name("topic")
        .last_id("v0")
        .limit(1)
        .build()
    )
    await run(mode, _conversation(recorder), "variables", req)
    check_sent(
        recorder,
        "GET",
        f"/conversations/{CONV}/variables",
        query={"user": USER, "variable_name": "topic", "last_id": "v0", "limit": "1"},
    )


async def test_iter_variables(mode: str, recorder: Recorder) -> None:
    def page(ids: list[str], more: bool) -> httpx.Response:
        data = [{"id": i, "name": i, "value_type": "number", "value": 1} for i in ids]
        return httpx.Response(200, json={"has_more": more, "data": data})

    recorder.answers += [page(["v1", "v2"], True), page(["v3"], False)]
    conversation = _conversation(recorder)
    req = ListConversationVariablesRequest.builder().conversation_id(CONV).user(USER).build()
    if mode == "sync":
        items = list(conversation.iter_variables(req))
    else:
        items = [v async for v in conversation.aiter_variables(req)]
    assert [v.id for v in items] == ["v1", "v2", "v3"] and items[0].value == 1
    assert [r.url.params.get("last_id") for r in recorder.requests] == [None, "v2"]


async def test_update_variable_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_conversation_variable_update"))
    var = "91038770-da58-47b6-aa0f-7ba4d154f7ac"
    req = (
        UpdateConversationVariableRequest.builder()
        .conversation_id(CONV)
        .variable_id(var)
        .value("sdk testing")
        .user(USER)
        .build()
    )
    updated = await run(mode, _conversation(recorder), "update_variable", req)
    check_sent(
        recorder,
        "PUT",
        f"/conversations/{CONV}/variables/{var}",
        body=transcript("cf_conversation_variable_update")["request"]["body"],
    )
    assert isinstance(updated, ConversationVariable) and updated.value == "sdk testing" and updated.id == var


async def test_update_variable_sends_any_json_value(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"id": "v", "value": {"a": [1]}}))
    req = UpdateConversationVariableRequest.builder().conversation_id("c").variable_id("v").value({"a": [1]}).user("u")
    updated = await run(mode, _conversation(recorder), "update_variable", req.build())
    check_sent(recorder, "PUT", "/conversations/c/variables/v", body={"value": {"a": [1]}, "user": "u"})
    assert updated.value == {"a": [1]}


# ---- rename, delete ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cf_conversation_rename", "cf_conversation_rename_auto"])
async def test_rename_replay(mode: str, recorder: Recorder, name: str) -> None:
    recorder.answers.append(transcript_response(name))
    sent = transcript(name)["request"]["body"]
    req = RenameConversationRequest.builder().conversation_id(CONV).user(USER)
    if "name" in sent:
        req = req.name(sent["name"])
    else:
        req = req.auto_generate(True)
    renamed = await run(mode, _conversation(recorder), "rename", req.build())
    check_sent(recorder, "POST", f"/conversations/{CONV}/name", body=sent)
    assert isinstance(renamed, Conversation) and renamed.id == CONV and renamed.name == "Renamed chat"


def test_rename_needs_a_name_or_auto_generate() -> None:
    with pytest.raises(InvalidRequestError, match="name"):
        RenameConversationRequest.builder().conversation_id(CONV).user(USER).build()
    with pytest.raises(InvalidRequestError):
        RenameConversationRequest.builder().conversation_id(CONV).user(USER).auto_generate(False).build()


async def test_delete_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_conversation_delete"))
    conv = "8128655a-8e14-41d0-b65d-99acdd3ad067"
    req = DeleteConversationRequest.builder().conversation_id(conv).user(USER).build()
    result = await run(mode, _conversation(recorder), "delete", req)
    check_sent(recorder, "DELETE", f"/conversations/{conv}", body={"user": USER})
    assert recorder.last.headers["content-type"] == "application/json"
    assert isinstance(result, SimpleResult) and result.result == "success"


async def test_delete_again_is_not_found(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("cf_conversation_delete_again"))
    conv = "8128655a-8e14-41d0-b65d-99acdd3ad067"
    req = DeleteConversationRequest.builder().conversation_id(conv).user(USER).build()
    with pytest.raises(NotFoundError, match="Conversation Not Exists") as info:
        await run(mode, _conversation(recorder), "delete", req)
    assert info.value.code == "not_found"


async def test_path_ids_are_encoded_and_checked(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(204))
    req = DeleteConversationRequest.builder().conversation_id("a/b").user("u").build()
    await run(mode, _conversation(recorder), "delete", req)
    assert recorder.last.url.raw_path == b"/v1/conversations/a%2Fb"
    with pytest.raises(InvalidRequestError):
        await run(mode, _conversation(recorder), "delete", DeleteConversationRequest(conversation_id="..", user="u"))
    assert len(recorder.requests) == 1
