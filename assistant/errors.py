"""The errors a user sees: one line saying what is wrong and how to fix it.

The knowledge-base errors come from `vectorstore.errors`; those of the application are here.
The CLI's error boundary (cli/app.py) prints any UserError and exits with its exit_code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vectorstore.errors import (
    EmbeddingModelMismatch,
    EmbeddingUnavailable,
    IndexLocked,
    IndexProblem,
    InputError,
    UserError,
)

if TYPE_CHECKING:
    from vectorstore.search.retrieval import Passage

__all__ = [
    "ConfigError",
    "EmbeddingModelMismatch",
    "EmbeddingUnavailable",
    "EmptyQuestion",
    "IndexLocked",
    "IndexProblem",
    "InputError",
    "LLMError",
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


class LLMError(UserError):
    """The chat model could not answer; the exit code says why (5 key, 6 model, 7 rate limit,
    8 server error, 9 time-out, 10 unreachable, 11 incomplete or empty answer)."""

    def __init__(self, message: str, hint: str, exit_code: int) -> None:
        super().__init__(message, hint)
        self.exit_code = exit_code
        self.passages: list[Passage] = []  # what was retrieved, still worth showing
