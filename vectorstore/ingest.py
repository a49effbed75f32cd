"""Incremental ingest: only new or changed articles are chunked and embedded."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from vectorstore.articles import Article, Skipped, load_articles
from vectorstore.chunking import Chunk, split_into_chunks
from vectorstore.lexical import lexical_text

if TYPE_CHECKING:
    from vectorstore.base import KnowledgeBase

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


def ingest(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the store in line with the articles under `paths`."""
    began = time.perf_counter()
    report = IngestReport()
    articles, files_read = _collect(load_articles(list(paths)), report)
    manifest = kb.store.manifest()
    fingerprint = kb.chunking.fingerprint
    todo = []
    for article in articles:
        stored = manifest.get(article.id)
        if stored and (stored.content_hash, stored.chunking) == (article.content_hash, fingerprint):
            report.unchanged += 1
        else:
            todo.append(article)
            report.new += stored is None
            report.updated += stored is not None
    if progress:
        progress(report.unchanged, len(articles), 0)
    for done, chunk_count in enumerate(_store_articles(kb, todo, fingerprint), start=1):
        report.chunks_embedded += chunk_count
        if progress:
            progress(report.unchanged + done, len(articles), report.chunks_embedded)
    if prune:
        seen = {article.id for article in articles}
        for stored in manifest.values():
            gone = not Path(stored.source).exists() or stored.source in files_read
            if stored.id not in seen and gone:
                kb.store.remove_article(stored.id)
                report.removed += 1
    if report.changed:
        kb.store.bump_revision()
        kb.refresh_lexical()
    report.seconds = time.perf_counter() - began
    return report


def _collect(
    found: Iterable[Article | Skipped], report: IngestReport
) -> tuple[list[Article], set[str]]:
    """Articles to ingest, the files they came from; skips and repeated ids go to the report."""
    articles: dict[str, Article] = {}
    texts: dict[str, str] = {}  # article text -> the id it was first seen under
    files: set[str] = set()
    for item in found:
        if isinstance(item, Skipped):
            report.skipped.append(item)
        elif item.id in articles:
            first = articles[item.id].source
            report.skipped.append(Skipped(item.source, f"same article id '{item.id}' as {first}"))
        elif item.text in texts:
            report.skipped.append(
                Skipped(item.source, f"same text as article '{texts[item.text]}'")
            )
            files.add(item.source)
        else:
            articles[item.id] = item
            texts[item.text] = item.id
            files.add(item.source)
    return list(articles.values()), files


def _store_articles(kb: KnowledgeBase, articles: list[Article], fingerprint: str) -> Iterator[int]:
    """Chunk, embed and store the articles in order, yielding each one's chunk count once it
    is stored.

    Embedding is most of the work and the model runs outside the GIL, so the next article is
    chunked and the previous one written to the store on two helper threads meanwhile (the
    pipeline then adds little to the model's own time; bench/latency.py measures the share).
    Writes stay one at a time and in order, each article's manifest entry after its chunks, so
    an interrupted ingest leaves at most the article being written marked as changed.
    """
    with ThreadPoolExecutor(1, "chunker") as chunker, ThreadPoolExecutor(1, "writer") as writer:
        upcoming = iter(articles)

        def chunk_next(count: int) -> list[Future[list[Chunk]]]:
            return [
                chunker.submit(split_into_chunks, a, kb.chunking) for a in islice(upcoming, count)
            ]

        chunked = deque(chunk_next(2))
        writing: tuple[Future[None], int] | None = None
        try:
            for article in articles:
                chunks = chunked.popleft().result()
                chunked.extend(chunk_next(1))
                texts = [lexical_text(article.title, c.text) for c in chunks]
                vectors = kb.embeddings.embed_documents(texts)
                if writing:
                    yield _written(writing)
                write = writer.submit(
                    kb.store.replace_article, article, chunks, vectors, fingerprint
                )
                writing = (write, len(chunks))
            if writing:
                yield _written(writing)
        finally:
            for pending in chunked:
                pending.cancel()


def _written(writing: tuple[Future[None], int]) -> int:
    """The chunk count of a finished write; the write's error, if it failed."""
    write, chunk_count = writing
    write.result()
    return chunk_count
