"""Incremental ingest: only new or changed articles are chunked and embedded."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vectorstore.articles import Article, Skipped, load_articles
from vectorstore.chunking import split_into_chunks
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
    for done, article in enumerate(articles, start=1):
        stored = manifest.get(article.id)
        if (
            stored
            and stored.content_hash == article.content_hash
            and stored.chunking == fingerprint
        ):
            report.unchanged += 1
        else:
            report.chunks_embedded += _store_article(kb, article, fingerprint)
            if stored:
                report.updated += 1
            else:
                report.new += 1
        if progress:
            progress(done, len(articles), report.chunks_embedded)
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


def _store_article(kb: KnowledgeBase, article: Article, fingerprint: str) -> int:
    chunks = split_into_chunks(article, kb.chunking)
    vectors = kb.embeddings.embed_documents([lexical_text(article.title, c.text) for c in chunks])
    kb.store.replace_article(article, chunks, vectors, fingerprint)
    return len(chunks)
