"""Helpers for the workflow tests: call a method sync or async, build SSE answers, check what was sent."""

from __future__ import annotations

from tests.support import MODES, check_sent, collect, sse, sse_response
from tests.support import call as run

__all__ = ["MODES", "RUN_ID", "TASK_ID", "USER", "check_sent", "collect", "run", "sse", "sse_response"]

USER = "sdk-fixture-user"
RUN_ID = "ab8ed87a-dc2c-4e5e-b000-e678dd40dd5f"
TASK_ID = "58c48412-7440-48e1-9646-fa340ac5fde0"
