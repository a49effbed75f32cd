"""Storing collected articles: what is new or changed is chunked, embedded and written, in
order, with the store marked as being written until its new revision.

Ingest is incremental: an article whose content and chunking are unchanged is left alone.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from vectorstore.errors import EmbeddingDimensionMismatch, IdClash
from vectorstore.ingest.articles import Article, Doubt, Skipped, doubts
from vectorstore.ingest.chunking import Chunk, ChunkingConfig, split_into_chunks
from vectorstore.ingest.collection import Collected
from vectorstore.search.lexical import lexical_text
from vectorstore.search.records import StoredArticle
from vectorstore.search.store import WRITING, ChromaStore

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


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
    revised: bool = False  # the store got a new revision: its lexical index is out of date

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        )


def update_store(
    store: ChromaStore,
    embeddings: Embeddings,
    chunking: ChunkingConfig,
    collected: Collected,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with the collected articles. The caller holds the writer lock
    and, when the report says `revised`, rebuilds the lexical index.

    Everything is checked before the first write (an id taken by another file stops the run
    with nothing changed). The store is marked as being written before the first change and
    given a new revision after the last, so a crash anywhere in between leaves a revision that
    no lexical index was built from: the next command rebuilds it."""
    began = time.perf_counter()
    report = IngestReport(skipped=list(collected.skipped))
    articles = collected.articles
    manifest = store.manifest()
    _refuse_clashes(articles, manifest)
    fingerprint = chunking.fingerprint
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
    interrupted = store.revision.startswith(WRITING)
    if todo or pruned:
        store.mark_writing()
    if progress:
        progress(report.unchanged, len(articles), 0)
    for done, chunk_count in enumerate(_store_articles(store, embeddings, chunking, todo), start=1):
        report.chunks_embedded += chunk_count
        if progress:
            progress(report.unchanged + done, len(articles), report.chunks_embedded)
    for article_id in pruned:
        store.remove_article(article_id)
        report.removed += 1
    if report.changed or interrupted:
        store.bump_revision()
        report.revised = True
    report.seconds = time.perf_counter() - began
    return report


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


# Chunks embedded in one call and written in one, gathered across articles so that the
# model's length-sorted batches fill up (one article alone has a handful of chunks of every
# length) and a write's cost is shared: with 256 the pipeline ran at 0.92 of the model's own
# rate, with 128 at 0.89 (less idle time at each group's end, fewer writes; bench/latency.py
# --ingest-only, 100 articles, medians of 2 rounds).
EMBED_GROUP = 256
# Articles chunked ahead of the one being embedded.
LOOKAHEAD = 16


def _store_articles(
    store: ChromaStore, embeddings: Embeddings, chunking: ChunkingConfig, articles: list[Article]
) -> Iterator[int]:
    """Chunk, embed and store the articles in order, yielding each one's chunk count once it
    is stored.

    Embedding is most of the work and the model runs outside the GIL, so the next articles are
    chunked and the previous ones written to the store on two helper threads meanwhile (the
    pipeline then adds little to the model's own time; bench/latency.py measures the share).
    The chunks of several articles are embedded in one call and written in one (EMBED_GROUP).
    Writes stay one at a time and in order, the manifest entries after their chunks, so an
    interrupted ingest leaves at most the group being written marked as changed.
    """
    with ThreadPoolExecutor(1, "chunker") as chunker, ThreadPoolExecutor(1, "writer") as writer:
        ahead = _Chunker(chunker, iter(articles), chunking)
        writing: Future[None] | None = None
        written: list[int] = []
        dimension = store.dimension() if articles else None
        try:
            while group := ahead.group(EMBED_GROUP):
                texts = [lexical_text(a.title, c.text) for a, chunks in group for c in chunks]
                vectors = embeddings.embed_documents(texts) if texts else []
                dimension = check_dimension(store, vectors, dimension)
                if writing:
                    writing.result()  # the previous group's write, or its error
                    yield from written
                batch, start = [], 0
                for article, chunks in group:
                    batch.append((article, chunks, vectors[start : start + len(chunks)]))
                    start += len(chunks)
                writing = writer.submit(store.replace_articles, batch, chunking.fingerprint)
                written = [len(chunks) for _, chunks in group]
            if writing:
                writing.result()
                yield from written
        finally:
            ahead.cancel()


class _Chunker:
    """Articles chunked on a helper thread, LOOKAHEAD of them ahead of the caller."""

    def __init__(
        self, pool: ThreadPoolExecutor, upcoming: Iterator[Article], chunking: ChunkingConfig
    ):
        self.pool, self.upcoming, self.chunking = pool, upcoming, chunking
        self.ahead: deque[tuple[Article, Future[list[Chunk]]]] = deque()
        self._fill()

    def _fill(self) -> None:
        for article in islice(self.upcoming, LOOKAHEAD - len(self.ahead)):
            chunking = self.pool.submit(split_into_chunks, article, self.chunking)
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


def check_dimension(
    store: ChromaStore, vectors: Sequence[Sequence[float]], expected: int | None
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
            f"The index at {store.location} {held}, but the embedding model "
            f"{store.embedding_model} gave {wrong[0]}: under that name another model "
            "built the index"
        )
    return lengths[0]
