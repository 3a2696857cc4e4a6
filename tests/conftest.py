"""Options shared by the whole suite."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--real-server",
        action="store_true",
        default=False,
        help="run tests/integration against the InfluxDB 2.x named by INFLUX_HOST, INFLUX_TOKEN and "
        "INFLUX_ORG instead of the embedded server (nox -s integration does this)",
    )
