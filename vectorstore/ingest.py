"""Incremental ingest: only new or changed articles are chunked and embedded."""

from __future__ import annotations

import os
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
from vectorstore.errors import IdClash
from vectorstore.lexical import lexical_text
from vectorstore.store import WRITING, StoredArticle

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


@dataclass
class Collected:
    """Articles read and cleaned from files, before anything is stored."""

    articles: list[Article]
    skipped: list[Skipped]
    files_read: set[str]


def collect(paths: Iterable[Path], prefix: str | None = None) -> Collected:
    """Read every article under `paths` (a missing path is an InputError); nothing is stored.
    `prefix` goes before every article id of this run (`prefix/story`)."""
    skipped: list[Skipped] = []
    articles, files_read = _collect(load_articles(list(paths), prefix=prefix), skipped)
    return Collected(articles, skipped, files_read)


def ingest(
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
            report.new += stored is None
            report.updated += stored is not None
    pruned = _prunable(articles, manifest, collected.files_read) if prune else []
    interrupted = kb.store.revision.startswith(WRITING)
    if todo or pruned:
        kb.store.mark_writing()
    if progress:
        progress(report.unchanged, len(articles), 0)
    for done, chunk_count in enumerate(_store_articles(kb, todo, fingerprint), start=1):
        report.chunks_embedded += chunk_count
        if progress:
            progress(report.unchanged + done, len(articles), report.chunks_embedded)
    for article_id in pruned:
        kb.store.remove_article(article_id)
        report.removed += 1
    if report.changed or interrupted:
        kb.store.bump_revision()
        kb.refresh_lexical()
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
        "nothing was stored",
        "ingest it under its own id prefix (--prefix NAME), or remove the other article first",
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


def _collect(
    found: Iterable[Article | Skipped], skipped: list[Skipped]
) -> tuple[list[Article], set[str]]:
    """Articles to ingest, the files they came from; skips and repeated ids go to `skipped`."""
    articles: dict[str, Article] = {}
    texts: dict[str, str] = {}  # article text -> the id it was first seen under
    files: set[str] = set()
    for item in found:
        if isinstance(item, Skipped):
            skipped.append(item)
        elif item.id in articles:
            first = articles[item.id].source
            skipped.append(Skipped(item.source, f"same article id '{item.id}' as {first}"))
        elif item.text in texts:
            skipped.append(Skipped(item.source, f"same text as article '{texts[item.text]}'"))
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
