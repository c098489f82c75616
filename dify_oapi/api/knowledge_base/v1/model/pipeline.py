"""Knowledge pipelines: upload a file for a pipeline, list its datasource nodes, run one datasource node (streamed)
and run the whole pipeline (blocking or streamed).

A pipeline run answers :class:`PipelineRunResult` (``{batch, dataset, documents}``: the documents it created, whose
indexing has started), blocking and, on Dify 1.14.1, also when asked to stream: ``stream`` then yields that one
result instead of events. A server that does stream gives the workflow events of
:mod:`dify_oapi.api.workflow.v1.model.event` (``workflow_started`` ... ``workflow_finished``); :data:`PipelineEvent`
types both. A datasource node run streams
``datasource_processing``, ``datasource_completed`` and ``datasource_error`` (the spec names no events for it; these
are the ones Dify's own web client reads). Unknown events arrive as ``StreamEvent``.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import model_validator

from .....core.builder import Builder, Setter
from .....core.events import StreamEvent, event_models
from .....core.files import FileInput
from .....core.model import ALWAYS, File, Path, Query, Request, Response, Timestamp
from ....workflow.v1.model.event import WorkflowEvent

__all__ = [
    "DatasourceCompletedEvent",
    "DatasourceCredential",
    "DatasourceErrorEvent",
    "DatasourceInfo",
    "DatasourceNodeEvent",
    "DatasourcePlugin",
    "DatasourcePluginList",
    "DatasourceProcessingEvent",
    "DatasourceType",
    "ListDatasourcePluginsRequest",
    "ListDatasourcePluginsRequestBuilder",
    "LocalFileDatasource",
    "LocalFileDatasourceBuilder",
    "OnlineDocumentDatasource",
    "OnlineDocumentDatasourceBuilder",
    "OnlineDocumentPage",
    "OnlineDocumentPageBuilder",
    "OnlineDriveDatasource",
    "OnlineDriveDatasourceBuilder",
    "PipelineDataset",
    "PipelineDocument",
    "PipelineEvent",
    "PipelineFile",
    "PipelineRunResult",
    "RunDatasourceNodeRequest",
    "RunDatasourceNodeRequestBuilder",
    "RunPipelineRequest",
    "RunPipelineRequestBuilder",
    "UploadPipelineFileRequest",
    "UploadPipelineFileRequestBuilder",
    "WebsiteCrawlDatasource",
    "WebsiteCrawlDatasourceBuilder",
]

DatasourceType = Literal["local_file", "online_document", "website_crawl", "online_drive"]
"""The kind of datasource (the four the server takes; datasource plugins are of one of them)."""


# ---- upload -----------------------------------------------------------------------------------------------------


class UploadPipelineFileRequest(Request):
    """``POST /datasets/pipeline/file-upload`` (multipart). ``file``: bytes, a binary file object, a path, or
    ``(filename, content[, content_type])``. Use the answer's ``id`` as ``reference`` of a local-file datasource."""

    file: Annotated[FileInput, File()]

    @staticmethod
    def builder() -> UploadPipelineFileRequestBuilder:
        return UploadPipelineFileRequestBuilder()


class UploadPipelineFileRequestBuilder(Builder[UploadPipelineFileRequest]):
    file: Setter[Self, FileInput]


class PipelineFile(Response):
    """The uploaded file (answered with 201); ``created_at`` an ISO string on the wire, Unix seconds here."""

    id: str
    name: str | None = None
    size: int | None = None
    extension: str | None = None
    mime_type: str | None = None
    created_by: str | None = None
    created_at: Timestamp | None = None


# ---- datasource plugins -----------------------------------------------------------------------------------------


class ListDatasourcePluginsRequest(Request):
    """``GET /datasets/{dataset_id}/pipeline/datasource-plugins``. ``is_published`` False reads the draft pipeline
    (the server defaults to the published one)."""

    dataset_id: Annotated[str, Path()]
    is_published: Annotated[bool | None, Query()] = None

    @staticmethod
    def builder() -> ListDatasourcePluginsRequestBuilder:
        return ListDatasourcePluginsRequestBuilder()


class ListDatasourcePluginsRequestBuilder(Builder[ListDatasourcePluginsRequest]):
    dataset_id: Setter[Self, str]
    is_published: Setter[Self, bool | None]


