"""scripts/codegen.py: fetch with checksum, trim, overlay, and the up-to-date check."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

# --------------------------------------------------------------------------- a local upstream


class _Upstream:
    """A loopback HTTP server standing in for the spec's host and the commits API."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                upstream.hits.append(self.path)
                body = upstream.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[_Upstream]:
    server = _Upstream()
    yield server
    server.close()


def _pin_for(upstream: _Upstream, commit: str, data: bytes) -> dict[str, str]:
    return {
        "url_template": upstream.base + "/{commit}/spec.yaml",
        "commit": commit,
        "sha256": hashlib.sha256(data).hexdigest(),
        "latest_commit_api": upstream.base + "/commits",
    }


# --------------------------------------------------------------------------- fetch


def test_fetch_downloads_checks_and_caches(codegen: ModuleType, upstream: _Upstream, tmp_path: Path) -> None:
    """The pinned URL is downloaded once, checked against the pin, then served from the cache."""
    data = b"openapi: 3.0.0\npaths: {}\n"
    commit = "a" * 40
    upstream.files[f"/{commit}/spec.yaml"] = data
    pin = _pin_for(upstream, commit, data)

    assert codegen.fetch_spec(pin, cache_dir=tmp_path) == data
    assert (tmp_path / f"{pin['sha256']}.yml").read_bytes() == data
    assert codegen.fetch_spec(pin, cache_dir=tmp_path) == data
    assert upstream.hits == [f"/{commit}/spec.yaml"]


def test_fetch_refuses_a_checksum_mismatch(codegen: ModuleType, upstream: _Upstream, tmp_path: Path) -> None:
    """A download whose sha256 differs from the pin is an error and is not cached."""
    commit = "b" * 40
    upstream.files[f"/{commit}/spec.yaml"] = b"tampered"
    pin = _pin_for(upstream, commit, b"what was pinned")

    with pytest.raises(codegen.CodegenError, match="checksum mismatch"):
        codegen.fetch_spec(pin, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_fetch_from_local_copy_is_checked_too(codegen: ModuleType, tmp_path: Path) -> None:
    """--from takes a local file but still insists on the pinned checksum."""
    good = tmp_path / "good.yml"
    good.write_bytes(b"spec")
    pin = {"url_template": "http://127.0.0.1:9/{commit}", "commit": "c" * 40, "latest_commit_api": "x"}
    pin["sha256"] = hashlib.sha256(b"spec").hexdigest()
    assert codegen.fetch_spec(pin, from_path=good, cache_dir=tmp_path / "cache") == b"spec"
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"other")
    with pytest.raises(codegen.CodegenError, match="checksum mismatch"):
        codegen.fetch_spec(pin, from_path=bad, cache_dir=tmp_path / "cache")
    with pytest.raises(codegen.CodegenError, match="cannot read"):
        codegen.fetch_spec(pin, from_path=tmp_path / "missing.yml")


def test_download_failure_is_a_clear_error(codegen: ModuleType, upstream: _Upstream, tmp_path: Path) -> None:
    """A 404 from upstream becomes a CodegenError naming the URL."""
    pin = _pin_for(upstream, "d" * 40, b"x")
    with pytest.raises(codegen.CodegenError, match=r"could not download .*/spec\.yaml"):
        codegen.fetch_spec(pin, cache_dir=tmp_path)


def test_update_moves_the_pin_to_the_newest_commit(
    codegen: ModuleType, upstream: _Upstream, tmp_path: Path
) -> None:
    """--update asks for the newest commit of the file, downloads it and rewrites commit and sha256."""
    old, new = "1" * 40, "2" * 40
    new_data = b"openapi: 3.0.0\ninfo: {title: t, version: '2'}\npaths: {}\n"
    upstream.files["/commits"] = json.dumps([{"sha": new}]).encode()
    upstream.files[f"/{new}/spec.yaml"] = new_data
    pin_file = tmp_path / "pin.toml"
    codegen.write_pin(_pin_for(upstream, old, b"old"), pin_file)

    updated = codegen.update_pin(codegen.read_pin(pin_file), pin_file, cache_dir=tmp_path / "cache")

    assert updated["commit"] == new
    reread = codegen.read_pin(pin_file)
    assert reread["commit"] == new
    assert reread["sha256"] == hashlib.sha256(new_data).hexdigest()
    assert codegen.fetch_spec(reread, cache_dir=tmp_path / "cache") == new_data


