"""``client.knowledge_base.v1.dataset``: create, list, read, update and delete datasets; retrieve chunks."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.model import SimpleResult
from .....core.resource import Resource, acall, apaginate, call, optional_request, paginate
from ..model.dataset import (
    CreateDatasetRequest,
    DatasetList,
    DeleteDatasetRequest,
    GetDatasetRequest,
    ListDatasetsRequest,
    RetrieveRequest,
    RetrieveResult,
    UpdateDatasetRequest,
)
from ..model.dataset import Dataset as DatasetInfo

__all__ = ["CREATE", "DELETE", "GET", "LIST", "RETRIEVE", "UPDATE", "Dataset"]

CREATE = Endpoint("POST", "/datasets", CreateDatasetRequest, DatasetInfo, summary="Create an empty dataset.")
LIST = Endpoint("GET", "/datasets", ListDatasetsRequest, DatasetList, summary="One page of datasets.")
GET = Endpoint("GET", "/datasets/{dataset_id}", GetDatasetRequest, DatasetInfo, summary="Dataset detail.")
UPDATE = Endpoint(
    "PATCH", "/datasets/{dataset_id}", UpdateDatasetRequest, DatasetInfo, summary="Change the fields set.",
)  # fmt: skip
DELETE = Endpoint(
    "DELETE", "/datasets/{dataset_id}", DeleteDatasetRequest, SimpleResult,
    summary="Delete a dataset and its documents (204).",
)  # fmt: skip
RETRIEVE = Endpoint(
    "POST", "/datasets/{dataset_id}/retrieve", RetrieveRequest, RetrieveResult, retry_safe=True,
    summary="The chunks most relevant to a query (a read: retried like a GET).",
)  # fmt: skip


class Dataset(Resource):
    """Datasets (knowledge bases). ``iter`` walks every dataset over every page."""

    create = call(CREATE)
    acreate = acall(CREATE)
    list = optional_request(call(LIST))
    alist = optional_request(acall(LIST))
    iter = optional_request(paginate(LIST))
    aiter = optional_request(apaginate(LIST))
    get = call(GET)
    aget = acall(GET)
    update = call(UPDATE)
    aupdate = acall(UPDATE)
    delete = call(DELETE)
    adelete = acall(DELETE)
    retrieve = call(RETRIEVE)
    aretrieve = acall(RETRIEVE)
