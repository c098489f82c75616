"""``client.dify.v1.app``: what every app type answers about itself."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, call
from ..model.app import AppInfo, GetAppInfoRequest

INFO = Endpoint("GET", "/info", GetAppInfoRequest, AppInfo, summary="Basic information of the app.")


class App(Resource):
    info = call(INFO)
    ainfo = acall(INFO)
