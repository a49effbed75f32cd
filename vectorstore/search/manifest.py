"""What is indexed, article by article: listing with filters, one article's stored text and the
lines cleaning removed from it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from vectorstore.errors import UnknownArticle
from vectorstore.search.filters import outlet_key
from vectorstore.search.records import StoredArticle
from vectorstore.search.store import ChromaStore

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles to list; an empty filter admits every one."""

    outlets: tuple[str, ...] = ()  # any of these, case-insensitive, stated in the text or not
    since: date | None = None  # published on or after (articles without a date are left out)
    until: date | None = None  # published on or before
    contains: str | None = None  # in the title or the id, case-insensitive

    def admits(self, article: StoredArticle) -> bool:
        outlets = {outlet_key(outlet) for outlet in self.outlets}
        if outlets and outlet_key(article.outlet) not in outlets:
            return False
        if self.since or self.until:
            day = published_day(article.published)
            if day is None or (self.since and day < self.since):
                return False
            if self.until and day > self.until:
                return False
        needle = (self.contains or "").casefold()
        return needle in article.title.casefold() or needle in article.id.casefold()


def published_day(published: str | None) -> date | None:
    """The day an ISO publication date ("2025-05-03T11:55") names; None when it names none."""
    found = _ISO_DAY.match(published or "")
    try:
        return date(*map(int, found.groups())) if found else None
    except ValueError:
        return None


def list_articles(store: ChromaStore, chosen: ArticleFilter | None = None) -> list[StoredArticle]:
    """The stored articles the filter admits, by id. Entries written by earlier versions get
    their length from the stored text."""
    chosen = chosen or ArticleFilter()
    entries = sorted(
        (entry for entry in store.manifest().values() if chosen.admits(entry)),
        key=lambda entry: entry.id,
    )
    unmeasured = [entry.id for entry in entries if entry.characters is None]
    if not unmeasured:
        return entries
    lengths = store.text_lengths(unmeasured)
    return [_measured(entry, lengths.get(entry.id)) for entry in entries]


def _measured(entry: StoredArticle, characters: int | None) -> StoredArticle:
    return entry if entry.characters is not None else replace(entry, characters=characters)


@dataclass(frozen=True)
class ArticleText:
    """One stored article: its manifest entry, the cleaned text as stored, and (when asked
    for) the lines cleaning removed; None when the index did not record them."""

    article: StoredArticle
    text: str
    removed: list[str] | None = None


def read_article(store: ChromaStore, article_id: str, with_removed: bool = False) -> ArticleText:
    """An article as stored; UnknownArticle when the id is not in the index."""
    entry = store.find_articles([article_id]).get(article_id)
    text = store.article_text(article_id) if entry else None
    if entry is None or text is None:
        raise UnknownArticle([article_id])
    entry = _measured(entry, len(text))
    if not with_removed or entry.removed is None:
        return ArticleText(entry, text)
    return ArticleText(entry, text, store.removed_lines(article_id) if entry.removed else [])


def describe(article: StoredArticle) -> dict[str, Any]:
    """An article's entry as JSON: what `articles` lists."""
    return {
        "id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published,
        "url": article.url,
        "chunks": article.chunks,
        "characters": article.characters,
        "removed_lines": article.removed,
        "source": article.source,
    }
