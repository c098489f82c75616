"""Inputs checked against the app's form before a run is sent (``Client(check_inputs=True)`` or
``RequestOption(check_inputs=True)``).

A streaming run whose required input is missing answers ``200`` and a ping on a real Dify and then nothing until the
server's idle timeout: the error never reaches the client. With the check on, the transport fetches the app's
``GET /parameters`` form once per API key (cached; :meth:`InputForms.refresh` forgets it), checks the field marked
``APP_INPUTS`` of the request against it, and raises :class:`InvalidRequestError` naming every problem (never a value)
before anything is sent.
"""

from __future__ import annotations

import hashlib
import threading
import typing
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .errors import InvalidRequestError
from .model import Body
from .option import RequestOption

if TYPE_CHECKING:
    from ..api.dify.v1.model.app import AppParameters, UserInputControl
    from ._transport import Transport
    from .endpoint import Encoded, Endpoint

__all__ = ["InputForms", "input_problems"]

_TEXT = frozenset({"text-input", "paragraph"})
_FILE_METHODS = frozenset({"local_file", "remote_url", "tool_file", "datasource_file"})


@cache
def inputs_alias(cls: type[BaseModel]) -> str | None:
    """The body name of the request field marked ``APP_INPUTS``, if the request has one."""
    for name, info in cls.model_fields.items():
        if any(isinstance(m, Body) and m.app_inputs for m in info.metadata):
            return info.alias or name
    return None


def _digest(key: str) -> str:
    # The cache never holds the keys themselves (reprs, pickles, debuggers).
    return hashlib.sha256(key.encode()).hexdigest()


class InputForms:
    """The app input forms (``GET /parameters``) fetched so far, one per API key; shared by a Client and the Clients
    derived from it with ``with_options``."""

    def __init__(self) -> None:
        self._forms: dict[str, AppParameters] = {}
        self._lock = threading.Lock()

    def refresh(self, api_key: str | None = None) -> None:
        """Forget the form of ``api_key`` (every form when None): the next checked run fetches it again."""
        with self._lock:
            if api_key is None:
                self._forms.clear()
            else:
                self._forms.pop(_digest(api_key), None)

    def __len__(self) -> int:
        return len(self._forms)

    def __repr__(self) -> str:
        return f"InputForms({len(self._forms)} cached)"

    # ---- the check, sync and async -------------------------------------------------------------------------------

    @staticmethod
    def _wanted(
        transport: Transport, endpoint: Endpoint[Any, Any], encoded: Encoded, option: RequestOption | None
    ) -> Mapping[str, Any] | None:
        """The inputs to check (None: nothing to check for this call)."""
        enabled = option.check_inputs if option is not None and option.check_inputs is not None else None
        if not (enabled if enabled is not None else transport.config.check_inputs):
            return None
        alias = inputs_alias(typing.cast(type[BaseModel], endpoint.request))
        if alias is None or encoded.body is None:
            return None
        inputs: Any = encoded.body.get(alias)
        return typing.cast("Mapping[str, Any]", inputs) if isinstance(inputs, Mapping) else {}

    @staticmethod
    def _fetch_option(option: RequestOption | None) -> RequestOption | None:
        if option is None:
            return None
        return RequestOption(
            api_key=option.api_key,
            headers=option.headers,
            timeout=option.timeout,
            max_retries=option.max_retries,
            deadline=option.deadline,  # the call's deadline started before this fetch: it bounds both
        )

    def check(
        self, transport: Transport, endpoint: Endpoint[Any, Any], encoded: Encoded, option: RequestOption | None
    ) -> None:
        inputs = self._wanted(transport, endpoint, encoded, option)
        if inputs is None:
            return
        key = _digest(transport._key(endpoint, option) or "")
        form = self._forms.get(key)
        if form is None:
            from ..api.dify.v1.resource.app import PARAMETERS

            form = transport.request(PARAMETERS, None, self._fetch_option(option))
            with self._lock:
                self._forms[key] = form
        _raise_on_problems(endpoint, encoded, form, inputs)

    async def acheck(
        self, transport: Transport, endpoint: Endpoint[Any, Any], encoded: Encoded, option: RequestOption | None
    ) -> None:
        inputs = self._wanted(transport, endpoint, encoded, option)
        if inputs is None:
            return
        key = _digest(transport._key(endpoint, option) or "")
        form = self._forms.get(key)
        if form is None:
            from ..api.dify.v1.resource.app import PARAMETERS

            form = await transport.arequest(PARAMETERS, None, self._fetch_option(option))
            with self._lock:
                self._forms[key] = form
        _raise_on_problems(endpoint, encoded, form, inputs)


def _raise_on_problems(
    endpoint: Endpoint[Any, Any], encoded: Encoded, form: AppParameters, inputs: Mapping[str, Any]
) -> None:
    # In an existing conversation the server uses the conversation's inputs: required fields may be left out.
    follow_up = bool(encoded.body and encoded.body.get("conversation_id"))
    problems = input_problems(form, inputs, require=not follow_up)
    if problems:
        raise InvalidRequestError(
            f"inputs of {endpoint.method} {endpoint.path} do not match the app's form: " + "; ".join(problems)
        )


# ---- the rules (what Dify checks server-side, without a round trip) ------------------------------------------------


def input_problems(form: AppParameters, inputs: Mapping[str, Any], *, require: bool = True) -> list[str]:
    """Every way ``inputs`` do not fit the app's form, one line per field (names and limits, never values)."""
    problems: list[str] = []
    for control in form.input_controls:
        name = control.variable
        value = inputs.get(name)
        if value is None or value == "" or value == []:
            if control.required and require:
                problems.append(f"{name} is required")
            continue
        problem = _problem(control, value)
        if problem:
            problems.append(f"{name} {problem}")
    return problems


def _problem(control: UserInputControl, value: Any) -> str | None:
    kind = control.type
    if kind in _TEXT:
        if not isinstance(value, str):
            return f"must be text, not {type(value).__name__}"
        if control.max_length and len(value) > control.max_length:
            return f"is longer than its max_length {control.max_length} ({len(value)} characters)"
    elif kind == "select":
        if value not in control.options:
            return f"is not one of the select's {len(control.options)} options"
    elif kind == "number":
        if not _is_number(value):
            return f"must be a number, not {type(value).__name__}"
    elif kind == "file":
        return _file_problem(control, value)
    elif kind == "file-list":
        if not isinstance(value, list):
            return f"must be a list of file inputs, not {type(value).__name__}"
        files: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        if control.max_length and len(files) > control.max_length:
            return f"has {len(files)} files, more than its limit {control.max_length}"
        for i, item in enumerate(files):
            problem = _file_problem(control, item)
            if problem:
                return f"[{i}] {problem}"
    return None


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _file_problem(control: UserInputControl, value: Any) -> str | None:
    if not isinstance(value, Mapping) or "transfer_method" not in value:
        return "must be a file input (an InputFile: type, transfer_method, upload_file_id or url)"
    file: Mapping[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
    method = file.get("transfer_method")
    if method not in _FILE_METHODS:
        return "has an unknown transfer_method"
    allowed_methods = control.allowed_file_upload_methods
    if allowed_methods and method not in allowed_methods:
        return f"is sent as {method}, the form allows {', '.join(allowed_methods)}"
    if method == "local_file" and not file.get("upload_file_id"):
        return "needs an upload_file_id (local_file)"
    if method == "remote_url" and not file.get("url"):
        return "needs a url (remote_url)"
    allowed_types = control.allowed_file_types
    if allowed_types and file.get("type") not in allowed_types:
        return f"is not of a file type the form allows ({', '.join(allowed_types)})"
    return None
