"""client.knowledge_base.v1.tag: create, list, rename, delete, bind, unbind, list_of_dataset; sync and async,
replayed from the real server's transcripts (Dify 1.14.1, including its binding_count 400 bug), with the dataset
key."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi.api.knowledge_base.v1.model.tag import (
    BindTagsRequest,
    CreateTagRequest,
    DatasetTagList,
    DeleteTagRequest,
    KnowledgeTag,
    ListDatasetTagsRequest,
    ListTagsRequest,
    RenameTagRequest,
    TagList,
    UnbindTagsRequest,
)
from dify_oapi.core.errors import BadRequestError, InvalidParamError, NotFoundError
from dify_oapi.core.model import SimpleResult
from tests.api.knowledge_base._more_support import DS, check_sent, recorded_body, run
from tests.support import Recorder, make_client, transcript_response

TAG = "a1cf2c41-31a7-4578-b931-f9b56459af06"


def _tag(rec: Recorder) -> object:
    return make_client(rec).knowledge_base.v1.tag


async def test_list_empty_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_tags_list_empty"))
    out = await run(mode, _tag(recorder), "list", ListTagsRequest.builder().build())
    check_sent(recorder, "GET", "/datasets/tags")
    assert isinstance(out, TagList) and out.data == []


async def test_list_without_request(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(200, json=[{"id": TAG, "name": "t", "type": "knowledge", "binding_count": 0}])
    )
    out = await run(mode, _tag(recorder), "list")
    check_sent(recorder, "GET", "/datasets/tags")
    (tag,) = out.data
    assert isinstance(tag, KnowledgeTag)
    assert (tag.id, tag.name, tag.type, tag.binding_count) == (TAG, "t", "knowledge", "0")


async def test_create_replay_server_bug_400(mode: str, recorder: Recorder) -> None:
    """Dify 1.14.1 creates the tag, then fails to serialise binding_count and answers 400 invalid_param."""
    recorder.answers.append(transcript_response("ds_tag_create"))
    req = CreateTagRequest.builder().name("fixture-tag").build()
    with pytest.raises(InvalidParamError) as info:
        await run(mode, _tag(recorder), "create", req)
    check_sent(recorder, "POST", "/datasets/tags", body=recorded_body("ds_tag_create"))
    assert isinstance(info.value, BadRequestError) and info.value.status_code == 400
    assert "binding_count" in str(info.value)
    assert len(recorder.requests) == 1  # never retried: the tag exists on the server now


async def test_create_parses_a_fixed_server_answer(mode: str, recorder: Recorder) -> None:
    answer = {"id": TAG, "name": "fixture-tag", "type": "knowledge", "binding_count": "0", "extra": 1}
    recorder.answers.append(httpx.Response(200, json=answer))
    out = await run(mode, _tag(recorder), "create", CreateTagRequest(name="fixture-tag"))
    check_sent(recorder, "POST", "/datasets/tags", body={"name": "fixture-tag"})
    assert isinstance(out, KnowledgeTag)
    assert out.binding_count == "0" and out.model_extra == {"extra": 1}


async def test_list_replay_server_bug_400(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_tags_list"))
    with pytest.raises(InvalidParamError, match="binding_count"):
        await run(mode, _tag(recorder), "list", ListTagsRequest())
    check_sent(recorder, "GET", "/datasets/tags")


async def test_rename_replay_server_bug_400(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_tag_update"))
    req = RenameTagRequest.builder().tag_id(TAG).name("fixture-tag-renamed").build()
    with pytest.raises(InvalidParamError):
        await run(mode, _tag(recorder), "rename", req)
    check_sent(recorder, "PATCH", "/datasets/tags", body=recorded_body("ds_tag_update"))


async def test_rename_parses_answer(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(200, json={"id": TAG, "name": "n2", "binding_count": 3}))
    out = await run(mode, _tag(recorder), "rename", RenameTagRequest(tag_id=TAG, name="n2"))
    check_sent(recorder, "PATCH", "/datasets/tags", body={"tag_id": TAG, "name": "n2"})
    assert out.name == "n2" and out.binding_count == "3"


async def test_bind_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_tag_binding"))
    req = BindTagsRequest.builder().tag_ids([TAG]).target_id(DS).build()
    out = await run(mode, _tag(recorder), "bind", req)
    check_sent(recorder, "POST", "/datasets/tags/binding", body=recorded_body("ds_tag_binding"))
    assert isinstance(out, SimpleResult) and out.result == "success"


async def test_list_of_dataset_replay(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_dataset_tags"))
    req = ListDatasetTagsRequest.builder().dataset_id(DS).build()
    out = await run(mode, _tag(recorder), "list_of_dataset", req)
    check_sent(recorder, "GET", f"/datasets/{DS}/tags")
    assert isinstance(out, DatasetTagList) and out.total == 1
    assert [(t.id, t.name, t.binding_count) for t in out.data] == [(TAG, "fixture-tag-renamed", None)]


async def test_unbind_legacy_replay_204(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_tag_unbinding"))
    req = UnbindTagsRequest.builder().tag_id(TAG).target_id(DS).build()
    out = await run(mode, _tag(recorder), "unbind", req)
    check_sent(recorder, "POST", "/datasets/tags/unbinding", body=recorded_body("ds_tag_unbinding"))
    assert out.result == "success"


async def test_unbind_many(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(204))
    req = UnbindTagsRequest.builder().target_id(DS).tag_ids([TAG, "t2"]).build()
    await run(mode, _tag(recorder), "unbind", req)
    check_sent(recorder, "POST", "/datasets/tags/unbinding", body={"target_id": DS, "tag_ids": [TAG, "t2"]})


async def test_delete_replay_204_with_json_body(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("ds_tag_delete"))
    out = await run(mode, _tag(recorder), "delete", DeleteTagRequest.builder().tag_id(TAG).build())
    check_sent(recorder, "DELETE", "/datasets/tags", body=recorded_body("ds_tag_delete"))
    assert out.result == "success"


async def test_delete_unknown_tag_is_typed(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(httpx.Response(404, json={"code": "not_found", "message": "Tag not found.", "status": 404}))
    with pytest.raises(NotFoundError):
        await run(mode, _tag(recorder), "delete", DeleteTagRequest(tag_id="nope"))
