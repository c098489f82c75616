"""Applications: what every app type answers about itself."""

from __future__ import annotations

from .....core.builder import Builder
from .....core.model import Request, Response

__all__ = ["AppInfo", "GetAppInfoRequest", "GetAppInfoRequestBuilder"]


class GetAppInfoRequest(Request):
    """``GET /info`` takes no parameters."""

    @staticmethod
    def builder() -> GetAppInfoRequestBuilder:
        return GetAppInfoRequestBuilder()


class GetAppInfoRequestBuilder(Builder[GetAppInfoRequest]):
    pass


class AppInfo(Response):
    """Basic information of the application."""

    name: str = ""
    description: str | None = None
    tags: list[str] = []
    mode: str | None = None
    author_name: str | None = None
