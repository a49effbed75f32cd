"""What can go wrong in the knowledge base, in words that name no application.

Each error says what is wrong in one line. How to fix it depends on the program around the
knowledge base (which setting, which command), so that program adds the hints and exit codes,
mapping each class to its own. Attributes carry what a hint may need.
"""

from __future__ import annotations

from pathlib import Path


class KnowledgeBaseError(Exception):
    """Something about the articles, the index or its configuration a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PathNotFound(KnowledgeBaseError):
    """A file or folder given to ingest does not exist."""

    def __init__(self, path: Path, shown: str | None = None) -> None:
        super().__init__(f"No such file or folder: {shown or path}")  # shown: printable form
        self.path = path


class IdClash(KnowledgeBaseError):
    """An article would take the id of an article that came from another file."""


class IndexProblem(KnowledgeBaseError):
    """The index cannot be used as it is."""


class StorageFull(IndexProblem):
    """The disk holding the index has no space left; what was stored is kept."""


class StorageUnwritable(IndexProblem):
    """The index's folder or database cannot be written (permissions, read-only disk)."""


class IndexDamaged(IndexProblem):
    """The local index cannot be opened or read; rebuilding it from the articles recovers."""


class IndexBusy(IndexProblem):
    """The local index is being written by another process; nothing is wrong with it."""


class UnknownArticle(KnowledgeBaseError):
    """An article id that is not in the index."""

    def __init__(self, ids: list[str], consequence: str = "") -> None:
        named = ", ".join(f"'{article_id}'" for article_id in ids)
        several = "articles with the ids" if len(ids) > 1 else "article with the id"
        super().__init__(f"No {several} {named} in the index{consequence}")
        self.ids = ids


class IndexLocked(IndexProblem):
    """Another writer holds the ingest lock of this index."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"Another ingest is writing to {folder}")
        self.folder = folder


class IndexOpening(IndexProblem):
    """Another process is opening (creating) the local index; it takes a moment."""


class EmbeddingModelMismatch(IndexProblem):
    """The index was built with another embedding model than the one given."""


class EmbeddingDimensionMismatch(EmbeddingModelMismatch):
    """The embedding model's vectors have another length than the index's: under the same
    name, another model built the index."""


class EmbeddingServerProblem(KnowledgeBaseError):
    """An embeddings server could not embed; nothing was written with its vectors. `url` is
    the server's address with any password hidden."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class EmbeddingServerUnreachable(EmbeddingServerProblem):
    """No connection to the embeddings server (refused, reset, or it went away)."""


class EmbeddingServerTimeout(EmbeddingServerProblem):
    """The embeddings server did not answer within the time-out."""


class EmbeddingServerRejected(EmbeddingServerProblem):
    """The embeddings server refused the key (HTTP 401/403)."""


class EmbeddingServerNotFound(EmbeddingServerProblem):
    """The embeddings server has no such model or no such path (HTTP 404)."""


class EmbeddingServerFailed(EmbeddingServerProblem):
    """The embeddings server failed or sent a reply that is not one vector per text."""


class ServerProblem(IndexProblem):
    """A Chroma server could not be used."""


class ServerRejected(ServerProblem):
    """The server refused the credentials."""


class ServerTimeout(ServerProblem):
    """The server did not answer within the time-out."""


class ServerUnreachable(ServerProblem):
    """The server could not be reached."""


class PackageDamaged(KnowledgeBaseError):
    """A file an installed package should bring is missing or damaged; reinstalling fixes it.
    `requirement` names the one package to reinstall, when it is one."""

    def __init__(self, message: str, requirement: str | None = None) -> None:
        super().__init__(message)
        self.requirement = requirement


class EmbeddingUnavailable(PackageDamaged):
    """The local embedding model (or a file it needs) cannot be loaded."""


class ConfigurationError(KnowledgeBaseError):
    """A value given to the knowledge base cannot be used. `parameter` names it (one of
    "embedding_model", "api_key", "server_url"); `choices` lists good values, when known."""

    def __init__(self, message: str, parameter: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.choices = choices