def test_update_rejects_a_bad_commits_answer(
    codegen: ModuleType, upstream: _Upstream, tmp_path: Path
) -> None:
    """An answer that names no commit leaves the pin untouched."""
    upstream.files["/commits"] = b"[]"
    pin_file = tmp_path / "pin.toml"
    codegen.write_pin(_pin_for(upstream, "1" * 40, b"old"), pin_file)
    before = pin_file.read_text()
    with pytest.raises(codegen.CodegenError, match="unexpected answer"):
        codegen.update_pin(codegen.read_pin(pin_file), pin_file, cache_dir=tmp_path)
    assert pin_file.read_text() == before


def test_committed_pin_matches_the_shared_copy(codegen: ModuleType) -> None:
    """openapi/pin.toml records the sha256 of the spec documented in ../shared/openapi/SOURCE.md."""
    pin = codegen.read_pin()
    assert pin["commit"] in codegen.pinned_url(pin)
    source = codegen.SHARED_COPY.parent / "SOURCE.md"
    if not source.is_file():
        pytest.skip("../shared/openapi/SOURCE.md is not beside this checkout")
    assert pin["sha256"] in source.read_text()


# --------------------------------------------------------------------------- trim and overlay


def test_trim_keeps_only_listed_operations_and_their_closure(codegen: ModuleType, spec_bytes: bytes) -> None:
    """Trimming keeps the listed paths, every referenced component, and no upstream prose."""
    spec = yaml.safe_load(spec_bytes)
    trimmed = codegen.trim_spec(spec, codegen.load_trim())

    assert set(trimmed["paths"]) == {
        "/api/v2/remotes",
        "/api/v2/remotes/{remoteID}",
        "/api/v2/replications",
        "/api/v2/replications/{replicationID}",
        "/api/v2/replications/{replicationID}/validate",
        "/api/v2/orgs",
        "/api/v2/buckets",
        "/health",
        "/ping",
    }
    assert set(trimmed["paths"]["/api/v2/buckets"]) == {"get"}
    assert "head" not in trimmed["paths"]["/ping"]
    dangling = [
        ref
        for ref in codegen._refs(trimmed)
        if ref.split("/")[-1] not in trimmed["components"][ref.split("/")[2]]
    ]
    assert dangling == []
    assert "Task" not in trimmed["components"]["schemas"]
    text = json.dumps(trimmed)
    assert '"summary"' not in text
    assert '"example' not in text
    assert '"x-' not in text
    prose = [d for d in _values_of(trimmed, "description") if isinstance(d, str) and d]
    assert prose == []
    # a field that happens to be called "description" is data, not prose, and stays
    assert trimmed["components"]["schemas"]["RemoteConnection"]["properties"]["description"] == {
        "type": "string"
    }


def _values_of(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values_of(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of(item, key)


def test_trim_rule_that_matches_nothing_is_an_error(codegen: ModuleType) -> None:
    """A trim rule naming a path the spec does not have fails loudly instead of silently shrinking."""
    spec = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {}}}}
    with pytest.raises(codegen.CodegenError, match="match no operation"):
        codegen.trim_spec(spec, [("/a", ["get"]), ("/missing*", ["*"])])


def test_overlay_corrections_are_applied(codegen: ModuleType, spec_bytes: bytes) -> None:
    """The committed overlay adds maxAgeSeconds, drops update defaults and makes Error.code a plain string."""
    spec = codegen.prepare_spec(spec_bytes)
    schemas = spec["components"]["schemas"]
    assert schemas["Replication"]["properties"]["maxAgeSeconds"] == {"type": "integer", "format": "int64"}
    assert "default" not in schemas["RemoteConnectionUpdateRequest"]["properties"]["allowInsecureTLS"]
    for body in ("RemoteConnectionUpdateRequest", "ReplicationUpdateRequest"):
        assert not [p for p in schemas[body]["properties"].values() if "default" in p]
    assert schemas["Error"]["properties"]["code"] == {"type": "string"}
    assert "required" not in schemas["Error"]
    assert "ErrorCode" not in schemas  # pruned once nothing references it
    validate = [
        p for p in spec["paths"]["/api/v2/replications"]["post"]["parameters"] if p.get("name") == "validate"
    ]
    assert validate == [{"in": "query", "name": "validate", "schema": {"type": "boolean"}}]
    assert spec["paths"]["/api/v2/remotes"]["post"]["summary"].startswith("Create a remote connection")


