"""``client.knowledge_base.v1.model``: the workspace's models of one type (embedding, rerank...)."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, call
from ..model.model import ListModelsRequest, ModelProviderList

__all__ = ["LIST", "Model"]

LIST = Endpoint(
    "GET", "/workspaces/current/models/model-types/{model_type}", ListModelsRequest, ModelProviderList,
    summary="The available models of one type, grouped by provider.",
)  # fmt: skip


class Model(Resource):
    """Models available to knowledge bases: ``list`` those of a ``model_type`` (``text-embedding``, ``rerank``)."""

    list = call(LIST)
    alist = acall(LIST)
