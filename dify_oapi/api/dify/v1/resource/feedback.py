"""``client.dify.v1.feedback``: rate answers; list the feedback the app received."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, apaginate, call, optional_request, paginate
from ..model.feedback import AppFeedbackList, CreateFeedbackRequest, ListFeedbacksRequest

CREATE = Endpoint(
    "POST", "/messages/{message_id}/feedbacks", CreateFeedbackRequest, SimpleResult,
    summary="Like, dislike or revoke the rating of an answer.",
)  # fmt: skip
LIST = Endpoint("GET", "/app/feedbacks", ListFeedbacksRequest, AppFeedbackList, summary="Feedbacks of the app.")


class Feedback(Resource):
    """Feedback on answers. ``iter`` walks every page (Dify sends no ``has_more`` here: a page shorter than
    ``limit`` is the last)."""

    create = call(CREATE)
    acreate = acall(CREATE)
    list = optional_request(call(LIST))
    alist = optional_request(acall(LIST))
    iter = optional_request(paginate(LIST))
    aiter = optional_request(apaginate(LIST))
