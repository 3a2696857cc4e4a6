"""Injected faults: rules that make the next matching requests fail, hang or lose their connection."""

from __future__ import annotations

import enum
import fnmatch
from dataclasses import dataclass


class FaultKind(enum.Enum):
    """What a fault rule does to a request it matches."""

    FAIL = "fail"
    HANG = "hang"
    DROP = "drop"


@dataclass
class Fault:
    """One rule; `remaining` counts the requests it still applies to."""

    kind: FaultKind
    remaining: int
    method: str | None = None
    path: str | None = None
    status: int = 500
    retry_after: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    seconds: float = 0.0
    after_handler: bool = False

    def matches(self, method: str, path: str) -> bool:
        """True when this rule still has uses left and its method and path glob fit the request."""
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)


class FaultList:
    """The rules in the order they were added; the first matching rule takes the request."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Append a rule; a count below 1 is refused."""
        if fault.remaining < 1:
            raise ValueError("n must be at least 1")
        self._rules.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first rule that matches, and return it (None if no rule matches)."""
        for rule in self._rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                self._rules = [r for r in self._rules if r.remaining > 0]
                return rule
        return None

    def clear(self) -> None:
        """Remove every rule."""
        self._rules.clear()

    def __len__(self) -> int:
        return len(self._rules)
