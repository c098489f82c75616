"""``client.knowledge_base.v1.pipeline``: knowledge pipelines (upload a file, list datasource nodes, run a node,
run the pipeline)."""

from __future__ import annotations

import typing
from typing import Any

from .....core.endpoint import Endpoint
from .....core.events import StreamEvent
from .....core.resource import Resource, acall, acall_stream, call, call_stream
from ..model.pipeline import (
    DatasourceNodeEvent,
    DatasourcePluginList,
    ListDatasourcePluginsRequest,
    PipelineEvent,
    PipelineFile,
    PipelineRunResult,
    RunDatasourceNodeRequest,
    RunPipelineRequest,
    UploadPipelineFileRequest,
)

__all__ = ["DATASOURCE_PLUGINS", "RUN", "RUN_DATASOURCE_NODE", "STREAM", "UPLOAD", "Pipeline"]

UPLOAD = Endpoint(
    "POST", "/datasets/pipeline/file-upload", UploadPipelineFileRequest, PipelineFile,
    summary="Upload a file for a pipeline run (multipart, 201).",
)  # fmt: skip
DATASOURCE_PLUGINS = Endpoint(
    "GET", "/datasets/{dataset_id}/pipeline/datasource-plugins", ListDatasourcePluginsRequest, DatasourcePluginList,
    summary="The datasource nodes of the pipeline.",
)  # fmt: skip
RUN_DATASOURCE_NODE: Endpoint[RunDatasourceNodeRequest, DatasourceNodeEvent] = Endpoint(
    "POST", "/datasets/{dataset_id}/pipeline/datasource/nodes/{node_id}/run", RunDatasourceNodeRequest, StreamEvent,
    kind="stream", parse_as=DatasourceNodeEvent, summary="Run one datasource node and stream its progress.",
)  # fmt: skip
RUN = Endpoint(
    "POST", "/datasets/{dataset_id}/pipeline/run", RunPipelineRequest, PipelineRunResult,
    fixed={"response_mode": "blocking"}, summary="Run the pipeline and wait for the result.",
)  # fmt: skip
# Declared through Any: pyright would otherwise narrow the declared type to the StreamEvent given as the base class,
# since PipelineRunResult (the JSON answer) is not a StreamEvent.
STREAM: Endpoint[RunPipelineRequest, PipelineEvent] = typing.cast(Any, Endpoint)(
    "POST", "/datasets/{dataset_id}/pipeline/run", RunPipelineRequest, StreamEvent, kind="stream",
    parse_as=PipelineEvent, fixed={"response_mode": "streaming"}, terminal=frozenset({"workflow_finished"}),
    json_answer=PipelineRunResult,
    summary="Run the pipeline and stream its workflow events (Dify 1.14.1 answers one PipelineRunResult instead).",
)  # fmt: skip


class Pipeline(Resource):
    """Knowledge pipelines: ``upload`` a file, ``list_datasource_plugins``, ``run_datasource_node`` (a stream),
    ``run`` (blocking) or ``stream`` the whole pipeline.

    ``stream`` yields :data:`PipelineEvent` items: workflow events from a server that streams the run, or, from Dify
    1.14.1 (which answers JSON even when asked to stream), the run's one :class:`PipelineRunResult`, the same answer
    as ``run``."""

    upload = call(UPLOAD)
    aupload = acall(UPLOAD)
    list_datasource_plugins = call(DATASOURCE_PLUGINS)
    alist_datasource_plugins = acall(DATASOURCE_PLUGINS)
    run_datasource_node = call_stream(RUN_DATASOURCE_NODE)
    arun_datasource_node = acall_stream(RUN_DATASOURCE_NODE)
    run = call(RUN)
    arun = acall(RUN)
    stream = call_stream(STREAM)
    astream = acall_stream(STREAM)