class DatasourceCredential(Response):
    """A credential a datasource node can use (pass its ``id`` as ``credential_id``)."""

    id: str
    name: str | None = None
    type: str | None = None
    is_default: bool | None = None


class DatasourcePlugin(Response):
    """A datasource node of the pipeline: pass ``node_id`` to ``run_datasource_node`` or as ``start_node_id``."""

    node_id: str
    plugin_id: str | None = None
    provider_name: str | None = None
    datasource_type: str | None = None
    title: str | None = None
    user_input_variables: list[dict[str, Any]] = []
    credentials: list[DatasourceCredential] = []


class DatasourcePluginList(Response):
    """The datasource nodes, in ``data`` (the server answers a bare JSON array)."""

    data: list[DatasourcePlugin] = []

    @model_validator(mode="before")
    @classmethod
    def _wrap_array(cls, value: object) -> object:
        return {"data": typing.cast(Any, value)} if isinstance(value, list) else value


# ---- run one datasource node ------------------------------------------------------------------------------------


class RunDatasourceNodeRequest(Request):
    """``POST /datasets/{dataset_id}/pipeline/datasource/nodes/{node_id}/run``: run one datasource node and stream
    its progress. ``inputs`` always sent (``{}`` by default); ``is_published`` always sent (True by default)."""

    dataset_id: Annotated[str, Path()]
    node_id: Annotated[str, Path()]
    inputs: Annotated[dict[str, Any], ALWAYS] = {}
    datasource_type: DatasourceType
    credential_id: str | None = None
    is_published: Annotated[bool, ALWAYS] = True

    @staticmethod
    def builder() -> RunDatasourceNodeRequestBuilder:
        return RunDatasourceNodeRequestBuilder()


class RunDatasourceNodeRequestBuilder(Builder[RunDatasourceNodeRequest]):
    dataset_id: Setter[Self, str]
    node_id: Setter[Self, str]
    inputs: Setter[Self, dict[str, Any]]
    datasource_type: Setter[Self, DatasourceType]
    credential_id: Setter[Self, str | None]
    is_published: Setter[Self, bool]


class DatasourceProcessingEvent(StreamEvent):
    """Progress: ``completed`` of ``total`` items fetched."""

    event: Literal["datasource_processing"] = "datasource_processing"
    total: int | None = None
    completed: int | None = None


class DatasourceCompletedEvent(StreamEvent):
    """The node finished; ``data`` holds what it fetched (pages, files, crawl results: plugin-defined)."""

    event: Literal["datasource_completed"] = "datasource_completed"
    data: Any = None
    total: int | None = None
    completed: int | None = None
    time_consuming: float | None = None


class DatasourceErrorEvent(StreamEvent):
    """The node failed: ``error`` says why. Yielded like any event (the typed ``error`` event raises instead)."""

    event: Literal["datasource_error"] = "datasource_error"
    error: str | None = None
    message: str | None = None
    code: str | None = None


DatasourceNodeEvent: TypeAlias = (
    DatasourceProcessingEvent | DatasourceCompletedEvent | DatasourceErrorEvent | StreamEvent
)
"""The events of a datasource node run (``pipeline.run_datasource_node`` yields these); unknown ones arrive as
``StreamEvent``. Both the static type and the runtime parser."""

DATASOURCE_NODE_EVENT_MODELS: tuple[type[StreamEvent], ...] = event_models(DatasourceNodeEvent)


# ---- run the pipeline -------------------------------------------------------------------------------------------


class LocalFileDatasource(Request):
    """A file uploaded with ``upload``: ``reference`` its id, ``name`` the document title."""

    reference: str
    name: str | None = None

    @staticmethod
    def builder() -> LocalFileDatasourceBuilder:
        return LocalFileDatasourceBuilder()


class LocalFileDatasourceBuilder(Builder[LocalFileDatasource]):
    reference: Setter[Self, str]
    name: Setter[Self, str | None]


class OnlineDocumentPage(Request):
    """A page of an online document platform: ``type`` plugin-defined (``page``, ``database``)."""

    page_id: str
    type: str
    page_name: str | None = None

    @staticmethod
    def builder() -> OnlineDocumentPageBuilder:
        return OnlineDocumentPageBuilder()


class OnlineDocumentPageBuilder(Builder[OnlineDocumentPage]):
    page_id: Setter[Self, str]
    type: Setter[Self, str]
    page_name: Setter[Self, str | None]


