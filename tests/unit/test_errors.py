"""The status/code/message -> exception table, odd bodies, and secrecy of the token in errors."""

from __future__ import annotations

import httpx
import pytest
import respx

from influxdb_replications import (
    AlreadyExistsError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InfluxDBError,
    NotFoundError,
    RateLimitError,
    RemoteInUseError,
    ReplicationClient,
    RetryPolicy,
    ServerError,
    UnauthorizedError,
    UnprocessableEntityError,
    ValidationFailedError,
)

from .conftest import REPL_ID, TOKEN, MakeClient

PATH = f"/api/v2/replications/{REPL_ID}"

# status, code, message -> class (exact type)
TABLE: list[tuple[int, str | None, str, type[APIStatusError]]] = [
    (400, "invalid", "replication ID is invalid", BadRequestError),
    (400, "empty value", "x", BadRequestError),
    (400, "invalid", "replication parameters fail validation: 401", ValidationFailedError),
    (400, "invalid", "validation fails after applying update: 401", ValidationFailedError),
    (400, "invalid", "replication failed validation: 401", ValidationFailedError),
    (401, "unauthorized", "unauthorized access", UnauthorizedError),
    (403, "forbidden", "User is inactive", ForbiddenError),
    (404, "not found", "replication not found", NotFoundError),
    (405, None, "", APIStatusError),
    (408, "x", "deadline", APIStatusError),
    (409, "conflict", "taken", ConflictError),
    (413, "request too large", "big", APIStatusError),
    (418, None, "teapot", APIStatusError),
    (
        422,
        "unprocessable entity",
        "one of remote_bucket_id, remote_bucket_name should be provided",
        UnprocessableEntityError,
    ),
    (422, "conflict", "name conflict", ConflictError),
    (429, "too many requests", "slow down", RateLimitError),
    (499, None, "client closed", APIStatusError),
    (
        500,
        "internal error",
        "UNIQUE constraint failed: replications.org_id, replications.name",
        AlreadyExistsError,
    ),
    (500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name", AlreadyExistsError),
    (
        500,
        "internal error",
        "remote-connection cannot be deleted as a replication references it",
        RemoteInUseError,
    ),
    (500, "internal error", "CHECK constraint failed: replications_one_of_id_name", ServerError),
    (500, "internal error", 'durable queue not found for replication ID "x"', ServerError),
    (501, "not implemented", "nope", ServerError),
    (502, None, "bad gateway", ServerError),
    (503, "unavailable", "later", ServerError),
    (504, None, "gateway timeout", ServerError),
    (507, "weird new code", "disk", ServerError),
]


@pytest.mark.parametrize(("status", "code", "message", "cls"), TABLE)
async def test_status_table(
    router: respx.Router,
    make_client: MakeClient,
    status: int,
    code: str | None,
    message: str,
    cls: type[APIStatusError],
) -> None:
    """Each status/code/message maps to exactly one class, with status, code and message kept."""
    body = {"message": message} if code is None else {"code": code, "message": message}
    router.get(PATH).respond(status, json=body, headers={"X-Platform-Error-Code": code or ""})
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(APIStatusError) as info:
        await client.replications.get(REPL_ID)
    error = info.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.code == code
    assert error.message == (message or httpx.codes.get_reason_phrase(status))
    assert error.method == "GET" and PATH in error.url
    assert str(status) in str(error)


def test_conflict_family() -> None:
    """AlreadyExistsError and RemoteInUseError are ConflictErrors, not ServerErrors."""
    assert issubclass(AlreadyExistsError, ConflictError) and not issubclass(AlreadyExistsError, ServerError)
    assert issubclass(RemoteInUseError, ConflictError) and not issubclass(RemoteInUseError, ServerError)
    assert issubclass(ValidationFailedError, BadRequestError)
    assert issubclass(APITimeoutError, APIConnectionError)
    for cls in (APIConnectionError, APIResponseValidationError, APIStatusError):
        assert issubclass(cls, InfluxDBError)


@pytest.mark.parametrize(
    ("status", "content", "cls", "message"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", ServerError, "<html><body>Bad Gateway</body></html>"),
        (404, b"404 page not found\n", NotFoundError, "404 page not found"),
        (400, b"", BadRequestError, "Bad Request"),
        (500, b'{"code": 5, "message": ["x"]}', ServerError, "Internal Server Error"),
        (500, b"[1, 2]", ServerError, "[1, 2]"),
        (422, b'{"message": "no code"}', UnprocessableEntityError, "no code"),
        (401, b"\xff\xfe\x00garbage", UnauthorizedError, "\ufffd\ufffd\x00garbage"),
    ],
    ids=["html", "text", "empty", "wrong-types", "array", "no-code", "binary"],
)
async def test_non_json_bodies(
    router: respx.Router,
    make_client: MakeClient,
    status: int,
    content: bytes,
    cls: type[APIStatusError],
    message: str,
) -> None:
    """Non-JSON, code-less or oddly typed error bodies give the class for the status, never a decode error."""
    router.get(PATH).respond(status, content=content)
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(cls) as info:
        await client.replications.get(REPL_ID)
    assert info.value.code is None
    assert info.value.message == message


async def test_long_html_is_truncated(router: respx.Router, make_client: MakeClient) -> None:
    """A large proxy page is cut to a short excerpt in the message but kept whole in .body."""
    page = b"<html>" + b"x" * 5000 + b"</html>"
    router.get(PATH).respond(502, content=page)
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ServerError) as info:
        await client.replications.get(REPL_ID)
    assert len(info.value.message) < 300
    assert info.value.body == page


