"""The Chroma store: one collection of chunks, one of articles (the ingest manifest), and one
of the lines cleaning removed from each article (read only when a user asks to see them, so
listing and ingesting never carry them).

Embedded (`PersistentClient` under a folder) or a Chroma server, the same code either way.
We always pass our own vectors: Chroma's default embedding function downloads a model.
The chunks collection records its embedding model and a revision that changes on every write,
so a lexical index built from it can tell when it is stale.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec, TypeVar

from vectorstore.errors import (
    EmbeddingModelMismatch,
    IndexDamaged,
    KnowledgeBaseError,
)
from vectorstore.ingest.articles import Article
from vectorstore.ingest.chunking import Chunk
from vectorstore.search.connection import check_room, local_error, server_error, within
from vectorstore.search.records import (
    StoredArticle,
    StoredChunk,
    article_metadata,
    chunk_metadata,
    stored_article,
    stored_chunk,
)
from vectorstore.search.similarity import cosines

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
    """Run a local store call; if it fails as if damaged, open the folder afresh and try once
    more. Chroma caches what it read of a folder per process, and another process writing
    there makes that cache stale ("Error creating hnsw segment reader: Nothing found on
    disk"). A full disk, a read-only folder or a busy database is no stale cache: opening
    Chroma afresh on a full disk never returned (the ingest hung), so those are raised."""
    try:
        return work()
    except KnowledgeBaseError:
        raise
    except Exception as error:
        if store.reopen is None or not isinstance(
            local_error(store.location, error, "cannot be read"), IndexDamaged
        ):
            raise
        store.client = store.reopen()
        store._open()
        return work()


# Up to this many chunks a filter allows are ranked exactly when the filtered HNSW search
# comes back short (see ChromaStore._exactly).
EXACT_RANKING_LIMIT = 20_000


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
                found[article_id] = stored_article(article_id, meta)
        return found

    @_translated
    def chunked_otherwise(self, fingerprint: str) -> int:
        """How many stored articles were chunked with another fingerprint than `fingerprint`
        (by an older version, or other chunk settings)."""
        return len(self.articles.get(where={"chunking": {"$ne": fingerprint}}, include=[])["ids"])

    @_translated
    def find_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]:
        """The manifest entries of those ids that are stored."""
        if not ids:
            return {}
        found = self.articles.get(ids=list(dict.fromkeys(ids)), include=["metadatas"])
        return {
            article_id: stored_article(article_id, meta)
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

    def replace_article(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        chunking: str,
    ) -> None:
        """Swap in one article's chunks (see replace_articles)."""
        self.replace_articles([(article, chunks, vectors)], chunking)

    @_translated
    def replace_articles(
        self,
        articles: Sequence[tuple[Article, Sequence[Chunk], Sequence[Sequence[float]]]],
        chunking: str,
    ) -> None:
        """Swap in the chunks of several articles, one Chroma call per collection: each call
        costs a transaction and a full-text index update (an HTTP request on a server), so
        one call for a few articles takes about half the CPU of one call each. The manifest
        entries are written last: a crash before them leaves these articles looking changed,
        so the next ingest replaces them again. A local store first checks its disk has
        room, before anything is deleted."""
        if not articles:
            return
        if not self.remote:
            check_room(self.location, sum(_bytes_to_store(*each) for each in articles))
        ids = [article.id for article, _, _ in articles]
        means = [_mean_vector(vectors) for _, _, vectors in articles]
        self.chunks.delete(where={"article_id": {"$in": ids}})
        chunks = [(a, c, v) for a, cs, vs in articles for c, v in zip(cs, vs, strict=True)]
        if chunks:
            self.chunks.upsert(  # upsert: another machine may be storing the same article now
                ids=[chunk.id for _, chunk, _ in chunks],
                documents=[chunk.text for _, chunk, _ in chunks],
                embeddings=[list(vector) for _, _, vector in chunks],
                metadatas=[chunk_metadata(article, chunk) for article, chunk, _ in chunks],
            )
        self._replace_removed_lines([a for a, _, _ in articles], means)
        self.articles.upsert(
            ids=ids,
            documents=[article.text for article, _, _ in articles],
            embeddings=means,
            metadatas=[
                article_metadata(article, chunking, len(chunks)) for article, chunks, _ in articles
            ],
        )

    def _replace_removed_lines(self, articles: list[Article], vectors: list[list[float]]) -> None:
        """Each article's removed lines as one document (Chroma stores a vector with every
        record: the article's own; this collection is never searched)."""
        kept = [(a, v) for a, v in zip(articles, vectors, strict=True) if a.removed]
        if none := [a.id for a in articles if not a.removed]:
            self.removed.delete(ids=none)
        if kept:
            self.removed.upsert(
                ids=[article.id for article, _ in kept],
                documents=[
                    "\n".join(line.replace("\n", " ") for line in article.removed)
                    for article, _ in kept
                ],
                embeddings=[vector for _, vector in kept],
                metadatas=[{"lines": len(article.removed)} for article, _ in kept],
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
        ranked = [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)
        ]
        if (where is not None or ids is not None) and len(ranked) < n:
            return self._exactly(vector, n, where, ids, ranked)
        return ranked

    def _exactly(
        self,
        vector: Sequence[float],
        n: int,
        where: dict[str, Any] | None,
        ids: Sequence[str] | None,
        ranked: list[tuple[str, float]],
    ) -> list[tuple[str, float]]:
        """A filtered search that came back short, ranked again over every chunk the filter
        allows: the HNSW graph, searched with a filter allowing few of its chunks, can miss
        some of them (7 allowed of 67, 6 found), and `-k 5 --outlet X` must return five when
        five exist. Left as found when the filter allows no more, or too many to rank here."""
        allowed = self.chunks.get(where=where, ids=list(ids) if ids else None, include=[])["ids"]
        if len(allowed) <= len(ranked) or len(allowed) > EXACT_RANKING_LIMIT:
            return ranked
        stored = self.chunks.get(ids=allowed, include=["embeddings"])
        scored = zip(stored["ids"], cosines(vector, list(stored["embeddings"])), strict=True)
        return sorted(scored, key=lambda pair: -pair[1])[:n]

    @_translated
    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        found = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            chunk_id: stored_chunk(chunk_id, document, meta)
            for chunk_id, document, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
        }

    def iter_chunks(self) -> Iterator[StoredChunk]:
        for ids, documents, metadatas in self._pages(self.chunks, ["documents", "metadatas"]):
            for chunk_id, document, meta in zip(ids, documents, metadatas, strict=True):
                yield stored_chunk(chunk_id, document, meta)

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


def _bytes_to_store(
    article: Article, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]
) -> int:
    """About what an article's records take on disk: its text, its chunks, their vectors."""
    text_bytes = len(article.text.encode()) + sum(len(c.text.encode()) for c in chunks)
    return text_bytes + 4 * sum(len(v) + 1 for v in vectors)


def _mean_vector(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The article's vector: the normalised mean of its chunks' vectors."""
    import numpy as np

    if not vectors:
        raise ValueError("an article needs at least one chunk")
    mean = np.mean(np.asarray(vectors, dtype=np.float32), axis=0)
    norm = float(np.linalg.norm(mean)) or 1.0
    return [float(x) for x in mean / norm]
