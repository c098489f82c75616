"""``client.workflow.v1.log``: past runs of the app (a page, or every entry with ``iter``)."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, apaginate, call, paginate
from ..model.log import ListWorkflowLogsRequest, WorkflowLogList

__all__ = ["LIST", "Log"]

LIST = Endpoint(
    "GET", "/workflows/logs", ListWorkflowLogsRequest, WorkflowLogList,
    summary="Past workflow runs, filtered and paged.",
)  # fmt: skip


class Log(Resource):
    """Workflow logs: ``list`` one page, ``iter`` every entry (page after page)."""

    list = call(LIST)
    alist = acall(LIST)
    iter = paginate(LIST)
    aiter = apaginate(LIST)
