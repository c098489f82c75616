"""``client.dify.v1.end_user``: end users of the app."""

from __future__ import annotations

from .....core.endpoint import Endpoint
from .....core.resource import Resource, acall, call
from ..model.end_user import EndUserDetail, GetEndUserRequest

GET = Endpoint("GET", "/end-users/{end_user_id}", GetEndUserRequest, EndUserDetail, summary="An end user by id.")


class EndUser(Resource):
    """End users, by Dify's id."""

    get = call(GET)
    aget = acall(GET)
