"""``client.workflow.v1.human_input``: the form of a run paused at a Human Input node, and its submission."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, call
from ..model.human_input import GetHumanInputFormRequest, HumanInputForm, SubmitHumanInputFormRequest

__all__ = ["GET", "SUBMIT", "HumanInput"]

GET = Endpoint(
    "GET", "/form/human_input/{form_token}", GetHumanInputFormRequest, HumanInputForm,
    summary="The form of a paused run.",
)  # fmt: skip
SUBMIT = Endpoint(
    "POST", "/form/human_input/{form_token}", SubmitHumanInputFormRequest, SimpleResult,
    summary="Submit a form: the run resumes.",
)  # fmt: skip


class HumanInput(Resource):
    """Human-input forms (workflow and chatflow apps).

    The flow: a streaming run yields ``human_input_required`` (``data.form_token``) and ``workflow_paused``, then its
    stream ends. ``get`` the form, ``submit`` an action (412 ``HumanInputFormExpiredError`` or
    ``HumanInputFormSubmittedError`` when it is too late), then follow the run with
    ``client.workflow.v1.workflow.resume(workflow_run_id, user)`` until ``workflow_finished``.
    """

    get = call(GET)
    aget = acall(GET)
    submit = call(SUBMIT)
    asubmit = acall(SUBMIT)
