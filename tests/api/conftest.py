from __future__ import annotations

import pytest

from tests.support import MODES


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Each test runs twice: through the sync method and through its async twin."""
    return str(request.param)
