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
    """--from takes a local file but still insists on the pinned checksum, pointing to --repin."""
    good = tmp_path / "good.yml"
    good.write_bytes(b"spec")
    pin = {"url_template": "http://127.0.0.1:9/{commit}", "commit": "c" * 40, "latest_commit_api": "x"}
    pin["sha256"] = hashlib.sha256(b"spec").hexdigest()
    assert codegen.fetch_spec(pin, from_path=good, cache_dir=tmp_path / "cache") == b"spec"
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"other")
    with pytest.raises(codegen.CodegenError, match=r"bad\.yml is not the pinned spec.* --repin`$"):
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


# --------------------------------------------------------------------------- adopting a file offline


@pytest.fixture
def scratch(codegen: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """openapi/ copied, cache and generated/ under tmp_path, no ../shared copy to fall back on."""
    real_pin = codegen.PIN_FILE.read_bytes()
    openapi = tmp_path / "openapi"
    shutil.copytree(codegen.OPENAPI_DIR, openapi)
    paths = {
        "OPENAPI_DIR": openapi,
        "PIN_FILE": openapi / "pin.toml",
        "TRIM_FILE": openapi / "trim.toml",
        "OVERLAY_FILE": openapi / "overlay.yaml",
        "GENERATOR_CONFIG": openapi / "generator.yaml",
        "TEMPLATES_DIR": openapi / "templates",
        "CACHE_DIR": tmp_path / ".cache" / "openapi",
        "GENERATED_DIR": tmp_path / "generated" / codegen.PACKAGE_NAME,
        "SHARED_COPY": tmp_path / "shared" / "absent.yml",
    }
    for name, path in paths.items():
        monkeypatch.setattr(codegen, name, path)
    yield tmp_path
    assert (codegen.ROOT / "openapi" / "pin.toml").read_bytes() == real_pin, "a test moved the real pin"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MINIMAL = b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


@pytest.mark.usefixtures("generator")
def test_repin_adopts_a_new_file_offline(
    codegen: ModuleType, scratch: Path, spec_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """`generate --from new.yml --repin` generates, pins the file's sha256 (commit unknown), caches it."""
    new_data = spec_bytes + b"\n# a later revision of the same file\n"
    new_file = scratch / "new.yml"
    new_file.write_bytes(new_data)
    old_pin = codegen.read_pin(codegen.PIN_FILE)

    assert codegen.main(["generate", "--from", str(new_file), "--repin"]) == 0

    pin = codegen.read_pin(codegen.PIN_FILE)
    assert pin == dict(old_pin, sha256=_sha(new_data), commit="unknown", adopted_from="new.yml")
    assert "# commit unknown" in codegen.PIN_FILE.read_text()
    assert (codegen.CACHE_DIR / f"{_sha(new_data)}.yml").read_bytes() == new_data
    assert codegen.diff_trees(codegen.ROOT / "generated" / codegen.PACKAGE_NAME, codegen.GENERATED_DIR) == []
    assert f"pin moved to {new_file}" in capsys.readouterr().out
    # later runs need neither --from nor the network: the adopted file is in the cache
    new_file.unlink()
    assert codegen.main(["fetch"]) == 0
    assert capsys.readouterr().out.strip() == str(codegen.CACHE_DIR / f"{_sha(new_data)}.yml")


def test_repin_with_commit_records_it(codegen: ModuleType, scratch: Path) -> None:
    """--commit SHA is recorded beside the adopted sha256, so the pinned URL names that commit."""
    old_pin = codegen.read_pin(codegen.PIN_FILE)
    pin = codegen.repin(
        old_pin,
        MINIMAL,
        source="new.yml",
        commit="e" * 40,
        pin_file=codegen.PIN_FILE,
        cache_dir=codegen.CACHE_DIR,
    )
    assert codegen.read_pin(codegen.PIN_FILE) == pin
    assert pin == dict(old_pin, commit="e" * 40, sha256=_sha(MINIMAL), adopted_from="new.yml")
    assert "e" * 40 in codegen.pinned_url(pin)
    assert "# commit unknown" not in codegen.PIN_FILE.read_text()


def test_repin_of_the_pinned_file_keeps_its_commit(codegen: ModuleType, scratch: Path) -> None:
    """Repinning the file that is already pinned, without --commit, leaves the pin file as it was."""
    codegen.write_pin(
        {"url_template": "u/{commit}", "commit": "1" * 40, "sha256": _sha(MINIMAL), "latest_commit_api": "c"},
        codegen.PIN_FILE,
    )
    before = codegen.PIN_FILE.read_bytes()
    pin = codegen.read_pin(codegen.PIN_FILE)
    kept = codegen.repin(
        pin, MINIMAL, source="same.yml", pin_file=codegen.PIN_FILE, cache_dir=codegen.CACHE_DIR
    )
    assert kept == pin
    assert codegen.PIN_FILE.read_bytes() == before
    assert (codegen.CACHE_DIR / f"{_sha(MINIMAL)}.yml").read_bytes() == MINIMAL


@pytest.mark.parametrize("commit", ["e" * 39, "E" * 40, "main", ""])
def test_repin_refuses_a_bad_commit(
    codegen: ModuleType, scratch: Path, commit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--commit must be a full 40-digit lowercase hex hash; otherwise nothing moves."""
    new_file = scratch / "new.yml"
    new_file.write_bytes(MINIMAL)
    before = codegen.PIN_FILE.read_bytes()
    with pytest.raises(codegen.CodegenError, match="is not a 40-digit lowercase hex commit hash"):
        codegen.repin(
            codegen.read_pin(codegen.PIN_FILE),
            MINIMAL,
            source="new.yml",
            commit=commit,
            pin_file=codegen.PIN_FILE,
            cache_dir=codegen.CACHE_DIR,
        )
    assert codegen.PIN_FILE.read_bytes() == before
    assert not codegen.CACHE_DIR.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"openapi: [unclosed\n", "is not YAML (line 2)"),
        (b"- just\n- a list\n", "is not an OpenAPI 3 document"),
        (b"swagger: '2.0'\npaths: {}\n", "is not an OpenAPI 3 document"),
        (b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\n", "is not an OpenAPI 3 document"),
    ],
)
def test_repin_refuses_what_is_not_openapi_yaml(
    codegen: ModuleType, scratch: Path, content: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--repin checks that the file is an OpenAPI 3 YAML document before anything moves."""
    bad = scratch / "bad.yml"
    bad.write_bytes(content)
    before = codegen.PIN_FILE.read_bytes()
    assert codegen.main(["generate", "--from", str(bad), "--repin"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert codegen.PIN_FILE.read_bytes() == before
    assert not codegen.CACHE_DIR.exists()
    assert not codegen.GENERATED_DIR.exists()


def test_repin_moves_nothing_when_generation_fails(
    codegen: ModuleType, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An OpenAPI file without our operations fails in the trim step; pin, cache and generated/ stay."""
    other = scratch / "other.yml"
    other.write_bytes(b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {/other: {get: {}}}\n")
    before = codegen.PIN_FILE.read_bytes()
    assert codegen.main(["generate", "--from", str(other), "--repin"]) == 2
    assert "trim rules match no operation" in capsys.readouterr().err
    assert codegen.PIN_FILE.read_bytes() == before
    assert not codegen.CACHE_DIR.exists()
    assert not codegen.GENERATED_DIR.exists()


def test_from_without_repin_refuses_another_file(
    codegen: ModuleType, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`generate --from other.yml` refuses a file that is not the pinned one and names --repin."""
    other = scratch / "other.yml"
    other.write_bytes(MINIMAL)
    before = codegen.PIN_FILE.read_bytes()
    assert codegen.main(["generate", "--from", str(other)]) == 2
    err = capsys.readouterr().err
    assert f"{other} is not the pinned spec" in err
    assert f"`nox -s generate -- --from {other} --repin`" in err
    assert err.count("\n") == 1
    assert codegen.PIN_FILE.read_bytes() == before
    assert not codegen.GENERATED_DIR.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "--repin"], "pass it with --from FILE"),
        (["generate", "--commit", "e" * 40], "--commit only goes with --from FILE --repin"),
        (["generate", "--update", "--from", "x.yml"], "exclude each other"),
        (["generate", "--update", "--from", "x.yml", "--repin"], "exclude each other"),
    ],
)
def test_generate_options_that_do_not_go_together(
    codegen: ModuleType, scratch: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--repin needs --from, --commit needs --repin, --update excludes --from; all before any I/O."""
    before = codegen.PIN_FILE.read_bytes()
    assert codegen.main(argv) == 2
    assert message in capsys.readouterr().err
    assert codegen.PIN_FILE.read_bytes() == before


@pytest.mark.parametrize("command", ["fetch", "check", "generate"])
def test_unknown_commit_without_a_copy_is_a_one_line_error(
    codegen: ModuleType,
    scratch: Path,
    upstream: _Upstream,
    command: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After --repin without --commit, fetch, check and generate without the file say why, in one line."""
    pin = dict(_pin_for(upstream, "unknown", b"the adopted file"), adopted_from="new.yml")
    codegen.write_pin(pin, codegen.PIN_FILE)
    assert codegen.main([command]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the pinned spec") and err.count("\n") == 1
    assert "adopted with --repin from new.yml without --commit" in err
    assert "`--from FILE`" in err and "`--commit SHA`" in err
    assert "checksum mismatch" not in err
    assert upstream.hits == []  # no download of a URL that cannot hold the file


def test_download_that_is_not_the_adopted_file_says_why(
    codegen: ModuleType, scratch: Path, upstream: _Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the commit recorded by --repin serves another file, fetch says so instead of a bare mismatch."""
    commit = "f" * 40
    adopted = MINIMAL + b"# edited locally\n"
    upstream.files[f"/{commit}/spec.yaml"] = MINIMAL
    codegen.write_pin(_pin_for(upstream, "1" * 40, b"old"), codegen.PIN_FILE)
    codegen.repin(
        codegen.read_pin(codegen.PIN_FILE),
        adopted,
        source="new.yml",
        commit=commit,
        pin_file=codegen.PIN_FILE,
        cache_dir=codegen.CACHE_DIR,
    )
    shutil.rmtree(codegen.CACHE_DIR)  # as on another checkout: nothing cached

    assert codegen.main(["fetch"]) == 2
    err = capsys.readouterr().err
    assert "adopted with --repin from new.yml" in err
    assert f"commit {commit[:12]} serves sha256 {_sha(MINIMAL)[:16]}" in err
    assert "does not hold the adopted file" in err
    assert "checksum mismatch" not in err and err.count("\n") == 1
    assert not codegen.CACHE_DIR.exists()

    upstream.files[f"/{commit}/spec.yaml"] = adopted  # the right commit: the download is accepted
    assert codegen.main(["fetch"]) == 0
    assert capsys.readouterr().out.strip() == str(codegen.CACHE_DIR / f"{_sha(adopted)}.yml")


def test_update_after_repin_forgets_the_adopted_file(
    codegen: ModuleType, scratch: Path, upstream: _Upstream
) -> None:
    """--update takes upstream's newest file and drops adopted_from and the unknown commit."""
    new = "2" * 40
    upstream.files["/commits"] = json.dumps([{"sha": new}]).encode()
    upstream.files[f"/{new}/spec.yaml"] = MINIMAL
    base = _pin_for(upstream, "1" * 40, b"old")
    codegen.write_pin(base, codegen.PIN_FILE)
    repinned = codegen.repin(
        base,
        MINIMAL + b"# local\n",
        source="new.yml",
        pin_file=codegen.PIN_FILE,
        cache_dir=codegen.CACHE_DIR,
    )
    assert repinned["commit"] == "unknown"

    updated = codegen.update_pin(repinned, codegen.PIN_FILE, codegen.CACHE_DIR)

    assert codegen.read_pin(codegen.PIN_FILE) == updated == dict(base, commit=new, sha256=_sha(MINIMAL))
    assert "adopted_from" not in codegen.PIN_FILE.read_text()


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
    }
    assert set(trimmed["paths"]["/api/v2/buckets"]) == {"get"}
    assert set(trimmed["paths"]["/api/v2/orgs"]) == {"get"}
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
    max_age = schemas["Replication"]["properties"]["maxAgeSeconds"]
    assert {k: v for k, v in max_age.items() if k != "description"} == {"type": "integer", "format": "int64"}
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
