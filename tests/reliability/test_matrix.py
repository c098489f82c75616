"""The fault matrix (see matrix.py) as one test per cell, plus the matrix-wide figures that must be zero.

The cells selected for this session run once, together (light cells in parallel, each with its own fault server and
Client), in a module fixture; each test then checks its own cell's result.
"""

from __future__ import annotations

import pytest

from .matrix import Cell, MatrixRun, cells, not_applicable, run_matrix

CELLS = cells()


@pytest.fixture(scope="module")
def matrix(request: pytest.FixtureRequest) -> MatrixRun:
    wanted = {
        item.callspec.params["cell"].id
        for item in request.session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("cell"), Cell)
    }
    return run_matrix([c for c in CELLS if c.id in wanted] or CELLS)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell: Cell, matrix: MatrixRun) -> None:
    result = matrix.by_id[cell.id]
    assert result.passed, f"{cell.id}: " + "; ".join(result.failures)


def test_matrix_figures_are_zero(matrix: MatrixRun) -> None:
    figures = matrix.figures()
    assert figures["duplicated POSTs"] == 0
    assert figures["hangs"] == 0
    assert figures["leaked connections"] == 0
    assert figures["secrets found"] == 0
    assert not matrix.env_changed, "the SDK changed os.environ"
    assert not matrix.logging_changed, "the SDK changed the logging configuration outside its own logger"


def test_matrix_shape() -> None:
    """Every mode (sync, async, async on aiohttp), every kind, every fault; what is left out says why."""
    assert {c.mode for c in CELLS} == {"sync", "async", "aiohttp"}
    assert {c.kind for c in CELLS} == {"blocking", "stream", "get", "upload", "download"}
    assert all(reason for _, _, reason in not_applicable())
    assert len(CELLS) >= 200
