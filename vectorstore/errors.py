"""Errors a user can act on. Each carries a one-line message and how to fix it.

`assistant.errors` builds on these; the CLI turns any of them into one line on stderr and a
non-zero exit code.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; `hint` says how."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InputError(UserError):
    """A path, file or argument the command cannot use."""

    exit_code = 2


class IndexProblem(UserError):
    """The index is missing, unreadable, locked or built with another embedding model."""

    exit_code = 3


class EmbeddingModelMismatch(IndexProblem):
    """The index was built with another embedding model than the one configured."""


class IndexLocked(IndexProblem):
    """Another process is writing to the index."""


class StorageFull(IndexProblem):
    """The disk holding the index has no space left; what was stored is kept."""


class StorageUnwritable(IndexProblem):
    """The index's folder or database cannot be written (permissions, read-only disk)."""


class IdClash(InputError):
    """An article would take the id of an article that came from another file."""


class EmbeddingUnavailable(UserError):
    """The embedding model cannot be loaded or reached."""

    exit_code = 4