def test_overlay_action_without_reason_is_refused(codegen: ModuleType) -> None:
    """Every overlay action must carry its one-line reason."""
    overlay = {"overlay": "1.0.0", "actions": [{"target": "$.info", "update": {"title": "x"}}]}
    with pytest.raises(codegen.CodegenError, match="no description"):
        codegen.apply_overlay({"info": {}}, overlay)


def test_overlay_action_that_misses_is_refused(codegen: ModuleType) -> None:
    """An overlay target that matches nothing (e.g. upstream renamed a schema) is an error, not a no-op."""
    overlay = {
        "overlay": "1.0.0",
        "actions": [{"target": "$.components.schemas.Gone", "description": "r", "remove": True}],
    }
    with pytest.raises(codegen.CodegenError, match="matches nothing"):
        codegen.apply_overlay({"components": {"schemas": {}}}, overlay)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("$.a.b", [("key", "a"), ("key", "b")]),
        ("$.paths['/x/{id}'].get", [("key", "paths"), ("key", "/x/{id}"), ("key", "get")]),
        ("$.list[2]", [("key", "list"), ("index", 2)]),
        ("$.p[?(@.name=='validate')]", [("key", "p"), ("filter", ("name", "validate"))]),
    ],
)
def test_jsonpath_subset(codegen: ModuleType, target: str, expected: list[tuple[str, Any]]) -> None:
    """The overlay's JSONPath subset parses names, quoted keys, indexes and equality filters."""
    assert codegen.parse_jsonpath(target) == expected


def test_jsonpath_rejects_what_it_does_not_understand(codegen: ModuleType) -> None:
    """An unsupported JSONPath is an error rather than a silent miss."""
    with pytest.raises(codegen.CodegenError, match="unsupported JSONPath"):
        codegen.parse_jsonpath("$..deep")


def test_overlay_filter_update_and_remove(codegen: ModuleType) -> None:
    """update merges into every match; remove deletes list items by filter."""
    doc: dict[str, Any] = {"params": [{"name": "a", "v": 1}, {"name": "b", "v": 2}], "info": {"x": 1}}
    overlay = {
        "overlay": "1.0.0",
        "actions": [
            {"target": "$.params[?(@.name=='a')]", "description": "r", "update": {"v": 10}},
            {"target": "$.params[?(@.name=='b')]", "description": "r", "remove": True},
            {"target": "$.info", "description": "r", "update": {"y": 2}},
        ],
    }
    assert codegen.apply_overlay(doc, overlay) == {
        "params": [{"name": "a", "v": 10}],
        "info": {"x": 1, "y": 2},
    }
    assert doc["params"][0]["v"] == 1  # the input is left alone


# --------------------------------------------------------------------------- end to end


@pytest.mark.usefixtures("generator")
def test_generated_package_is_up_to_date(codegen: ModuleType, spec_bytes: bytes, tmp_path: Path) -> None:
    """A fresh generation from the pinned spec is byte-for-byte what generated/ holds."""
    fresh = tmp_path / codegen.PACKAGE_NAME
    codegen.generate_into(codegen.prepare_spec(spec_bytes), fresh)
    assert codegen.diff_trees(codegen.GENERATED_DIR, fresh) == []
    # and the comparison itself can see a difference
    (fresh / "client.py").write_text("# changed\n")
    (fresh / "stale.py").write_text("")
    assert codegen.diff_trees(codegen.GENERATED_DIR, fresh) == ["client.py", "stale.py"]


@pytest.mark.usefixtures("generator")
def test_check_command_reports_drift(
    codegen: ModuleType, spec_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`codegen check` exits 1 and names the file when generated/ was edited by hand."""
    copy = tmp_path / "generated" / codegen.PACKAGE_NAME
    shutil.copytree(codegen.GENERATED_DIR, copy)
    (copy / "types.py").write_text((copy / "types.py").read_text() + "# hand edit\n")
    spec_file = tmp_path / "spec.yml"
    spec_file.write_bytes(spec_bytes)
    original = Path(codegen.GENERATED_DIR)
    monkeypatch.setattr(codegen, "GENERATED_DIR", copy)
    assert codegen.main(["check", "--from", str(spec_file)]) == 1
    shutil.rmtree(copy)
    shutil.copytree(original, copy)
    assert codegen.main(["check", "--from", str(spec_file)]) == 0
