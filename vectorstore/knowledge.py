"""KnowledgeBase: the store, the embedding model and the lexical index, working as one.

Ingest is incremental: only new or changed articles are chunked and embedded. The ingest side
(`vectorstore/ingest/`: reading, cleaning, chunking, embedding) feeds the search side
(`vectorstore/search/`: the Chroma store, the lexical index, fusion); this module joins them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.errors import (
    EmbeddingModelMismatch,
    EmbeddingServerProblem,
    IndexLocked,
    IndexOpening,
    KnowledgeBaseError,
    StorageFull,
    StorageUnwritable,
    UnknownArticle,
)
from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.ingest.collection import Collected, collect
from vectorstore.ingest.tokens import install_encodings
from vectorstore.locks import OPEN_WAIT, file_lock, writer_lock
from vectorstore.search.connection import (
    ChromaConfig,
    connect_embedded,
    connect_server,
    local_error,
)
from vectorstore.search.filters import Filters
from vectorstore.search.lexical import LexicalIndex
from vectorstore.search.records import StoredArticle
from vectorstore.search.retrieval import (
    CANDIDATES,
    Mode,
    Passage,
    Recency,
    by_recency,
    fuse,
    to_passages,
)
from vectorstore.search.store import WRITING, ChromaStore
from vectorstore.storing import IngestReport, Progress, check_dimension, update_store

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


@dataclass(frozen=True)
class Layout:
    """Where a knowledge base keeps its local files, under one home folder. With a server,
    only the lexical cache and the lock are local, named after the server."""

    home: Path
    server: ChromaConfig | None = None

    def __post_init__(self) -> None:
        if self.server is not None and not self.server.url:
            object.__setattr__(self, "server", None)  # no URL: the embedded store

    @property
    def suffix(self) -> str:
        return f"-{self.server.key}" if self.server else ""

    @property
    def chroma(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical(self) -> Path:
        return self.home / f"lexical{self.suffix}"

    @property
    def lock(self) -> Path:
        return self.home / f"ingest{self.suffix}.lock"

    @property
    def open_lock(self) -> Path:
        """Held while a local index is opened: creating Chroma's tables races with another
        process creating them ("table collections already exists")."""
        return self.home / "open.lock"

    @property
    def location(self) -> str:
        return self.server.location if self.server else str(self.chroma)

    def connect(self) -> Any:
        return connect_embedded(self.chroma) if self.server is None else connect_server(self.server)

    @property
    def tiktoken(self) -> Path:
        return self.home / "cache" / "tiktoken"


# Most texts whose vectors a knowledge base keeps (384 Python floats each: ~60 MB at this size).
VECTOR_CACHE = 5000
# Those vectors of an embedding model that is the same function of the text wherever it is
# opened (the packaged local model: `stable_id`), shared by every knowledge base a process
# opens on it: eval, chat and library users reopen the index and ask about the same passages.
_SHARED_VECTORS: dict[str, dict[str, list[float]]] = {}


def _vector_cache(embeddings: Embeddings) -> dict[str, list[float]]:
    stable_id = getattr(embeddings, "stable_id", None)
    return {} if stable_id is None else _SHARED_VECTORS.setdefault(stable_id, {})


class KnowledgeBase:
    """Ingest articles and search them, dense and lexical."""

    def __init__(
        self,
        store: ChromaStore,
        embeddings: Embeddings,
        layout: Layout,
        chunking: ChunkingConfig | None = None,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.layout = layout
        self.chunking = chunking or ChunkingConfig()
        self._lexical: LexicalIndex | None = None
        self._vectors = _vector_cache(embeddings)  # text -> vector, see embed_texts
        self._dimension: int | None = None  # of the stored vectors, read at the first search
        # Third-party tiktoken users (OpenAI embeddings) read this cache, never the network.
        install_encodings(layout.tiktoken)

    @classmethod
    def open(
        cls,
        layout: Layout,
        embeddings: Embeddings,
        model_id: str,
        chunking: ChunkingConfig | None = None,
    ) -> KnowledgeBase:
        """The knowledge base the layout names (embedded or server)."""
        return cls(_open_store(layout, model_id), embeddings, layout, chunking)

    @classmethod
    def rebuild(
        cls,
        layout: Layout,
        embeddings: Embeddings,
        model_id: str,
        collected: Collected,
        chunking: ChunkingConfig | None = None,
        progress: Progress | None = None,
    ) -> tuple[KnowledgeBase, IngestReport]:
        """Delete the index and store the collected articles, all under the writer lock. The
        caller has checked what it can first (the articles were read, the model embeds)."""
        with writer_lock(layout.lock):
            _wipe(layout)
            kb = cls.open(layout, embeddings, model_id, chunking)
            return kb, kb._update(collected, progress=progress)

    def is_empty(self) -> bool:
        return self.store.counts()[1] == 0

    def outdated(self) -> int:
        """How many stored articles an older version (or other chunk settings) stored: their
        chunks, speakers and outlets stay as that version found them until they are ingested
        again, since asking never re-ingests."""
        return self.store.chunked_otherwise(self.chunking.fingerprint)

    def ingest(
        self,
        paths: Iterable[Path],
        prune: bool = False,
        progress: Progress | None = None,
        prefix: str | None = None,
        wait: float = 0.0,
    ) -> IngestReport:
        """Store new and changed articles. Files are read before the writer lock is taken;
        `wait` is how long to wait for another writer to finish."""
        collected = collect(paths, prefix=prefix)
        with writer_lock(self.layout.lock, wait=wait):
            return self._update(collected, prune=prune, progress=progress)

    def _update(
        self, collected: Collected, prune: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Store the collected articles (the caller holds the writer lock); a new revision
        gets its lexical index at once."""
        try:
            report = update_store(
                self.store, self.embeddings, self.chunking, collected, prune, progress
            )
        except (EmbeddingServerProblem, EmbeddingModelMismatch):
            self._keep_what_was_stored()
            raise
        if report.revised:
            self.refresh_lexical()
        return report

    def _keep_what_was_stored(self) -> None:
        """After the embedding model failed mid-ingest, every article written is whole (an
        article's chunks are written only with all its vectors, checked first, and the failed
        call's vectors are never written): the store gets a clean revision and a lexical index
        at once. If that fails too, the next command heals it as after a crash."""
        try:
            self.store.bump_revision()
            self.refresh_lexical()
        except KnowledgeBaseError:
            pass

    def article_text(self, article_id: str) -> str | None:
        """An ingested article's cleaned text (the text all offsets refer to), if stored."""
        return self.store.article_text(article_id)

    def remove_articles(self, ids: Sequence[str]) -> list[StoredArticle]:
        """Remove the articles with these ids, all or none: every id is checked, under the
        writer lock, before the first removal. As in an ingest, the store is marked as being
        written first and gets a new revision and lexical index after."""
        wanted = list(dict.fromkeys(ids))
        with writer_lock(self.layout.lock):
            found = self.store.find_articles(wanted)
            unknown = [article_id for article_id in wanted if article_id not in found]
            if unknown:
                raise UnknownArticle(unknown, "; nothing was removed")
            self.store.mark_writing()
            for article_id in wanted:
                self.store.remove_article(article_id)
            self.store.bump_revision()
            self.refresh_lexical()
        return [found[article_id] for article_id in wanted]

    def refresh_lexical(self) -> LexicalIndex:
        """Rebuild the lexical index from the store; saved unless a write is in progress."""
        revision = self.store.revision
        if revision.startswith(WRITING) and self._finish_interrupted_write():
            revision = self.store.revision
        index = LexicalIndex.build(self.store.iter_chunks(), revision)
        if not revision.startswith(WRITING):
            try:
                index.save(self.layout.lexical)
            except OSError as error:
                raise local_error(str(self.layout.lexical), error, "cannot be saved") from error
        self._lexical = index
        return index

    def _finish_interrupted_write(self) -> bool:
        """A local store marked as being written while no writer holds the lock was left so
        by a crash: give it a clean revision. A server's writers may be on other machines,
        so its mark stays until the next ingest."""
        if self.layout.server:
            return False
        try:
            with writer_lock(self.layout.lock):
                if self.store.revision.startswith(WRITING):
                    self.store.bump_revision()
                return True
        except IndexLocked:
            return False  # a writer is at work: its own bump will follow
        except (StorageFull, StorageUnwritable):
            return False  # the index is still read correctly, only not healed yet

    def lexical(self) -> LexicalIndex:
        """The lexical index, rebuilt unless it was built from the store as it is now: the
        same revision, the same number of chunks, and no write in progress or interrupted."""
        revision, count = self.store.revision, self.store.chunk_count()
        clean = not revision.startswith(WRITING)
        if clean and self._lexical is not None and self._lexical.matches(revision, count):
            return self._lexical
        saved = LexicalIndex.load(self.layout.lexical) if clean else None
        self._lexical = (
            saved if saved and saved.matches(revision, count) else self.refresh_lexical()
        )
        return self._lexical

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks, by the lexical index the last search used (no
        second look at the store: each is a round trip to a server)."""
        index = self._lexical if self._lexical is not None else self.lexical()
        return index.idf(term)

    def search(
        self,
        query: str,
        k: int = 5,
        mode: Mode = "hybrid",
        candidates: int = CANDIDATES,
        filters: Filters | None = None,
        recency: Recency | None = None,
    ) -> list[Passage]:
        """The k best passages for a query among those the filters allow (applied inside
        both searches, so k come back when k pass), newer ones first when `recency` is set."""
        pool = max(candidates, k)
        index = self.lexical() if mode != "dense" or filters or recency else None
        dense = self._dense(query, pool, index, filters) if mode != "lexical" else []
        lexical = index.search(query, pool, filters) if index and mode != "dense" else []
        ranked = fuse(dense, lexical, mode)
        if recency and recency.half_life_days > 0 and index:
            ranked = by_recency(ranked, index.day, recency, index.newest_day)
        return to_passages(ranked[:k], self.store.get_chunks, dict(dense), dict(lexical))

    def _dense(
        self, query: str, n: int, index: LexicalIndex | None, filters: Filters | None
    ) -> list[tuple[str, float]]:
        """Nearest chunks, filtered by Chroma on their metadata. An index stored before chunks
        carried their day is filtered by date through the ids the lexical index allows."""
        vector = self.embeddings.embed_query(query)
        if self._dimension is None:
            self._dimension = self.store.dimension()
        check_dimension(self.store, [vector], self._dimension)
        if not filters or index is None:
            return self.store.query(vector, n)
        if filters.dates and index.facets.legacy:
            return self.store.query(vector, n, ids=index.allowed_ids(filters))
        return self.store.query(vector, n, where=filters.where(index.outlets))

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Vectors of texts (answer scoring's sentences); each distinct text is embedded once
        per knowledge base (or model, see _vector_cache), since the same passages come back
        for question after question."""
        distinct = dict.fromkeys(texts)
        known = {t: v for t in distinct if (v := self._vectors.get(t)) is not None}
        missing = [t for t in distinct if t not in known]
        if missing:
            vectors = self.embeddings.embed_documents(missing)
            if len(self._vectors) + len(missing) > VECTOR_CACHE:
                self._vectors.clear()  # what it held is kept in `known` for this call
            for text, vector in zip(missing, vectors, strict=True):
                self._vectors[text] = known[text] = vector
        return [known[t] for t in texts]

    def describe(self) -> dict[str, Any]:
        articles, chunks = self.store.counts()
        return {
            "store": "server" if self.layout.server else "embedded",
            "location": self.store.location,
            "embedding_model": self.store.embedding_model,
            "chunking": self.chunking.fingerprint,
            "articles": articles,
            "articles_outdated": self.outdated(),  # stored by an older version: ingest updates
            "chunks": chunks,
        }


def _wipe(layout: Layout) -> None:
    """Delete the index: through Chroma when it opens; a damaged embedded index that does not
    open has its folder removed (Chroma caches clients per folder, so that cache goes too)."""
    from chromadb.api.client import SharedSystemClient

    from vectorstore.search.store import COLLECTIONS

    shutil.rmtree(layout.lexical, ignore_errors=True)
    try:
        client = layout.connect()
        existing = {c.name for c in client.list_collections()}
        for name in COLLECTIONS:
            if name in existing:
                client.delete_collection(name)
    except Exception:  # a damaged index fails in many ways; its folder goes either way
        if layout.server:
            raise
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(layout.chroma, ignore_errors=True)


def _open_store(layout: Layout, model_id: str) -> ChromaStore:
    if layout.server:
        return ChromaStore(
            layout.connect(),
            model_id,
            location=layout.location,
            remote=True,
            deadline=layout.server.timeout,
        )
    opening = IndexOpening(f"The index at {layout.chroma} is being opened by another process")
    with file_lock(layout.open_lock, OPEN_WAIT, opening):
        return ChromaStore(
            layout.connect(),
            model_id,
            location=layout.location,
            reopen=lambda: connect_embedded(layout.chroma, fresh=True),
        )
