"""The errors a user sees: one line saying what is wrong and how to fix it, and an exit code.

The application's own errors are here. The knowledge base (`vectorstore`) raises errors that
name no command or setting; `user_error` gives each of them this program's fix-it hint and
exit code. The CLI's error boundary (cli/app.py) prints the line and exits with the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vectorstore import errors as kb

if TYPE_CHECKING:
    from vectorstore.search.retrieval import Passage


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
    """The index is missing, unreadable, locked, unreachable or built with another model."""

    exit_code = 3


class ConfigError(UserError):
    """A setting has a value the assistant cannot use, or an installed model file is damaged."""

    exit_code = 4


class EmptyQuestion(InputError):
    """The question has no words."""

    def __init__(self) -> None:
        super().__init__(
            "The question is empty", 'ask something, e.g. assistant ask "Who is Ivan Timofeev?"'
        )


class LLMError(UserError):
    """The chat model could not answer; the subclass says why, its exit code too."""

    exit_code = 8

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message, hint)
        self.passages: list[Passage] = []  # what was retrieved, still worth showing


class LLMKeyRejected(LLMError):
    """The endpoint refused the API key (HTTP 401/403)."""

    exit_code = 5


class LLMModelMissing(LLMError):
    """The endpoint serves no model of that name (HTTP 404)."""

    exit_code = 6


class LLMRateLimited(LLMError):
    """The endpoint is rate-limiting (HTTP 429)."""

    exit_code = 7


class LLMServerFailed(LLMError):
    """The endpoint failed (HTTP 5xx, or an unexpected error)."""

    exit_code = 8


class LLMTimedOut(LLMError):
    """No answer within the time-out."""

    exit_code = 9


class LLMUnreachable(LLMError):
    """No connection to the endpoint."""

    exit_code = 10


class LLMIncomplete(LLMError):
    """The answer broke off mid-stream, or came empty."""

    exit_code = 11


REBUILD = "run `assistant ingest --rebuild` to rebuild it from your articles"
REINSTALL = "reinstall the project: pip install -c constraints.txt ."
# The hint for each knowledge-base error; the most specific class found in an error's MRO wins.
HINTS: dict[type[kb.KnowledgeBaseError], tuple[type[UserError], str]] = {
    kb.PathNotFound: (
        InputError,
        "check the path, or run `assistant ingest` with no path for the bundled seeds",
    ),
    kb.IdClash: (
        InputError,
        "ingest it under its own id prefix (--prefix NAME), or remove the other article first",
    ),
    kb.UnknownArticle: (InputError, "see `assistant articles` for the ids in the index"),
    kb.IndexDamaged: (IndexProblem, REBUILD),
    kb.StorageFull: (
        IndexProblem,
        "free some space and run the command again; what was stored is kept",
    ),
    kb.StorageUnwritable: (
        IndexProblem,
        "check that the folder and its files are yours to write, on a writable disk",
    ),
    kb.IndexOpening: (IndexProblem, "wait for it to finish and try again"),
    kb.IndexBusy: (IndexProblem, "try again when that `assistant ingest` has finished"),
    kb.IndexLocked: (IndexProblem, "wait for it to finish and try again"),
    kb.EmbeddingDimensionMismatch: (
        IndexProblem,
        "point ASSISTANT_EMBEDDING_URL / ASSISTANT_EMBEDDING_MODEL back at the model that built "
        "the index, or run `assistant ingest --rebuild` to re-embed everything with this one",
    ),
    kb.EmbeddingServerUnreachable: (
        ConfigError,
        "start the embeddings server or fix ASSISTANT_EMBEDDING_URL (unset it for the local "
        "model); what was stored before is kept",
    ),
    kb.EmbeddingServerTimeout: (
        ConfigError,
        "check that the embeddings server is not overloaded, lower ASSISTANT_EMBEDDING_BATCH_SIZE "
        "or raise ASSISTANT_REQUEST_TIMEOUT; what was stored before is kept",
    ),
    kb.EmbeddingServerRejected: (ConfigError, "check ASSISTANT_EMBEDDING_API_KEY"),
    kb.EmbeddingServerNotFound: (
        ConfigError,
        "check ASSISTANT_EMBEDDING_MODEL, and that ASSISTANT_EMBEDDING_URL is the server's "
        "OpenAI base URL (usually ending in /v1)",
    ),
    kb.EmbeddingServerFailed: (
        ConfigError,
        "check the embeddings server's log and that it serves an embedding model; "
        "what was stored before is kept",
    ),
    kb.EmbeddingModelMismatch: (
        IndexProblem,
        "set ASSISTANT_EMBEDDING_MODEL (and ASSISTANT_EMBEDDING_URL) back, or run "
        "`assistant ingest --rebuild` "
        "to re-embed everything with the new model",
    ),
    kb.ServerRejected: (
        IndexProblem,
        "check ASSISTANT_CHROMA_TOKEN (and ASSISTANT_CHROMA_TENANT / _DATABASE)",
    ),
    kb.ServerTimeout: (
        IndexProblem,
        "check that the server is up and not overloaded, or raise ASSISTANT_REQUEST_TIMEOUT",
    ),
    kb.ServerUnreachable: (
        IndexProblem,
        "start it (see README: `chroma run`) or unset ASSISTANT_CHROMA_URL for the local index",
    ),
    kb.IndexProblem: (IndexProblem, ""),
    kb.PackageDamaged: (ConfigError, REINSTALL),
    kb.ConfigurationError: (ConfigError, ""),
    kb.KnowledgeBaseError: (UserError, ""),
}


def user_error(error: UserError | kb.KnowledgeBaseError) -> UserError:
    """The error as this program shows it: one line with a hint, and an exit code."""
    if isinstance(error, UserError):
        return error
    kind, hint = next(HINTS[c] for c in type(error).__mro__ if c in HINTS)
    message = error.message
    if isinstance(error, kb.IndexLocked):
        message = f"Another `assistant ingest` is writing to {error.folder}"
    elif isinstance(error, kb.PackageDamaged) and error.requirement:
        hint = f"reinstall it: pip install --force-reinstall {error.requirement}"
    elif isinstance(error, kb.ConfigurationError):
        hint = _configuration_hint(error)
    return kind(message, hint)


def _configuration_hint(error: kb.ConfigurationError) -> str:
    local, *others = error.choices or ("all-MiniLM-L6-v2",)
    if error.parameter == "embedding_model":
        return f"set ASSISTANT_EMBEDDING_MODEL to {local} or one of {', '.join(others)}"
    if error.parameter == "api_key":
        return f"set OPENAI_API_KEY, or ASSISTANT_EMBEDDING_MODEL={local} (local)"
    if error.parameter == "server_url":
        return "set ASSISTANT_CHROMA_URL to a server URL, e.g. http://127.0.0.1:8000"
    return "fix or unset that setting (see `assistant status`)"
