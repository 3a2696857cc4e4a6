"""Fixtures for the code-generation tests: the codegen script module and a copy of the pinned spec."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_codegen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codegen", ROOT / "scripts" / "codegen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["codegen"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def codegen() -> ModuleType:
    """The scripts/codegen.py module (it needs PyYAML, installed with the `generate` group)."""
    pytest.importorskip("yaml", reason="PyYAML comes with the `generate` dependency group")
    return _load_codegen()


@pytest.fixture(scope="session")
def spec_bytes(codegen: ModuleType) -> bytes:
    """The pinned upstream spec from the cache or ../shared/openapi; skipped only when neither exists."""
    pin = codegen.read_pin()
    local = codegen.find_local_spec(pin)
    if local is None:
        pytest.skip(
            "no copy of the pinned spec: neither .cache/openapi/ nor ../shared/openapi/ holds it "
            "(run `nox -s generate` once with network access)"
        )
    data: bytes = local.read_bytes()
    return data


@pytest.fixture(scope="session")
def generator(codegen: ModuleType) -> str:
    """Path of the openapi-python-client executable; skipped when the `generate` group is not installed."""
    try:
        path: str = codegen._generator_executable()
    except codegen.CodegenError:
        pytest.skip("openapi-python-client is not installed (it comes with the `generate` dependency group)")
    return path
