"""The Chroma store: one collection of chunks, one of articles (the ingest manifest), and one
of the lines cleaning removed from each article (read only when a user asks to see them, so
listing and ingesting never carry them).

Embedded (`PersistentClient` under a folder) or a Chroma server, the same code either way.
We always pass our own vectors: Chroma's default embedding function downloads a model.
The chunks collection records its embedding model and a revision that changes on every write,
so a lexical index built from it can tell when it is stale.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from vectorstore.errors import (
    ConfigurationError,
    EmbeddingModelMismatch,
    IndexBusy,
    IndexDamaged,
    IndexProblem,
    KnowledgeBaseError,
    ServerProblem,
    ServerRejected,
    ServerTimeout,
    ServerUnreachable,
    StorageFull,
    StorageUnwritable,
)
from vectorstore.ingest.articles import Article
from vectorstore.ingest.chunking import Chunk
from vectorstore.search.dates import day_of
from vectorstore.search.filters import UNDATED

CHUNKS = "chunks"
ARTICLES = "articles"
REMOVED = "removed_lines"
COLLECTIONS = (CHUNKS, ARTICLES, REMOVED)
_PAGE = 2000
# A revision starting with this marks a write in progress, or one that was interrupted: a
# lexical index built meanwhile may miss what that write stored, so it is never trusted.
WRITING = "writing-"
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class StoredArticle:
    """What the manifest knows of an ingested article. Indexes written by earlier versions
    did not record `characters` and `removed` (the number of lines cleaning removed): None."""

    id: str
    content_hash: str
    chunking: str
    source: str
    title: str = ""
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    chunks: int = 0
    characters: int | None = None
    removed: int | None = None


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored, with its article's metadata."""

    id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    day: int | None = None  # the stored day number; None when stored before days were


class ChromaConfig(BaseModel):
    """Where the Chroma store is: a server when `url` is set, else the embedded one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(
        None,
        description="A Chroma server (e.g. http://127.0.0.1:8000) to use instead of the local "
        "index.",
    )
    token: SecretStr | None = Field(
        None, description="Token for the Chroma server, if it asks for one."
    )
    token_header: str = Field(
        "Authorization",
        description="How the token is sent: Authorization (Bearer), or X-Chroma-Token "
        "(Chroma Cloud).",
    )
    tenant: str | None = Field(None, description="Chroma tenant (default: the server's).")
    database: str | None = Field(None, description="Chroma database (default: the server's).")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds a server request may take.")

    @field_validator("url")
    @classmethod
    def _a_server_url(cls, url: str | None) -> str | None:
        if url is not None and parse_server_url(url) is None:
            raise ValueError(f"{url} is not a server URL (use e.g. http://127.0.0.1:8000)")
        return url

    @property
    def key(self) -> str:
        """Names this server's local files (its lexical cache), so stores never mix."""
        place = f"{(self.url or '').rstrip('/')}|{self.tenant or ''}|{self.database or ''}"
        return hashlib.sha1(place.encode()).hexdigest()[:12]

    @property
    def location(self) -> str:
        details = ", ".join(p for p in (self.tenant, self.database) if p)
        return f"{self.url} ({details})" if details else str(self.url)


def parse_server_url(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a server URL (http:// assumed, port 8000 by default), or None."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    return parsed.scheme, parsed.hostname, port or (443 if parsed.scheme == "https" else 8000)


def connect_embedded(path: Path, fresh: bool = False) -> Any:
    """A Chroma client on a local folder, telemetry off. Chroma keeps one system per folder
    in each process; `fresh` drops it, so what other processes wrote is read from disk anew."""
    import chromadb
    from chromadb.api.client import SharedSystemClient
    from chromadb.config import Settings

    try:
        path.mkdir(parents=True, exist_ok=True)
        if fresh:
            SharedSystemClient.clear_system_cache()
        return chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=True)
        )
    except Exception as error:  # chromadb raises many types for a damaged folder
        raise local_error(str(path), error, "cannot be opened") from error


def local_error(location: str, error: BaseException, failure: str) -> IndexProblem:
    """What went wrong with a local index, in one line. Only damage is answered with a
    rebuild: a full disk, a read-only folder or a busy database would not be mended by
    deleting the index, so their advice never says so."""
    lowered = str(error).lower()
    code = getattr(error, "errno", None)
    full = "disk is full" in lowered or "no space left" in lowered
    if code == errno.ENOSPC or full or _nearly_full(location):
        return StorageFull(f"The disk holding the index at {location} is full ({_short(error)})")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or any(
        word in lowered for word in ("readonly", "read-only", "permission denied")
    ):
        return StorageUnwritable(f"The index at {location} cannot be written ({_short(error)})")
    if "locked" in lowered or "busy" in lowered:
        return IndexBusy(f"The index at {location} is busy: another process is writing to it")
    return IndexDamaged(f"The index at {location} {failure} ({_short(error)})")


