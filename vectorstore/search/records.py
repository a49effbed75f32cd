"""What the store keeps of an article and of a chunk, and how each is written to and read from
Chroma's metadata (scalars only, no None values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vectorstore.ingest.articles import Article
from vectorstore.ingest.attribution import SpeakerSpan, decode_speakers, encode_speakers
from vectorstore.ingest.chunking import Chunk
from vectorstore.search.dates import day_of
from vectorstore.search.filters import UNDATED


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
    speakers: tuple[SpeakerSpan, ...] = ()  # none when stored before speakers were found


def described(article: Article) -> dict[str, Any]:
    """The article's metadata as Chroma stores it (no None values)."""
    return {
        "title": article.title,
        "outlet": article.outlet or "",
        "published": article.published or "",
        "url": article.url or "",
    }


def chunk_metadata(article: Article, chunk: Chunk) -> dict[str, Any]:
    day = day_of(article.published)
    return {
        **described(article),
        "day": day.toordinal() if day else UNDATED,  # so Chroma can filter a range of dates
        "article_id": article.id,
        "start": chunk.start,
        "end": chunk.end,
        "index": chunk.index,
        "tokens": chunk.tokens,
        "speakers": encode_speakers(chunk.speakers),  # JSON: Chroma keeps scalars only
    }


def article_metadata(article: Article, chunking: str, chunk_count: int) -> dict[str, Any]:
    return {
        **described(article),
        "source": article.source,
        "content_hash": article.content_hash,
        "chunking": chunking,
        "chunks": chunk_count,
        "characters": len(article.text),
        "removed": len(article.removed),
    }


def stored_article(article_id: str, meta: dict[str, Any]) -> StoredArticle:
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


def stored_chunk(chunk_id: str, document: str, meta: dict[str, Any]) -> StoredChunk:
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
        speakers=decode_speakers(meta.get("speakers")),
    )
