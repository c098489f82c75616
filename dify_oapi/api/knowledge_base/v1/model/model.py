"""Models of the workspace available to knowledge bases (embedding and rerank models), grouped by provider."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from .....core.builder import Builder, Setter
from .....core.model import Path, Request, Response

__all__ = [
    "ListModelsRequest",
    "ListModelsRequestBuilder",
    "LocalizedText",
    "ModelProvider",
    "ModelProviderList",
    "ModelType",
    "ProviderModel",
]

ModelType = Literal["text-embedding", "rerank", "llm", "tts", "speech2text", "moderation"]
"""The model types of a workspace (the path of ``GET /workspaces/current/models/model-types/{model_type}``)."""


class ListModelsRequest(Request):
    """``GET /workspaces/current/models/model-types/{model_type}``. ``model_type``: ``text-embedding``, ``rerank``,
    ``llm``, ``tts``, ``speech2text``, ``moderation``."""

    model_type: Annotated[ModelType, Path()]

    @staticmethod
    def builder() -> ListModelsRequestBuilder:
        return ListModelsRequestBuilder()


class ListModelsRequestBuilder(Builder[ListModelsRequest]):
    model_type: Setter[Self, ModelType]


class LocalizedText(Response):
    """A label or icon URL per language (other languages are kept as extra fields)."""

    en_US: str | None = None
    zh_Hans: str | None = None


class ProviderModel(Response):
    """A model of a provider. Use ``model`` (with the provider) as ``embedding_model`` of a knowledge base."""

    model: str
    label: LocalizedText | None = None
    model_type: str | None = None
    features: list[str] | None = None
    fetch_from: str | None = None
    model_properties: dict[str, Any] | None = None
    status: str | None = None
    deprecated: bool | None = None
    load_balancing_enabled: bool | None = None
    has_invalid_load_balancing_configs: bool | None = None


class ModelProvider(Response):
    """A provider (``langgenius/openai/openai``) and its models of the requested type."""

    provider: str
    label: LocalizedText | None = None
    icon_small: LocalizedText | None = None
    icon_small_dark: LocalizedText | None = None
    status: str | None = None
    models: list[ProviderModel] = []
    tenant_id: str | None = None


class ModelProviderList(Response):
    """The providers with models of the requested type, in ``data``."""

    data: list[ModelProvider] = []