class OnlineDocumentDatasource(Request):
    """A page of an online document platform (Notion...) in the workspace ``workspace_id``."""

    workspace_id: str
    page: OnlineDocumentPage
    credential_id: str | None = None

    @staticmethod
    def builder() -> OnlineDocumentDatasourceBuilder:
        return OnlineDocumentDatasourceBuilder()


class OnlineDocumentDatasourceBuilder(Builder[OnlineDocumentDatasource]):
    workspace_id: Setter[Self, str]
    page: Setter[Self, OnlineDocumentPage]
    credential_id: Setter[Self, str | None]


class WebsiteCrawlDatasource(Request):
    """A URL to crawl; ``title`` the document name."""

    url: str
    title: str | None = None

    @staticmethod
    def builder() -> WebsiteCrawlDatasourceBuilder:
        return WebsiteCrawlDatasourceBuilder()


class WebsiteCrawlDatasourceBuilder(Builder[WebsiteCrawlDatasource]):
    url: Setter[Self, str]
    title: Setter[Self, str | None]


class OnlineDriveDatasource(Request):
    """A file or folder (``type``) of an online drive; ``bucket`` for S3-like stores."""

    id: str
    type: Literal["file", "folder"]
    bucket: str | None = None
    name: str | None = None

    @staticmethod
    def builder() -> OnlineDriveDatasourceBuilder:
        return OnlineDriveDatasourceBuilder()


class OnlineDriveDatasourceBuilder(Builder[OnlineDriveDatasource]):
    id: Setter[Self, str]
    type: Setter[Self, Literal["file", "folder"]]
    bucket: Setter[Self, str | None]
    name: Setter[Self, str | None]


DatasourceInfo = (
    LocalFileDatasource | OnlineDocumentDatasource | WebsiteCrawlDatasource | OnlineDriveDatasource | dict[str, Any]
)
"""One item of ``datasource_info_list``: a typed datasource, or a plain dict for shapes this SDK does not know."""


class RunPipelineRequest(Request):
    """``POST /datasets/{dataset_id}/pipeline/run``: run the pipeline from ``start_node_id`` (a datasource node) over
    ``datasource_info_list`` (items matching ``datasource_type``). ``response_mode`` is set by the method (``run``
    blocking, ``stream`` streaming). ``inputs`` and ``is_published`` are always sent (``{}``, True by default)."""

    dataset_id: Annotated[str, Path()]
    inputs: Annotated[dict[str, Any], ALWAYS] = {}
    datasource_type: DatasourceType
    datasource_info_list: list[DatasourceInfo]
    start_node_id: str
    is_published: Annotated[bool, ALWAYS] = True

    @staticmethod
    def builder() -> RunPipelineRequestBuilder:
        return RunPipelineRequestBuilder()


class RunPipelineRequestBuilder(Builder[RunPipelineRequest]):
    dataset_id: Setter[Self, str]
    inputs: Setter[Self, dict[str, Any]]
    datasource_type: Setter[Self, DatasourceType]
    datasource_info_list: Setter[Self, list[DatasourceInfo]]
    start_node_id: Setter[Self, str]
    is_published: Setter[Self, bool]


class PipelineDataset(Response):
    """The knowledge base the run wrote into."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    chunk_structure: str | None = None


class PipelineDocument(Response):
    """A document the run created; ``indexing_status`` starts as ``waiting`` (follow it with
    ``document.wait_for_indexing`` and the result's ``batch``)."""

    id: str | None = None
    position: int | None = None
    data_source_type: str | None = None
    data_source_info: dict[str, Any] | None = None
    name: str | None = None
    indexing_status: str | None = None
    error: str | None = None
    enabled: bool | None = None


class PipelineRunResult(Response):
    """What a pipeline run answers (Dify 1.14.1, blocking and when asked to stream): the ``batch`` of the documents
    it created (``wait_for_indexing`` takes it), the ``dataset`` and the ``documents``. Lenient: every field may be
    missing, unknown fields are kept (``model_extra``)."""

    batch: str | None = None
    dataset: PipelineDataset | None = None
    documents: list[PipelineDocument] = []


PipelineEvent: TypeAlias = WorkflowEvent | PipelineRunResult
"""What ``pipeline.stream`` yields: the workflow events of a server that streams the run (``StreamEvent`` for
unknown ones), or the run's one :class:`PipelineRunResult` when the server answers JSON (Dify 1.14.1 does).
``isinstance(item, PipelineRunResult)`` tells them apart."""
