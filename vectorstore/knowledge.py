"""KnowledgeBase: the store, the embedding model and the lexical index, working as one.

Ingest is incremental: only new or changed articles are chunked and embedded. The ingest side
(`vectorstore/ingest/`: reading, cleaning, chunking, embedding) feeds the search side
(`vectorstore/search/`: the Chroma store, the lexical index, fusion); this module joins them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.errors import (
    EmbeddingDimensionMismatch,
    EmbeddingModelMismatch,
    EmbeddingServerProblem,
    IdClash,
    IndexLocked,
    IndexOpening,
    IndexProblem,
    KnowledgeBaseError,
    StorageFull,
    StorageUnwritable,
    UnknownArticle,
)
from vectorstore.ingest.articles import Article, Doubt, Skipped, doubts
from vectorstore.ingest.chunking import Chunk, ChunkingConfig, split_into_chunks
from vectorstore.ingest.collection import Collected, collect
from vectorstore.ingest.tokens import install_encodings
from vectorstore.search.filters import Filters
from vectorstore.search.lexical import LexicalIndex, lexical_text
from vectorstore.search.retrieval import (
    CANDIDATES,
    Mode,
    Passage,
    Recency,
    by_recency,
    fuse,
    to_passages,
)
from vectorstore.search.store import (
    WRITING,
    ChromaConfig,
    ChromaStore,
    StoredArticle,
    connect_embedded,
    connect_server,
    local_error,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

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


# Most texts whose vectors a knowledge base keeps (384 floats each: ~15 MB at this size).
VECTOR_CACHE = 5000


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
        self._vectors: dict[str, list[float]] = {}  # text -> vector, see embed_texts
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
            return kb, _ingest(kb, collected, progress=progress)

    def is_empty(self) -> bool:
        return self.store.counts()[1] == 0

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
            return _ingest(self, collected, prune=prune, progress=progress)

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
        self.check_dimension([vector], self._dimension)
        if not filters or index is None:
            return self.store.query(vector, n)
        if filters.dates and index.facets.legacy:
            return self.store.query(vector, n, ids=index.allowed_ids(filters))
        return self.store.query(vector, n, where=filters.where(index.outlets))

    def check_dimension(
        self, vectors: Sequence[Sequence[float]], expected: int | None
    ) -> int | None:
        """The vectors' length, when they all have the `expected` one (any one, if None).
        Checked before a write: Chroma refuses a vector of another length only after the
        article's old chunks were deleted."""
        lengths = sorted({len(vector) for vector in vectors})
        if not lengths:
            return expected
        wrong = [n for n in lengths if n != (expected or lengths[0])]
        if wrong:
            held = f"holds vectors of {expected} numbers" if expected else "was given vectors"
            raise EmbeddingDimensionMismatch(
                f"The index at {self.store.location} {held}, but the embedding model "
                f"{self.store.embedding_model} gave {wrong[0]}: under that name another model "
                "built the index"
            )
        return lengths[0]

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Vectors of texts (answer scoring's sentences); each distinct text is embedded once
        per knowledge base, since the same passages come back for question after question."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if len(self._vectors) + len(missing) > VECTOR_CACHE:
            self._vectors.clear()
        if missing:
            vectors = self.embeddings.embed_documents(missing)
            self._vectors.update(zip(missing, vectors, strict=True))
        return [self._vectors[t] for t in texts]

    def describe(self) -> dict[str, Any]:
        articles, chunks = self.store.counts()
        return {
            "store": "server" if self.layout.server else "embedded",
            "location": self.store.location,
            "embedding_model": self.store.embedding_model,
            "chunking": self.chunking.fingerprint,
            "articles": articles,
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
    with _file_lock(layout.open_lock, OPEN_WAIT, opening):
        return ChromaStore(
            layout.connect(),
            model_id,
            location=layout.location,
            reopen=lambda: connect_embedded(layout.chroma, fresh=True),
        )


# Opening takes a moment; waiting this long for another process to finish it is plenty.
OPEN_WAIT = 60.0


def writer_lock(path: Path, wait: float = 0.0) -> AbstractContextManager[None]:
    """One writer at a time; another one waits up to `wait` seconds, then is told the index
    is busy (never that it is damaged)."""
    return _file_lock(path, wait, IndexLocked(path.parent))


@contextmanager
def _file_lock(path: Path, wait: float, busy: IndexProblem) -> Iterator[None]:
    """Hold a lock file, waiting up to `wait` seconds for another holder; then `busy`."""
    from filelock import FileLock, Timeout

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=wait)
        lock.acquire()
    except Timeout as error:
        raise busy from error
    except OSError as error:
        raise local_error(str(path.parent), error, "cannot be locked") from error
    try:
        yield
    finally:
        lock.release()


# Called as progress(articles done, articles total, chunks embedded so far).
Progress = Callable[[int, int, int], None]


@dataclass
class IngestReport:
    """What an ingest run did."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    # Articles stored this run that look like a caption or a template page, not a story.
    doubts: list[Doubt] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        )


def _ingest(
    kb: KnowledgeBase,
    collected: Collected,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with the collected articles. The caller holds the writer lock.

    Everything is checked before the first write (an id taken by another file stops the run
    with nothing changed). The store is marked as being written before the first change and
    given a new revision after the last, so a crash anywhere in between leaves a revision that
    no lexical index was built from: the next command rebuilds it."""
    began = time.perf_counter()
    report = IngestReport(skipped=list(collected.skipped))
    articles = collected.articles
    manifest = kb.store.manifest()
    _refuse_clashes(articles, manifest)
    fingerprint = kb.chunking.fingerprint
    todo = []
    for article in articles:
        stored = manifest.get(article.id)
        if stored and (stored.content_hash, stored.chunking) == (article.content_hash, fingerprint):
            report.unchanged += 1
        else:
            todo.append(article)
            report.doubts.extend(doubts(article))
            report.new += stored is None
            report.updated += stored is not None
    pruned = _prunable(articles, manifest, collected.files_read) if prune else []
    interrupted = kb.store.revision.startswith(WRITING)
    if todo or pruned:
        kb.store.mark_writing()
    if progress:
        progress(report.unchanged, len(articles), 0)
    try:
        for done, chunk_count in enumerate(_store_articles(kb, todo, fingerprint), start=1):
            report.chunks_embedded += chunk_count
            if progress:
                progress(report.unchanged + done, len(articles), report.chunks_embedded)
    except (EmbeddingServerProblem, EmbeddingModelMismatch):
        _keep_what_was_stored(kb)
        raise
    for article_id in pruned:
        kb.store.remove_article(article_id)
        report.removed += 1
    if report.changed or interrupted:
        kb.store.bump_revision()
        kb.refresh_lexical()
    report.seconds = time.perf_counter() - began
    return report


def _keep_what_was_stored(kb: KnowledgeBase) -> None:
    """After the embedding model failed mid-ingest, every article written is whole (an
    article's chunks are written only with all its vectors, checked first, and the failed
    call's vectors are never written): the store gets a clean revision and a lexical index at
    once. If that fails too, the next command heals it as after a crash."""
    try:
        kb.store.bump_revision()
        kb.refresh_lexical()
    except KnowledgeBaseError:
        pass


def _prunable(
    articles: list[Article], manifest: dict[str, StoredArticle], files_read: set[str]
) -> list[str]:
    """Stored articles whose file is gone, or was read this run and no longer holds them."""
    seen = {article.id for article in articles}
    return [
        stored.id
        for stored in manifest.values()
        if stored.id not in seen
        and (not Path(stored.source).exists() or stored.source in files_read)
    ]


def _refuse_clashes(articles: list[Article], manifest: dict[str, StoredArticle]) -> None:
    """An article whose id comes from its file name never silently replaces one stored from
    another file that still exists (two folders each holding `story.txt`)."""
    clashes = [
        (article, stored)
        for article in articles
        if article.id_from_file
        and (stored := manifest.get(article.id)) is not None
        and _other_existing_file(stored.source, article.source)
    ]
    if not clashes:
        return
    article, stored = clashes[0]
    more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
    raise IdClash(
        f"{article.source} would replace article '{article.id}' from {stored.source}{more}; "
        "nothing was stored"
    )


def _other_existing_file(stored_source: str, source: str) -> bool:
    """Whether the stored article came from a different file that still exists. Earlier
    versions stored paths as given on the command line, so a relative path also matches an
    absolute one that ends with it."""
    if stored_source == source or source.endswith(os.sep + stored_source.lstrip(os.sep)):
        return False
    stored = Path(stored_source)
    if not stored.is_file():
        return False  # moved or deleted: the new file takes its place
    try:
        return not os.path.samefile(stored, source)
    except OSError:
        return True


# Chunks embedded in one call, gathered across articles so that the model's length-sorted
# batches fill up (one article alone has a handful of chunks of every length).
EMBED_GROUP = 64
# Articles chunked ahead of the one being embedded.
LOOKAHEAD = 16


def _store_articles(kb: KnowledgeBase, articles: list[Article], fingerprint: str) -> Iterator[int]:
    """Chunk, embed and store the articles in order, yielding each one's chunk count once it
    is stored.

    Embedding is most of the work and the model runs outside the GIL, so the next articles are
    chunked and the previous ones written to the store on two helper threads meanwhile (the
    pipeline then adds little to the model's own time; bench/latency.py measures the share).
    The chunks of several articles are embedded in one call (EMBED_GROUP). Writes stay one at
    a time and in order, each article's manifest entry after its chunks, so an interrupted
    ingest leaves at most the article being written marked as changed.
    """
    with ThreadPoolExecutor(1, "chunker") as chunker, ThreadPoolExecutor(1, "writer") as writer:
        ahead = _Chunker(chunker, iter(articles), kb)
        writing: deque[tuple[Future[None], int]] = deque()
        dimension = kb.store.dimension() if articles else None
        try:
            while group := ahead.group(EMBED_GROUP):
                texts = [lexical_text(a.title, c.text) for a, chunks in group for c in chunks]
                vectors = kb.embeddings.embed_documents(texts) if texts else []
                dimension = kb.check_dimension(vectors, dimension)
                while writing:
                    yield _written(writing.popleft())
                start = 0
                for article, chunks in group:
                    mine = vectors[start : start + len(chunks)]
                    start += len(chunks)
                    write = writer.submit(
                        kb.store.replace_article, article, chunks, mine, fingerprint
                    )
                    writing.append((write, len(chunks)))
            while writing:
                yield _written(writing.popleft())
        finally:
            ahead.cancel()


class _Chunker:
    """Articles chunked on a helper thread, LOOKAHEAD of them ahead of the caller."""

    def __init__(self, pool: ThreadPoolExecutor, upcoming: Iterator[Article], kb: KnowledgeBase):
        self.pool, self.upcoming, self.kb = pool, upcoming, kb
        self.ahead: deque[tuple[Article, Future[list[Chunk]]]] = deque()
        self._fill()

    def _fill(self) -> None:
        for article in islice(self.upcoming, LOOKAHEAD - len(self.ahead)):
            chunking = self.pool.submit(split_into_chunks, article, self.kb.chunking)
            self.ahead.append((article, chunking))

    def group(self, chunk_count: int) -> list[tuple[Article, list[Chunk]]]:
        """The next articles with their chunks, at least chunk_count chunks unless the
        articles run out; empty at the end."""
        group: list[tuple[Article, list[Chunk]]] = []
        while self.ahead and sum(len(chunks) for _, chunks in group) < chunk_count:
            article, chunking = self.ahead.popleft()
            group.append((article, chunking.result()))
            self._fill()
        return group

    def cancel(self) -> None:
        for _, chunking in self.ahead:
            chunking.cancel()


def _written(writing: tuple[Future[None], int]) -> int:
    """The chunk count of a finished write; the write's error, if it failed."""
    write, chunk_count = writing
    write.result()
    return chunk_count
