"""CI runs what the README tells a newcomer to run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block is not None, "the README's first screen has no commands"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_first_screen_has_the_demo_and_the_test_command() -> None:
    """The README's first code block holds two commands: the demo and the whole test suite."""
    assert _readme_commands() == [
        "python3 -m pip install nox && python3 -m nox -s demo",
        "python3 -m pip install nox && python3 -m nox -s tests",
    ]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """.ci/run has the README's test command as one of its lines, word for word, then build and docs."""
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert _readme_commands()[1] in lines
    assert "python3 -m nox -s build docs" in lines
    assert "set -euo pipefail" in lines
