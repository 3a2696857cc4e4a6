"""Public entry points only: what the wrapper takes from generated/ and from third-party libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

from influxdb_replications.core.transport import PRIVATE_ATTRIBUTES, AiohttpSender

WRAPPER = Path(__file__).resolve().parents[2] / "wrapper" / "influxdb_replications"


def _wrapper_sources() -> list[Path]:
    return sorted(p for p in WRAPPER.rglob("*.py") if "testing" not in p.relative_to(WRAPPER).parts)


def test_the_wrapper_imports_only_public_names_of_the_generated_package() -> None:
    """No module of wrapper/ imports an underscore name or module of influxdb_replications_api."""
    offending = []
    for path in _wrapper_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "influxdb_replications_api"
            ):
                parts = (node.module or "").split(".")
                names = [alias.name for alias in node.names]
                if any(p.startswith("_") for p in parts) or any(n.startswith("_") for n in names):
                    offending.append(f"{path.name}: from {node.module} import {', '.join(names)}")
    assert offending == []


def _defined_private_names(trees: list[ast.Module]) -> set[str]:
    """Underscore names the wrapper defines itself: functions, classes, assigned names and attributes."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.add(node.value)  # __slots__ entries
    return {name for name in names if name.startswith("_")}


def test_the_wrapper_reads_no_private_attribute_of_another_library_outside_the_list() -> None:
    """Every ``x._name`` in wrapper/ is one of our own names or listed in PRIVATE_ATTRIBUTES."""
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in _wrapper_sources()]
    ours = _defined_private_names(trees)
    listed = {key.rsplit(".", 1)[1] for key in PRIVATE_ATTRIBUTES}
    foreign = {
        node.attr
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and node.attr not in ours
    }
    assert foreign <= listed, f"private attributes of other libraries: {sorted(foreign - listed)}"


@pytest.mark.parametrize("name", sorted(PRIVATE_ATTRIBUTES))
async def test_every_listed_private_attribute_still_exists(name: str) -> None:
    """Fails loudly when a library drops a private attribute we rely on (then revisit the reason)."""
    aiohttp = pytest.importorskip("aiohttp")
    assert name == "aiohttp.ClientSession._retry_connection"  # the only one; add a case for a new one
    async with aiohttp.ClientSession() as session:
        assert hasattr(session, "_retry_connection"), f"{name} is gone: {PRIVATE_ATTRIBUTES[name]}"


async def test_the_aiohttp_sender_switches_the_silent_resend_off() -> None:
    """The aiohttp backend's session does not resend requests by itself (the retry table decides)."""
    pytest.importorskip("aiohttp")
    sender = AiohttpSender("http://127.0.0.1:9", {}, httpx.Timeout(1.0), True, 10)
    session = sender._open()
    try:
        assert session._retry_connection is False
    finally:
        await sender.aclose()
