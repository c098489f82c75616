"""The benchmark harness runs end to end on a tiny size and writes both result files. Structure only: no test here
times anything (speed is measured by ``python -m benchmarks``, never asserted)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.run import ROWS, main

TINY = ["--rounds", "1", "--events", "30", "--calls", "3", "--concurrent-calls", "10", "--concurrency", "5",
        "--upload-mib", "1", "--import-samples", "1", "--builder-n", "50", "--no-peers", "--timeout", "60"]  # fmt: skip

ROWS_WITH_FLOOR = (
    "chat_blocking",
    "info",
    "stream_sync",
    "stream_async",
    "concurrency",
    "import",
    "first_call",
    "upload",
)


def test_tiny_run_writes_every_row_with_finite_ratios(tmp_path: Path) -> None:
    assert main([*TINY, "--out", str(tmp_path), "--venvs", str(tmp_path / "venvs")]) == 0
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    rows = {row["id"]: row for row in data["rows"]}
    assert set(rows) == {row.id for row in ROWS}
    for rid, row in rows.items():
        # The builder's extra cost is clamped at 0 (a builder measured no slower than direct construction).
        least = 0.0 if rid == "builder" else math.ulp(0.0)
        assert isinstance(row["ratio"], float) and math.isfinite(row["ratio"]) and row["ratio"] >= least, (rid, row)
        assert row["goal"], rid
    for rid in ROWS_WITH_FLOOR:
        ours, floor = rows[rid]["contenders"]["ours"], rows[rid]["contenders"]["floor"]
        assert math.isfinite(ours["median"]) and math.isfinite(floor["median"]), rid
        assert math.isfinite(ours["ratio"]["median"]), rid
        for peer in ("dify-client-python", "dify-oapi2", "dify-python-sdk"):
            assert rows[rid]["contenders"][peer] == {"na": "not run (--no-peers)"}
    conc = rows["concurrency"]["contenders"]
    assert conc["ours"]["connections"] >= 1
    for who in ("ours-aiohttp", "floor-sdk-limits"):  # measured when this checkout has it, else n/a and why
        assert "ratio" in conc[who] or conc[who]["na"], who
    aio_stream = rows["stream_async"]["contenders"]["ours-aiohttp"]
    assert "ratio" in aio_stream or aio_stream["na"]
    assert rows["upload"]["contenders"]["ours"]["rss_growth_mib"] >= 0
    assert not (tmp_path / "venvs").exists()  # --no-peers creates no venv
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## Ratios" in text and "## Machine and versions" in text
    assert text.index("## Ratios") < text.index("## Absolute numbers")
    for row in ROWS:
        assert row.goal_text in text


def test_the_stream_ab_script_runs_every_stream_row_on_a_tiny_size(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.stream_ab import main as stream_ab

    assert stream_ab(["--rounds", "1", "--events", "30", "--per-event", "--timeout", "60"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("stream_")]
    assert [line.split()[0] for line in lines] == ["stream_sync", "stream_async"]
    assert all(math.isfinite(float(line.split()[-1])) for line in lines)
