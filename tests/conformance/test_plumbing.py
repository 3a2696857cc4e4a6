"""Section 1 of the reference: authentication, routing, response encoding (and checklist items 1, 10)."""

from __future__ import annotations

import gzip

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import make_remote

COMPACT_401 = b'{"code":"unauthorized","message":"unauthorized access"}'


@pytest.mark.parametrize(
    "header",
    [None, "", "Token", "Token wrong", "Basic edge-token", "edge-token", "Token  edge-token"],
)
async def test_bad_or_missing_token_gives_compact_401(anon: httpx.AsyncClient, header: str | None) -> None:
    """A missing header, a bad scheme or an unknown token is a compact-JSON 401 before routing."""
    headers = {} if header is None else {"Authorization": header}
    response = await anon.get("/api/v2/remotes", headers=headers)
    assert response.status_code == 401
    assert response.content == COMPACT_401
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("path", ["/api/v2/nothing-here", "/api/v2/remotes/x/y", "/whatever"])
async def test_authentication_comes_before_routing(anon: httpx.AsyncClient, path: str) -> None:
    """Unknown paths also answer 401 without a token, because auth runs before routing."""
    response = await anon.post(path)
    assert (response.status_code, response.content) == (401, COMPACT_401)


@pytest.mark.parametrize("scheme", ["Token", "token", "TOKEN", "Bearer", "bearer"])
async def test_token_and_bearer_schemes_are_case_insensitive(
    anon: httpx.AsyncClient, fake: FakeInfluxDB, scheme: str
) -> None:
    """`Token` and `Bearer` are both accepted, in any case."""
    response = await anon.get(
        "/api/v2/remotes", params={"orgID": fake.org_id}, headers={"Authorization": f"{scheme} {fake.token}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/health", 200), ("GET", "/ping", 204), ("HEAD", "/ping", 204), ("GET", "/ready", 200)],
)
async def test_no_auth_endpoints(anon: httpx.AsyncClient, method: str, path: str, status: int) -> None:
    """/health, /ping and /ready need no token."""
    response = await anon.request(method, path)
    assert response.status_code == status


async def test_success_body_is_tab_indented_without_trailing_newline(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """Success bodies are MarshalIndent output with tabs, no trailing newline, JSON content type."""
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id})
    assert response.content == b'{\n\t"remotes": null\n}'
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


async def test_error_body_is_tab_indented_with_platform_error_header(client: httpx.AsyncClient) -> None:
    """Errors are `{"code","message"}` tab-indented, with X-Platform-Error-Code."""
    response = await client.get("/api/v2/remotes")
    assert response.status_code == 400
    assert response.content == b'{\n\t"code": "invalid",\n\t"message": "invalid or missing org ID"\n}'
    assert response.headers["X-Platform-Error-Code"] == "invalid"


async def test_no_content_has_no_body_and_no_content_type(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """A 204 carries neither a body nor a Content-Type."""
    remote = await make_remote(client, fake)
    response = await client.delete(f"/api/v2/remotes/{remote['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("path", ["/api/v2/remotes/", "/api/v2/replications/", "/api/v2/remotes//"])
async def test_trailing_slashes_are_stripped(
    client: httpx.AsyncClient, fake: FakeInfluxDB, path: str
) -> None:
    """The base router strips trailing slashes, so `/api/v2/remotes/` is the list endpoint."""
    response = await client.get(path, params={"orgID": fake.org_id})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v2/remotes/0123456789abcdef/validate"),
        ("GET", "/api/v2/remotes/a/b"),
        ("POST", "/api/v2/replications/0123456789abcdef/other"),
        ("GET", "/api/v2/replications/a/validate/x"),
    ],
)
async def test_unknown_sub_path_is_plain_text_404(client: httpx.AsyncClient, method: str, path: str) -> None:
    """An unknown sub-path (e.g. the removed remote validate endpoint) is chi's plain `404 page not found`."""
    response = await client.request(method, path)
    assert response.status_code == 404
    assert response.text == "404 page not found\n"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v2/replications"),
        ("DELETE", "/api/v2/remotes"),
        ("POST", "/api/v2/remotes/0123456789abcdef"),
        ("GET", "/api/v2/replications/0123456789abcdef/validate"),
    ],
)
async def test_wrong_method_is_bare_405(client: httpx.AsyncClient, method: str, path: str) -> None:
    """A wrong method on the feature routers is a 405 with an empty body."""
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.content == b""


async def test_gzip_body_is_not_decoded_on_management_endpoints(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """A `Content-Encoding: gzip` body reaches the JSON decoder as raw bytes: 400."""
    body = gzip.compress(b'{"orgID": "%s", "name": "x"}' % fake.org_id.encode())
    response = await client.post("/api/v2/remotes", content=body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("failed to unmarshal json: ")


async def test_content_type_is_never_checked(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Any Content-Type is accepted; there is no 415."""
    body = b'{"orgID": "%s", "name": "x"}' % fake.org_id.encode()
    response = await client.post("/api/v2/remotes", content=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 201


async def test_unknown_api_path_is_json_404(client: httpx.AsyncClient) -> None:
    """Paths outside the features are the API router's JSON 404."""
    response = await client.get("/api/v2/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "not found", "message": "path not found"}
