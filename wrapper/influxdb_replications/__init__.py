"""Async client for the InfluxDB OSS v2 Replications and Remote Connections APIs.

Start with :class:`ReplicationClient`; its resources are ``client.remotes`` and ``client.replications``.
"""

from ._client import ReplicationClient
from ._errors import (
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
    ServerError,
    UnauthorizedError,
    UnprocessableEntityError,
    ValidationFailedError,
)
from ._models import RemoteConnection, Replication
from ._retry import RetryPolicy
from .remotes import Remotes
from .replications import Replications

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AlreadyExistsError",
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "InfluxDBError",
    "NotFoundError",
    "RateLimitError",
    "RemoteConnection",
    "RemoteInUseError",
    "Remotes",
    "Replication",
    "ReplicationClient",
    "Replications",
    "RetryPolicy",
    "ServerError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationFailedError",
]
