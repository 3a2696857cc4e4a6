"""The one resource pattern: list, get, find, create with reconcile, update, delete and the validate variants.

``Remotes`` and ``Replications`` configure it (``Endpoints``: the generated endpoint calls, the list
answer's key, the models, the operation names of the retry table) and add only what is theirs: the name
look-ups and the bucket switch of a replication, the cascade delete of a remote. The request bodies and
create's reconcile comparison are built from the generated ``FIELDS`` (``core/fields.py``), so a field the
wrapper adds no behaviour to is never named here.
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import builtins
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

import httpx

from ..core.args import check_id, check_name
from ..core.client import Reconcile, ignore_body
from ..core.errors import AlreadyExistsError, APIStatusError, ValidationFailedError
from ..core.fields import FieldSpec, check_extras, defaults_of, request_fields
from ..core.models import same
from .hints import explain
from .lookups import resolve_org_id

if TYPE_CHECKING:
    from influxdb_replications_api.types import Response

    from ..core.client import Call, Core

__all__ = ["Bound", "Endpoints", "Resource", "Timeout", "arguments_of", "attempt", "same_arguments_as"]

Timeout = float | httpx.Timeout | None
M = TypeVar("M")  # the resource's model (RemoteConnection, Replication)
C = TypeVar("C")  # its create request
U = TypeVar("U")  # its update request
Filters = Mapping[str, str | None]
P = ParamSpec("P")
S = TypeVar("S")
R = TypeVar("R")


def same_arguments_as(
    model: Callable[Concatenate[S, P], Awaitable[object]],
) -> Callable[[Callable[..., Awaitable[R]]], Callable[Concatenate[S, P], Awaitable[R]]]:
    """Give a method exactly the arguments of ``model``: a validate variant takes what its action takes.

    mypy and IDEs see ``model``'s parameters (a ParamSpec); ``inspect.signature`` and ``help()`` show them
    (``__signature__``), with the method's own return type. The method reads them with ``arguments_of``.
    """

    def take(func: Callable[..., Awaitable[R]]) -> Callable[Concatenate[S, P], Awaitable[R]]:
        returns = func.__annotations__.get("return")
        signature = inspect.signature(model)
        setattr(func, "__signature__", signature.replace(return_annotation=returns))  # noqa: B010
        func.__annotations__ = {**model.__annotations__, "return": returns}
        return func

    return take


def arguments_of(method: Callable[..., object], *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """The values of a call's arguments in ``method``'s order, defaults filled in (TypeError as Python's)."""
    bound = inspect.signature(method).bind(*args, **kwargs)
    bound.apply_defaults()
    return tuple(bound.arguments.values())


# A generated endpoint function with the call's own arguments bound (``functools.partial``); one attempt
# adds the sender and the Zap-Trace-Span (``attempt``).
Bound = Callable[..., Awaitable["Response[Any]"]]


def attempt(bound: Bound) -> Call[Any]:
    """The request path's ``Call`` of an endpoint function whose own arguments are bound."""
    return lambda c, span: bound(client=c, zap_trace_span=span)


@dataclass(frozen=True, slots=True)
class Endpoints(Generic[M, C, U]):
    """What configures the pattern for one resource.

    Attributes:
        names: The API's plural ("remotes": the operations are "<noun>.list", "<noun>.create", ... in the
            retry table, ``core/retry.py``), the resource in words for messages ("remote connection"), and
            the name of its ID argument ("remote_id").
        models: The generated create request, update request and resource model (what the server returns).
        items: The items of a list answer (``{"<noun>": null}`` is ``[]``).
        list: The list endpoint bound to an org ID and filters (None: no filter).
        get: The get endpoint bound to an ID.
        create: The create endpoint bound to a body; ``True`` asks for validation only (``validate=true``).
        update: The update endpoint bound to an ID and a body; ``True`` asks for validation only.
        delete: The delete endpoint bound to an ID.
    """

    names: tuple[str, str, str]
    models: tuple[type[C], type[U], type[M]]
    items: Callable[[Any], builtins.list[M]]
    list: Callable[[str, Filters], Bound]
    get: Callable[[str], Bound]
    create: Callable[[C, bool], Bound]
    update: Callable[[str, U, bool], Bound]
    delete: Callable[[str], Bound]

    @property
    def noun(self) -> str:
        """The API's plural, which prefixes the operation names."""
        return self.names[0]

    @property
    def what(self) -> str:
        """The resource in words."""
        return self.names[1]

    @property
    def id_arg(self) -> str:
        """The name of its ID argument."""
        return self.names[2]


class Resource(Generic[M, C, U]):
    """The methods both resources share; a subclass sets ``_api`` and writes its public signatures.

    Every method takes ``timeout=`` (seconds or httpx.Timeout) and ``trace_span=`` (Zap-Trace-Span)
    overrides for that call.
    """

    _api: Endpoints[M, C, U]

    def __init__(self, client: Core) -> None:
        self._client = client
        self._create_model, self._update_model, model = self._api.models
        self._create_fields: tuple[FieldSpec, ...] = request_fields(self._create_model)
        self._update_fields: tuple[FieldSpec, ...] = request_fields(self._update_model)
        self._all_create: tuple[FieldSpec, ...] = getattr(self._create_model, "FIELDS", ())
        self._returned = frozenset(spec.name for spec in getattr(model, "FIELDS", ()))

    # ------------------------------------------------------------------ read

    async def _list(
        self,
        filters: Filters,
        timeout: Timeout,
        trace_span: str | None,
        attempts: int | None = None,
        org_id: str | None = None,
    ) -> builtins.list[M]:
        """List with these filters, in ``org_id`` (default: the client's org)."""
        client, api = self._client, self._api
        if org_id is None:
            org_id = await resolve_org_id(client, timeout, trace_span)
        try:
            return await client._request(
                f"{api.noun}.list",
                attempt(api.list(org_id, filters)),
                parse=api.items,
                timeout=timeout,
                trace_span=trace_span,
                attempts=attempts,
            )
        except APIStatusError as exc:
            raise explain(exc) from exc.__cause__

    async def _get(self, ident: str, timeout: Timeout, trace_span: str | None) -> M:
        ident = check_id(ident, self._api.id_arg)
        return await self._client._request(
            f"{self._api.noun}.get",
            attempt(self._api.get(ident)),
            parse=same,
            timeout=timeout,
            trace_span=trace_span,
        )

    async def find(self, name: str, *, timeout: Timeout = None, trace_span: str | None = None) -> M | None:
        """The one with exactly this name in the client's org (names are case-sensitive), or None.

        Raises:
            ValueError: empty name, or no org configured.
        """
        check_name(name, "name")
        return await self._named(name, timeout, trace_span)

    async def _named(
        self, name: str, timeout: Timeout, trace_span: str | None, attempts: int | None = None
    ) -> M | None:
        found = await self._list({"name": name}, timeout, trace_span, attempts)
        return next((item for item in found if getattr(item, "name", None) == name), None)

    # ------------------------------------------------------------------ request bodies

    def _check_create(self, fields: Mapping[str, Any], method: str) -> dict[str, Any]:
        """The checked ``**fields`` of a create, then the schema's defaults of those not passed.

        In that order: create's reconcile names differing fields in it.
        """
        checked = check_extras(self._create_fields, fields, method)
        return {**checked, **{k: v for k, v in defaults_of(self._create_fields).items() if k not in checked}}

    def _update_body(self, keywords: dict[str, Any], fields: Mapping[str, Any], method: str) -> U:
        """The update request: only what was passed (None means "not passed", contract note 7)."""
        return self._update_model(**keywords, **check_extras(self._update_fields, fields, method))

    def _differs(self, name: str, found: Any, wanted: Any) -> bool:
        """Whether a field of an existing object differs from what create asked (a subclass adds quirks)."""
        return bool(found != wanted)

    # ------------------------------------------------------------------ create, update, delete

    async def _create(
        self,
        body: C,
        first: Iterable[str],
        *,
        parse: Callable[[M], M] = same,
        timeout: Timeout,
        trace_span: str | None,
    ) -> M:
        """Send a create; after an ambiguous failure look the name up (contract note 1)."""
        api = self._api
        name: str = getattr(body, "name")  # noqa: B009 (every create request has a name)
        # every field the server returns is compared; a write-only one (the token) cannot be
        # (``first``: the fields passed and defaulted, in that order, so that the message names them first)
        names = dict.fromkeys([*first, *(spec.name for spec in self._all_create)])
        wanted = {key: getattr(body, key) for key in names if key in self._returned and key != "name"}

        async def lookup() -> M | None:
            return await self._named(name, timeout, trace_span, attempts=1)

        def verify(found: M) -> M:
            differ = [key for key, value in wanted.items() if self._differs(key, getattr(found, key), value)]
            if differ:
                raise AlreadyExistsError(
                    f"a {api.what} named {name!r} already exists with different "
                    f"{', '.join(differ)} (id {getattr(found, 'id', '?')})",
                    status_code=500,
                    code="internal error",
                )
            return found

        return await self._client._request(
            f"{api.noun}.create",
            attempt(api.create(body, False)),
            parse=parse,
            timeout=timeout,
            trace_span=trace_span,
            reconcile=Reconcile(lookup=lookup, verify=verify),
        )

    async def _update(
        self,
        ident: str,
        body: U,
        *,
        parse: Callable[[M], M] = same,
        timeout: Timeout,
        trace_span: str | None,
    ) -> M:
        return await self._client._request(
            f"{self._api.noun}.update",
            attempt(self._api.update(ident, body, False)),
            parse=parse,
            timeout=timeout,
            trace_span=trace_span,
        )

    async def _validate(
        self,
        op: str,
        bound: Bound,
        timeout: Timeout,
        trace_span: str | None,
        why: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        """Send a validate-only call (204 expected).

        A failed validation gets the hint ``why`` returns (the situation that made it fail, contract note
        8), else the hint of the known failure behind it.
        """
        try:
            await self._client._request(
                f"{self._api.noun}.{op}",
                attempt(bound),
                parse=ignore_body,
                timeout=timeout,
                trace_span=trace_span,
                expect_status=204,
            )
        except ValidationFailedError as exc:
            hint = None if why is None else await why()
            if hint is None:
                raise explain(exc) from exc.__cause__
            raise exc.with_hint(hint) from None
        except APIStatusError as exc:
            raise explain(exc) from exc.__cause__

    async def _delete(self, ident: str, timeout: Timeout, trace_span: str | None) -> None:
        try:
            await self._client._request(
                f"{self._api.noun}.delete",
                attempt(self._api.delete(ident)),
                parse=ignore_body,
                timeout=timeout,
                trace_span=trace_span,
            )
        except APIStatusError as exc:
            raise explain(exc) from exc.__cause__
