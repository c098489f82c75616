"""Helpers for the knowledge-base tests: the shared ones from tests.support, checked with the dataset key."""

from __future__ import annotations

from functools import partial
from typing import Any

from tests.support import DATASET_KEY, MODES, collect, transcript
from tests.support import call as run
from tests.support import check_sent as _check_sent
from tests.support import sse_response as _sse_response

__all__ = ["DOC", "DS", "MODES", "SEG", "check_sent", "collect", "recorded_body", "run", "sse_response"]

DS = "36608bde-4b2d-4703-b0a8-9584a6e9d0c5"
DOC = "1879ef21-4781-4955-90de-e2e671e920f7"
SEG = "64fb79d4-f477-485d-9263-f3493c412132"

check_sent = partial(_check_sent, key=DATASET_KEY)
"""``tests.support.check_sent`` with the dataset key."""

sse_response = partial(_sse_response, mixed_line_ends=True)
"""SSE answers with CRLF line ends on odd frames, LF on the others."""


def recorded_body(name: str) -> Any:
    """The JSON body of the request recorded in transcript ``name``."""
    return transcript(name)["request"]["body"]
