"""Logging: the ``dify_oapi`` logger. ``DIFY_OAPI_LOG=info|debug`` attaches one stderr handler to that logger only.
Records carry method, path template, status, attempt and elapsed time: never keys, headers or bodies."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("dify_oapi")
_HANDLER_NAME = "dify_oapi.env"


def configure_from_env() -> None:
    level_name = os.environ.get("DIFY_OAPI_LOG", "").strip().upper()
    if level_name not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        return
    logger.setLevel(level_name)
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
