"""Reading what an ingest run will store: every article under some paths, read and cleaned,
each once (a repeated id or a repeated text is skipped with its reason). Nothing is stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vectorstore.ingest.articles import Article, Skipped, load_articles


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
