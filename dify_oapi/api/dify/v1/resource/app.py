"""``client.dify.v1.app``: what every app type answers about itself."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, call, optional_request
from ..model.app import (
    AppInfo,
    AppMeta,
    AppParameters,
    AppSite,
    GetAppInfoRequest,
    GetAppMetaRequest,
    GetAppParametersRequest,
    GetAppSiteRequest,
)

INFO = Endpoint("GET", "/info", GetAppInfoRequest, AppInfo, summary="Basic information of the app.")
PARAMETERS = Endpoint(
    "GET", "/parameters", GetAppParametersRequest, AppParameters, summary="Features and input form of the app."
)
META = Endpoint("GET", "/meta", GetAppMetaRequest, AppMeta, summary="Tool icons of the app.")
SITE = Endpoint("GET", "/site", GetAppSiteRequest, AppSite, summary="WebApp settings of the app.")


class App(Resource):
    """The app behind the API key. Every method takes no request: ``client.dify.v1.app.parameters()``."""

    info = optional_request(call(INFO))
    ainfo = optional_request(acall(INFO))
    parameters = optional_request(call(PARAMETERS))
    aparameters = optional_request(acall(PARAMETERS))
    meta = optional_request(call(META))
    ameta = optional_request(acall(META))
    site = optional_request(call(SITE))
    asite = optional_request(acall(SITE))
