"""Static typing tests: every file in ``tests/typing/cases`` is checked by ``mypy --strict`` and by pyright strict.

How to write a case: ``assert_type(expr, T)`` checks what is inferred; a line that must be a type error carries
``# type: ignore[<mypy code>]`` (for mypy) and ``# pyright: ignore[<rule>]`` (for pyright). Both checkers report an
ignore comment that is not needed (mypy's ``warn_unused_ignores`` under ``--strict``, pyright's
``reportUnnecessaryTypeIgnoreComment``; pyright reads only its own comments here), so a line that stops being an
error fails this test just as a wrong ``assert_type`` does. The case files are never run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = sorted(str(p.relative_to(ROOT)) for p in (HERE / "cases").glob("*.py"))
BIN = Path(sys.executable).parent


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_there_are_cases() -> None:
    assert CASES


def test_cases_pass_mypy_strict() -> None:
    done = _run([sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores", "--no-error-summary", *CASES])
    assert done.returncode == 0, done.stdout + done.stderr


def test_cases_pass_pyright_strict() -> None:
    pyright = str(BIN / "pyright") if (BIN / "pyright").exists() else shutil.which("pyright")
    assert pyright, "pyright is a dev dependency: run .ci/bootstrap"
    done = _run([pyright, "-p", str(HERE / "pyrightconfig.json"), "--pythonpath", sys.executable])
    assert done.returncode == 0, done.stdout + done.stderr
