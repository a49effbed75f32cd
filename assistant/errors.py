"""The errors a user sees: one line saying what is wrong and how to fix it.

The knowledge-base errors come from `vectorstore.errors`; those of the application are here.
The CLI's error boundary (cli/app.py) prints any UserError and exits with its exit_code.
"""

from __future__ import annotations

from vectorstore.errors import (
    EmbeddingModelMismatch,
    EmbeddingUnavailable,
    IndexLocked,
    IndexProblem,
    InputError,
    UserError,
)

__all__ = [
    "ConfigError",
    "EmbeddingModelMismatch",
    "EmbeddingUnavailable",
    "EmptyQuestion",
    "IndexLocked",
    "IndexProblem",
    "InputError",
    "UserError",
]


class ConfigError(UserError):
    """A setting has a value the assistant cannot use."""

    exit_code = 4


class EmptyQuestion(InputError):
    """The question has no words."""

    def __init__(self) -> None:
        super().__init__(
            "The question is empty", 'ask something, e.g. assistant ask "Who is Ivan Timofeev?"'
        )
