"""Each resource method's descriptor kind matches its request: a request with required fields makes a method that
needs one (``BoundMethod``: calling it without one is a type error, see tests/typing), a request without required
fields one that may be called with no request (``OptionalMethod``)."""

from __future__ import annotations

import pytest

from dify_oapi import Client, InvalidRequestError
from dify_oapi.core.resource import Method, OptionalMethod, iter_endpoints
from tests.support import MODES, Recorder, call, make_client

CLIENT = Client(base_url="http://127.0.0.1:9/v1", api_key="app-unused", dataset_api_key="dataset-unused")
METHODS = dict(iter_endpoints(CLIENT))


@pytest.mark.parametrize("name", sorted(METHODS))
def test_descriptor_kind_matches_the_request_model(name: str) -> None:
    method = METHODS[name]
    required = sorted(n for n, f in method.endpoint.request.model_fields.items() if f.is_required())
    assert isinstance(method, Method)
    assert method.request_optional is (not required), (
        f"{name}: request {method.endpoint.request.__name__} has required fields {required}: use call(...)"
        if required
        else f"{name}: request {method.endpoint.request.__name__} has no required field: wrap it in optional_request()"
    )
    assert isinstance(method, OptionalMethod) is method.request_optional


def test_both_kinds_exist() -> None:
    kinds = {m.request_optional for m in METHODS.values()}
    assert kinds == {True, False}


@pytest.mark.parametrize("mode", MODES)
async def test_optional_methods_run_without_a_request_and_required_ones_fail_before_io(mode: str) -> None:
    rec = Recorder()
    client = make_client(rec)
    await call(mode, client.dify.v1.app, "info")
    assert rec.last.url.path == "/v1/info"
    before = len(rec.requests)
    with pytest.raises(InvalidRequestError, match="needs a ChatMessageRequest"):
        await call(mode, client.chat.v1.message, "create", None)
    assert len(rec.requests) == before
