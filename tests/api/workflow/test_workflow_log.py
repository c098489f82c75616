"""client.workflow.v1.log: list (replayed), filters, iter over pages (sync and async), errors."""

from __future__ import annotations

import httpx
import pytest

from dify_oapi.api.workflow.v1.model.log import ListWorkflowLogsRequest, WorkflowLog, WorkflowLogList
from dify_oapi.core.errors import InvalidParamError
from tests.api.workflow._util import USER, check_sent, collect, run
from tests.support import Recorder, make_client, transcript_response


async def test_list_replays_logs(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(transcript_response("wf_logs"))
    req = ListWorkflowLogsRequest.builder().page(1).limit(5).build()
    logs = await run(mode, make_client(recorder).workflow.v1.log, "list", req)
    check_sent(recorder, "GET", "/workflows/logs", query={"page": "1", "limit": "5"})
    assert isinstance(logs, WorkflowLogList)
    assert logs.page == 1 and logs.limit == 5 and logs.total == 4 and logs.has_more is False
    assert len(logs.data) == 4
    first = logs.data[0]
    assert isinstance(first, WorkflowLog) and first.id == "834c7006-45e3-4e7d-a929-8cc6d2df59e2"
    assert first.workflow_run.id == "47f44916-d99c-4ec5-a3c1-d84b188fd586"
    assert first.workflow_run.status == "succeeded" and first.workflow_run.total_steps == 2
    assert first.workflow_run.triggered_from == "app-run" and first.created_at == 1795387519
    assert first.created_by_end_user is not None and first.created_by_end_user.session_id == USER
    assert first.created_from == "service-api" and first.created_by_account is None


async def test_list_sends_every_filter(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(200, json={"page": 2, "limit": 10, "total": 0, "has_more": False, "data": []})
    )
    req = (
        ListWorkflowLogsRequest.builder()
        .keyword("hello").status("failed").page(2).limit(10)
        .created_at__before("2025-01-16T12:00:00Z").created_at__after("2025-01-01T00:00:00Z")
        .created_by_end_user_session_id(USER).created_by_account("a@example.com")
        .build()
    )  # fmt: skip
    logs = await run(mode, make_client(recorder).workflow.v1.log, "list", req)
    check_sent(
        recorder, "GET", "/workflows/logs",
        query={
            "keyword": "hello", "status": "failed", "page": "2", "limit": "10",
            "created_at__before": "2025-01-16T12:00:00Z", "created_at__after": "2025-01-01T00:00:00Z",
            "created_by_end_user_session_id": USER, "created_by_account": "a@example.com",
        },
    )  # fmt: skip
    assert logs.data == []


def _page(page: int, ids: list[str], has_more: bool) -> httpx.Response:
    data = [{"id": i, "workflow_run": {"id": "run-" + i, "status": "partial-succeeded"}} for i in ids]
    return httpx.Response(200, json={"page": page, "limit": 2, "has_more": has_more, "data": data})


async def test_iter_walks_every_page(mode: str, recorder: Recorder) -> None:
    recorder.answers += [_page(1, ["a", "b"], True), _page(2, ["c"], False)]
    req = ListWorkflowLogsRequest.builder().limit(2).status("succeeded").build()
    items = await collect(mode, make_client(recorder).workflow.v1.log, "iter", req)
    assert [i.id for i in items] == ["a", "b", "c"]
    assert items[2].workflow_run.status == "partial-succeeded"
    assert [dict(r.url.params) for r in recorder.requests] == [
        {"limit": "2", "status": "succeeded"},
        {"limit": "2", "status": "succeeded", "page": "2"},
    ]


async def test_list_bad_filter_raises_invalid_param(mode: str, recorder: Recorder) -> None:
    recorder.answers.append(
        httpx.Response(400, json={"status": 400, "code": "invalid_param", "message": "Account not found: x@y.z"})
    )
    req = ListWorkflowLogsRequest.builder().created_by_account("x@y.z").build()
    with pytest.raises(InvalidParamError, match="Account not found"):
        await run(mode, make_client(recorder).workflow.v1.log, "list", req)
