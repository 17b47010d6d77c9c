"""Domain errors. Each carries a text-catalog key so handlers can answer in the user's language."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    key: str = "err.generic"

    # Positional-only, so a placeholder may itself be called "key" without colliding.
    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(f"{self.key} {params}")


class NotFound(DomainError):
    key = "err.not_found"


class NotAllowed(DomainError):
    key = "err.not_allowed"


class IllegalTransition(DomainError):
    key = "err.wrong_state"


class AlreadyTaken(DomainError):
    key = "err.taken"


class InvalidInput(DomainError):
    key = "err.invalid"