async def test_rate_limit_retry_after(router: respx.Router, make_client: MakeClient) -> None:
    """A 429 carries retry_after in seconds from its Retry-After header."""
    router.get(PATH).respond(
        429, headers={"Retry-After": "120"}, json={"code": "too many requests", "message": "x"}
    )
    client = make_client()
    with pytest.raises(RateLimitError) as info:
        await client.replications.get(REPL_ID)
    assert info.value.retry_after == 120.0


async def test_two_hundred_with_bad_json(router: respx.Router, client: ReplicationClient) -> None:
    """A 200 whose body is not JSON, or lacks required keys, is APIResponseValidationError."""
    router.get(PATH).mock(
        side_effect=[httpx.Response(200, content=b"<html>"), httpx.Response(200, json={"id": REPL_ID})]
    )
    with pytest.raises(APIResponseValidationError) as info:
        await client.replications.get(REPL_ID)
    assert info.value.status_code == 200
    with pytest.raises(APIResponseValidationError):
        await client.replications.get(REPL_ID)


async def test_token_is_masked_in_error_messages(router: respx.Router, make_client: MakeClient) -> None:
    """A server (or proxy) echoing the token never puts it in the message, str or repr of the error."""
    router.get(PATH).respond(400, json={"code": "invalid", "message": f"bad header Token {TOKEN}"})
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(BadRequestError) as info:
        await client.replications.get(REPL_ID)
    for text in (info.value.message, str(info.value), repr(info.value), str(info.value.args)):
        assert TOKEN not in text


async def test_connection_error_messages_have_no_token(router: respx.Router, make_client: MakeClient) -> None:
    """Transport errors are APIConnectionError / APITimeoutError without the token in message or repr."""
    router.get(PATH).mock(side_effect=[httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(APIConnectionError) as first:
        await client.replications.get(REPL_ID)
    with pytest.raises(APITimeoutError) as second:
        await client.replications.get(REPL_ID)
    for error in (first.value, second.value):
        assert TOKEN not in str(error) and TOKEN not in repr(error)
        assert error.method == "GET"


def test_errors_pickle() -> None:
    """Errors survive pickling (multiprocessing, task queues) with their attributes."""
    import pickle

    error = AlreadyExistsError(
        "taken", status_code=500, code="internal error", method="POST", url="http://x/y"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is AlreadyExistsError
    assert (copy.status_code, copy.code, copy.message, str(copy)) == (
        500,
        "internal error",
        "taken",
        str(error),
    )
    timeout = pickle.loads(pickle.dumps(APITimeoutError("slow", method="GET", url="/a")))
    assert (type(timeout), timeout.message, timeout.method) == (APITimeoutError, "slow", "GET")
