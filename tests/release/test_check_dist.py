"""Release rules: the changelog describes the version, the metadata names exactly the tested Pythons."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import influxdb_replications

ROOT = Path(__file__).resolve().parents[2]


def _load_check_dist() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_dist", ROOT / "scripts" / "check_dist.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_dist"] = module
    spec.loader.exec_module(module)
    return module


check_dist = _load_check_dist()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RELEASED = """# Changelog

## [Unreleased]

## [1.2.0] - 2026-01-31

### Added

- something

## [1.1.0] - 2025-12-01

### Fixed

- something else
"""


def test_changelog_describes_the_current_version() -> None:
    """CHANGELOG.md has a dated, non-empty section for the version in _version.py."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert check_dist.changelog_problems(changelog, influxdb_replications.__version__) == []


def test_version_has_one_source() -> None:
    """The version the package reports is the one _version.py writes, and pyproject reads it from there."""
    assert check_dist.read_version() == influxdb_replications.__version__
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "wrapper/influxdb_replications/_version.py"


@pytest.mark.parametrize("version", ["1.2.0", "1.1.0"])
def test_changelog_accepts_released_versions(version: str) -> None:
    """A version with a dated section listing changes is accepted, wherever the section is."""
    assert check_dist.changelog_problems(RELEASED, version) == []


@pytest.mark.parametrize(
    ("changelog", "version", "expected"),
    [
        (RELEASED, "1.3.0", "no section for version 1.3.0"),
        (RELEASED, "Unreleased", "needs a release date"),
        (RELEASED.replace("[1.2.0] - 2026-01-31", "[1.2.0]"), "1.2.0", "needs a release date"),
        (RELEASED.replace("- something\n", ""), "1.2.0", "lists no change"),
    ],
)
def test_changelog_refuses(changelog: str, version: str, expected: str) -> None:
    """A version without a section, a date or any change listed is refused with the reason."""
    (problem,) = check_dist.changelog_problems(changelog, version)
    assert expected in problem


def test_classifiers_and_requires_python_name_the_tested_pythons() -> None:
    """The classifiers list 3.11-3.13 (nox runs the suite on each); requires-python starts at the lowest."""
    pythons = check_dist.supported_pythons(PYPROJECT)
    assert pythons == ["3.11", "3.12", "3.13"]
    assert PYPROJECT["project"]["requires-python"] == f">={pythons[0]}"
    assert "Typing :: Typed" in PYPROJECT["project"]["classifiers"]
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert re.search(r"@nox\.session\(python=PYTHONS\)\ndef tests\(", noxfile)


def test_running_python_is_supported() -> None:
    """The suite only runs on a Python the package says it supports."""
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in check_dist.supported_pythons(PYPROJECT)
