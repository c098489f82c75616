"""Every public method of every resource is called by an e2e scenario, in both modes.

A method added to the SDK without an end-to-end test fails here (this test runs after every scenario of the session
and skips when the session runs only part of the e2e suite)."""

from __future__ import annotations

import pytest

from dify_oapi import Client
from dify_oapi.core.resource import iter_endpoints

from . import harness


def test_every_resource_method_is_exercised_sync_and_async() -> None:
    if not harness.COMPLETE_RUN:
        pytest.skip("only judged when the whole e2e suite runs (no -k, no single file)")
    with Client(base_url="http://127.0.0.1:9/v1", api_key="app-unused", dataset_api_key="dataset-unused") as client:
        expected = harness.all_public_methods(client)
    assert {name for name, _ in iter_endpoints(client)} < expected  # plus the hand-written helpers
    assert {"workflow.v1.workflow.aresume", "knowledge_base.v1.document.await_for_indexing"} <= expected
    missing = sorted(expected - harness.CALLED)
    unknown = sorted(harness.CALLED - expected)
    assert not missing, f"{len(missing)} resource methods have no e2e scenario (or their scenario failed): {missing}"
    assert not unknown, f"recorded names that are not resource methods: {unknown}"
    assert expected == harness.CALLED
