"""True on a fresh machine: the install the README gives works for this SDK (not the unrelated ``dify-oapi`` 0.0.15
on the public index), the metadata a user expects is there, and the tests need nothing beside the clone but the
OpenAPI file (whose absence shows in the summary)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import dify_oapi
from tests.support import SPEC_PATH, TRANSCRIPTS, transcript

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README = (ROOT / "README.md").read_text()
INSTALL = README.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_the_version_is_above_the_unrelated_package_on_the_index() -> None:
    version = PROJECT["project"]["version"]
    assert _version(version) > (0, 0, 15)
    assert dify_oapi.__version__ == version


def test_the_readme_never_installs_the_public_index_name() -> None:
    commands = re.findall(r"^pip install .*$", README, re.M)
    assert commands, "the README shows how to install"
    for command in commands:
        assert re.match(r'pip install "?(\.|dist/)', command), command
    code = "".join(re.findall(r"^```.*?^```", README, re.S | re.M))
    assert not re.search(r"install ['\"]?dify-oapi\b", code)
    assert "`pip install dify-oapi` does **not** give you this SDK" in INSTALL


def test_the_readme_installs_the_current_wheel_with_its_extras() -> None:
    version = PROJECT["project"]["version"]
    assert f'pip install "dist/dify_oapi-{version}-py3-none-any.whl[testing]"' in INSTALL
    assert 'pip install ".[testing]"' in INSTALL
    assert "testing" in PROJECT["project"]["optional-dependencies"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -q --disable-pip-version-check "$wheel[testing]"' in ci
    assert 'pip install -q --disable-pip-version-check ".[testing]"' in ci


def test_the_metadata_a_user_expects() -> None:
    project = PROJECT["project"]
    classifiers = set(project["classifiers"])
    for minor in (11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert {"Intended Audience :: Developers", "Operating System :: OS Independent"} <= classifiers
    assert project["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert not any(c.startswith("License ::") for c in classifiers), "PEP 639: the license expression alone"
    urls = project["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Repository", "Issues", "Changelog"}
    assert all(".invalid/" in url and "TODO" in url for url in urls.values()), "placeholders, clearly marked"


def test_the_transcripts_are_in_the_project_and_the_spec_is_not() -> None:
    assert TRANSCRIPTS.is_relative_to(ROOT) and TRANSCRIPTS.is_dir()
    assert transcript("cf_chat_blocking_new")["response"]["status"] == 200
    assert not list(ROOT.glob("tests/**/openapi_service.json")), "the OpenAPI file is reference data: never copied"
    assert not SPEC_PATH.is_relative_to(ROOT)


def test_the_test_command_lists_skip_reasons() -> None:
    addopts = PROJECT["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "-rs" in addopts or any(opt.startswith("-r") and "s" in opt for opt in addopts)
