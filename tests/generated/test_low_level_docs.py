"""The example of docs/low-level.md runs against the embedded server and prints what the page says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "low_level.py"


def test_the_page_includes_the_example() -> None:
    """docs/low-level.md pulls the example file in (so the page shows exactly what is run here)."""
    page = (ROOT / "docs" / "low-level.md").read_text(encoding="utf-8")
    assert '--8<-- "docs/examples/low_level.py"' in page
    assert "low-level.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_low_level_example_runs() -> None:
    """The example creates, lists and deletes through asyncio_detailed/asyncio and prints the results."""
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["['telemetry-to-cloud']", "404 not found", "204"]
