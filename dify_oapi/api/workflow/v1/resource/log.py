"""``client.workflow.v1.log``: past runs of the app (a page, or every entry with ``iter``)."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, apaginate, call, optional_request, paginate
from ..model.log import ListWorkflowLogsRequest, WorkflowLogList

__all__ = ["LIST", "Log"]

LIST = Endpoint(
    "GET", "/workflows/logs", ListWorkflowLogsRequest, WorkflowLogList,
    summary="Past workflow runs, filtered and paged.",
)  # fmt: skip


class Log(Resource):
    """Workflow logs: ``list`` one page, ``iter`` every entry (page after page)."""

    list = optional_request(call(LIST))
    alist = optional_request(acall(LIST))
    iter = optional_request(paginate(LIST))
    aiter = optional_request(apaginate(LIST))