# Chroma reports a full disk in many words ("Failed to apply logs to the metadata segment"),
# so a failure with less than this left on the index's disk is taken for a full disk.
NEARLY_FULL_BYTES = 32 * 2**20


def _nearly_full(location: str) -> bool:
    place = Path(location)
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        return shutil.disk_usage(place).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _translated(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Any failure of a store call becomes one KnowledgeBaseError for its store (local or
    server)."""

    @functools.wraps(method)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        store = args[0]
        assert isinstance(store, ChromaStore)
        try:
            if store.deadline is None:
                return _again_if_stale(store, lambda: method(*args, **kwargs))
            return within(store.deadline, lambda: method(*args, **kwargs))
        except KnowledgeBaseError:
            raise
        except Exception as error:  # chromadb and sqlite raise many types
            if store.remote:
                raise server_error(store.location, error) from error
            raise local_error(store.location, error, "cannot be read") from error

    return call


def _again_if_stale(store: ChromaStore, work: Callable[[], _R]) -> _R:
    """Run a local store call; if it fails, open the folder afresh and try once more. Chroma
    caches what it read of a folder per process, and another process writing there makes that
    cache stale ("Error creating hnsw segment reader: Nothing found on disk")."""
    try:
        return work()
    except KnowledgeBaseError:
        raise
    except Exception:
        if store.reopen is None:
            raise
        store.client = store.reopen()
        store._open()
        return work()


def within(seconds: float, work: Callable[[], _R]) -> _R:
    """The result of `work`, or TimeoutError once `seconds` have passed: one deadline for a
    whole call, however many requests it makes and however slowly a server trickles bytes
    (httpx bounds each read, not the call). The abandoned call ends on its own thread."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="deadline", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no answer within {seconds:g} s (timed out)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def connect_server(config: ChromaConfig) -> Any:
    """A Chroma client on a server (`chroma run`, a distributed deployment, Chroma Cloud)."""
    import chromadb
    import httpx
    from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings

    url = config.url or ""
    parts = parse_server_url(url)
    if parts is None:
        raise ConfigurationError(f"{url} is not a server URL", parameter="server_url")
    scheme, host, port = parts
    token = config.token.get_secret_value() if config.token else None
    settings = Settings(anonymized_telemetry=False)
    if token:
        settings = Settings(
            anonymized_telemetry=False,
            chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
            chroma_client_auth_credentials=token,
            chroma_auth_token_transport_header=config.token_header,
        )
    try:
        # chromadb's HTTP session waits forever (httpx timeout=None) and its constructor already
        # talks to the server, so a server that accepts and never answers would hang here.
        # A bounded heartbeat first, then a bound on the session for every later request.
        bearer = f"Bearer {token}" if config.token_header.lower() == "authorization" else token
        httpx.get(
            f"{scheme}://{host}:{port}/api/v2/heartbeat",
            headers={config.token_header: bearer} if token and bearer else {},
            timeout=config.timeout,
        ).raise_for_status()
        # The constructor asks the server several things before its session can be bounded.
        client = within(
            config.timeout,
            lambda: chromadb.HttpClient(
                host=host,
                port=port,
                ssl=scheme == "https",
                settings=settings,
                tenant=config.tenant or DEFAULT_TENANT,
                database=config.database or DEFAULT_DATABASE,
            ),
        )
        client._server._session.timeout = httpx.Timeout(config.timeout)  # type: ignore[attr-defined]
        return client
    except Exception as error:
        raise server_error(url, error) from error


def server_error(url: str, error: Exception) -> ServerProblem:
    """What went wrong talking to a Chroma server, in one line."""
    text = _short(error)
    lowered = f"{type(error).__name__} {text}".lower()
    if any(word in lowered for word in ("401", "403", "unauthorized", "forbidden", "auth")):
        return ServerRejected(f"The Chroma server at {url} rejected the credentials ({text})")
    if "timeout" in lowered or "timed out" in lowered:
        return ServerTimeout(f"The Chroma server at {url} did not answer in time")
    return ServerUnreachable(f"Cannot reach the Chroma server at {url} ({text})")


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


class ChromaStore:
    """Chunks and articles in Chroma, tied to one embedding model."""

    def __init__(
        self,
        client: Any,
        embedding_model: str,
        location: str,
        remote: bool = False,
        deadline: float | None = None,
        reopen: Callable[[], Any] | None = None,
    ) -> None:
        self.client = client
        self.embedding_model = embedding_model
        self.location = location
        self.remote = remote
        self.deadline = deadline  # seconds for any one call, on a server
        self.reopen = reopen  # a fresh client on the same local folder
        self._open()
        self.check_model()

    @_translated
    def _open(self) -> None:
        self.chunks = self._collection(CHUNKS)
        self.articles = self._collection(ARTICLES)
        self.removed = self._collection(REMOVED)

    def _collection(self, name: str) -> Any:
        return self.client.get_or_create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.embedding_model, "revision": uuid.uuid4().hex},
            embedding_function=None,
        )

    def check_model(self) -> None:
        recorded = (self.chunks.metadata or {}).get("embedding_model")
        if recorded and recorded != self.embedding_model:
            raise EmbeddingModelMismatch(
                f"The index at {self.location} was built with the embedding model {recorded}, "
                f"not {self.embedding_model}"
            )

    @_translated
    def dimension(self) -> int | None:
        """The length of the stored vectors; None while no chunk is stored."""
        found = self.chunks.get(limit=1, include=["embeddings"])
        embeddings = found.get("embeddings")
        return None if embeddings is None or len(embeddings) == 0 else len(embeddings[0])

    @property
    @_translated
    def revision(self) -> str:
        """The store's current revision, read afresh: another process may have written."""
        current = self.client.get_collection(CHUNKS, embedding_function=None)
        return str((current.metadata or {}).get("revision", ""))

    def mark_writing(self) -> None:
        """Say a write has begun: until `bump_revision`, no lexical index is trusted."""
        self._set_revision(WRITING + uuid.uuid4().hex)

    def bump_revision(self) -> None:
        """Say the store has changed and no write is in progress."""
        self._set_revision(uuid.uuid4().hex)

    @_translated
    def _set_revision(self, revision: str) -> None:
        self.chunks.modify(metadata={"embedding_model": self.embedding_model, "revision": revision})

    @_translated
    def manifest(self) -> dict[str, StoredArticle]:
        """Every ingested article's hash, chunking, source and description, by id."""
        found = {}
        for ids, _, metadatas in self._pages(self.articles, ["metadatas"]):
            for article_id, meta in zip(ids, metadatas, strict=True):
                found[article_id] = _stored_article(article_id, meta)
        return found

    @_translated
    def find_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]:
        """The manifest entries of those ids that are stored."""
        if not ids:
            return {}
        found = self.articles.get(ids=list(dict.fromkeys(ids)), include=["metadatas"])
        return {
            article_id: _stored_article(article_id, meta)
            for article_id, meta in zip(found["ids"], found["metadatas"], strict=True)
        }

    @_translated
    def text_lengths(self, ids: Sequence[str]) -> dict[str, int]:
        """The length of each article's stored text (for entries that did not record it)."""
        lengths: dict[str, int] = {}
        for start in range(0, len(ids), _PAGE):
            found = self.articles.get(ids=list(ids[start : start + _PAGE]), include=["documents"])
            lengths.update(zip(found["ids"], map(len, found["documents"]), strict=True))
        return lengths

    @_translated
    def removed_lines(self, article_id: str) -> list[str]:
        """The lines cleaning removed from an article, in order."""
        found = self.removed.get(ids=[article_id], include=["documents"])
        return found["documents"][0].split("\n") if found["ids"] else []

    @_translated
    def replace_article(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        chunking: str,
    ) -> None:
        """Swap in an article's chunks. The manifest entry is written last: a crash before it
        leaves the article looking changed, so the next ingest replaces it again."""
        self.chunks.delete(where={"article_id": article.id})
        vector = _mean_vector(vectors)
        if chunks:
            self.chunks.upsert(  # upsert: another machine may be storing the same article now
                ids=[chunk.id for chunk in chunks],
                documents=[chunk.text for chunk in chunks],
                embeddings=[list(vector) for vector in vectors],
                metadatas=[_chunk_metadata(article, chunk) for chunk in chunks],
            )
        self._replace_removed_lines(article, vector)
        self.articles.upsert(
            ids=[article.id],
            documents=[article.text],
            embeddings=[vector],
            metadatas=[_article_metadata(article, chunking, len(chunks))],
        )

    def _replace_removed_lines(self, article: Article, vector: list[float]) -> None:
        """The removed lines as one document (Chroma stores a vector with every record: the
        article's own; this collection is never searched)."""
        if not article.removed:
            self.removed.delete(ids=[article.id])
            return
        self.removed.upsert(
            ids=[article.id],
            documents=["\n".join(line.replace("\n", " ") for line in article.removed)],
            embeddings=[vector],
            metadatas=[{"lines": len(article.removed)}],
        )

    @_translated
    def remove_article(self, article_id: str) -> None:
        """The manifest entry goes last, so an interrupted removal is finished by the next."""
        self.chunks.delete(where={"article_id": article_id})
        self.removed.delete(ids=[article_id])
        self.articles.delete(ids=[article_id])

    @_translated
    def query(
        self,
        vector: Sequence[float],
        n: int,
        where: dict[str, Any] | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (id, cosine similarity), best first; with `where` (on chunk
        metadata) or `ids`, only among those chunks (Chroma filters before it ranks)."""
        total = self.chunks.count() if ids is None else len(ids)
        if total == 0:
            return []
        found = self.chunks.query(
            query_embeddings=[list(vector)],
            n_results=min(n, total),
            where=where,
            ids=list(ids) if ids is not None else None,
            include=["distances"],
        )
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]

    @_translated
    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        found = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            chunk_id: _stored_chunk(chunk_id, document, meta)
            for chunk_id, document, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
        }

    def iter_chunks(self) -> Iterator[StoredChunk]:
        for ids, documents, metadatas in self._pages(self.chunks, ["documents", "metadatas"]):
            for chunk_id, document, meta in zip(ids, documents, metadatas, strict=True):
                yield _stored_chunk(chunk_id, document, meta)

    @_translated
    def article_text(self, article_id: str) -> str | None:
        found = self.articles.get(ids=[article_id], include=["documents"])
        return found["documents"][0] if found["ids"] else None

    @_translated
    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
        return self.articles.count(), self.chunks.count()

    @_translated
    def chunk_count(self) -> int:
        return int(self.chunks.count())

    def _pages(
        self, collection: Any, include: list[str]
    ) -> Iterator[tuple[list[str], list[Any], list[Any]]]:
        offset = 0
        while True:
            page = self._page(collection, include, offset)
            if not page["ids"]:
                return
            documents = page.get("documents") or [None] * len(page["ids"])
            metadatas = page.get("metadatas") or [{}] * len(page["ids"])
            yield page["ids"], documents, metadatas
            offset += len(page["ids"])

    @_translated
    def _page(self, collection: Any, include: list[str], offset: int) -> Any:
        return collection.get(include=include, limit=_PAGE, offset=offset)


def _described(article: Article) -> dict[str, Any]:
    """The article's metadata as Chroma stores it (no None values)."""
    return {
        "title": article.title,
        "outlet": article.outlet or "",
        "published": article.published or "",
        "url": article.url or "",
    }


def _chunk_metadata(article: Article, chunk: Chunk) -> dict[str, Any]:
    day = day_of(article.published)
    return {
        **_described(article),
        "day": day.toordinal() if day else UNDATED,  # so Chroma can filter a range of dates
        "article_id": article.id,
        "start": chunk.start,
        "end": chunk.end,
        "index": chunk.index,
        "tokens": chunk.tokens,
    }


def _article_metadata(article: Article, chunking: str, chunk_count: int) -> dict[str, Any]:
    return {
        **_described(article),
        "source": article.source,
        "content_hash": article.content_hash,
        "chunking": chunking,
        "chunks": chunk_count,
        "characters": len(article.text),
        "removed": len(article.removed),
    }


def _stored_article(article_id: str, meta: dict[str, Any]) -> StoredArticle:
    characters, removed = meta.get("characters"), meta.get("removed")
    return StoredArticle(
        id=article_id,
        content_hash=str(meta.get("content_hash", "")),
        chunking=str(meta.get("chunking", "")),
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        outlet=meta.get("outlet") or None,
        published=meta.get("published") or None,
        url=meta.get("url") or None,
        chunks=int(meta.get("chunks") or 0),
        characters=None if characters is None else int(characters),
        removed=None if removed is None else int(removed),
    )


def _stored_chunk(chunk_id: str, document: str, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        article_id=str(meta["article_id"]),
        text=document,
        start=int(meta["start"]),
        end=int(meta["end"]),
        title=str(meta.get("title", "")),
        outlet=meta.get("outlet") or None,
        published=meta.get("published") or None,
        url=meta.get("url") or None,
        day=int(meta["day"]) if "day" in meta else None,
    )


def _mean_vector(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The article's vector: the normalised mean of its chunks' vectors."""
    import numpy as np

    if not vectors:
        raise ValueError("an article needs at least one chunk")
    mean = np.mean(np.asarray(vectors, dtype=np.float32), axis=0)
    norm = float(np.linalg.norm(mean)) or 1.0
    return [float(x) for x in mean / norm]
