"""Human input: when a run reaches a Human Input node it streams ``human_input_required`` (with a ``form_token``)
and ``workflow_paused``, and its stream ends. Get the form with the token, submit one of its actions, then follow
the resumed run through the events endpoint (``client.workflow.v1.workflow.resume``)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from .....core.builder import Builder, Setter
from .....core.model import ALWAYS, Path, Request, Response, Timestamp, User
from .event import FormAction, FormInputField

__all__ = [
    "FormAction",
    "FormInputField",
    "GetHumanInputFormRequest",
    "GetHumanInputFormRequestBuilder",
    "HumanInputForm",
    "SubmitHumanInputFormRequest",
    "SubmitHumanInputFormRequestBuilder",
]


class GetHumanInputFormRequest(Request):
    """``GET /form/human_input/{form_token}``: the form of a paused run (``form_token`` from the
    ``human_input_required`` event)."""

    form_token: Annotated[str, Path()]

    @staticmethod
    def builder() -> GetHumanInputFormRequestBuilder:
        return GetHumanInputFormRequestBuilder()


class GetHumanInputFormRequestBuilder(Builder[GetHumanInputFormRequest]):
    form_token: Setter[Self, str]


class HumanInputForm(Response):
    """A form: its rendered text, its inputs, the defaults to display and the actions (buttons) to choose from."""

    form_content: str | None = None
    inputs: list[FormInputField] = []
    resolved_default_values: dict[str, Any] = {}
    user_actions: list[FormAction] = []
    expiration_time: Timestamp | None = None


class SubmitHumanInputFormRequest(Request):
    """``POST /form/human_input/{form_token}``: ``action`` is the ``id`` of one of the form's ``user_actions``;
    ``inputs`` the values keyed by ``output_variable_name`` (text, or file mappings for file inputs). A form is
    one-shot: a second submission raises ``HumanInputFormSubmittedError``, a late one ``HumanInputFormExpiredError``
    (both 412)."""

    form_token: Annotated[str, Path()]
    inputs: Annotated[dict[str, Any], ALWAYS] = {}
    action: str
    user: Annotated[str, User()]

    @staticmethod
    def builder() -> SubmitHumanInputFormRequestBuilder:
        return SubmitHumanInputFormRequestBuilder()


class SubmitHumanInputFormRequestBuilder(Builder[SubmitHumanInputFormRequest]):
    form_token: Setter[Self, str]
    inputs: Setter[Self, dict[str, Any]]
    action: Setter[Self, str]
    user: Setter[Self, str]
