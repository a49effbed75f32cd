"""Hybrid retrieval: dense (Chroma) and lexical (bm25s) candidates fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from vectorstore.ingest.attribution import SpeakerSpan, speaker_of
from vectorstore.search.records import StoredChunk

Mode = Literal["hybrid", "dense", "lexical"]
RRF_K = 60
CANDIDATES = 50


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its rank, fused score and article metadata."""

    rank: int
    score: float
    chunk_id: str
    article_id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    text: str
    start: int
    end: int
    dense_similarity: float | None = None
    lexical_score: float | None = None
    speakers: tuple[SpeakerSpan, ...] = ()

    def speaker(self, start: int, end: int) -> str | None:
        """Who says most of the article's text[start:end] in this passage, if it says."""
        return speaker_of(self.speakers, start, end)

    def to_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "chunk_id": self.chunk_id,
            "article_id": self.article_id,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
            "url": self.url,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "speakers": [
                {"start": s.start, "end": s.end, "speaker": s.speaker} for s in self.speakers
            ],
        }


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = RRF_K
) -> list[tuple[str, float]]:
    """Ids by the sum of 1 / (k + rank) over the rankings they appear in, best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def fuse(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    mode: Mode,
) -> list[tuple[str, float]]:
    """The ranking a mode asks for, as (chunk id, score)."""
    if mode == "dense":
        return list(dense)
    if mode == "lexical":
        return list(lexical)
    return reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]])


@dataclass(frozen=True)
class Recency:
    """Newer articles first, other things equal: a fused score is multiplied by
    1 + weight * 0.5 ** (age / half_life_days), the age in days between the article's date and
    `as_of` (default: the newest article in the index). An article without a date gets the
    mean boost of the dated candidates it is ranked with: neither favoured nor pushed down."""

    half_life_days: float
    as_of: date | None = None
    weight: float = 1.0

    def boost(self, day: date | None, anchor: date) -> float | None:
        """The factor for an article of this day; None when it has no date."""
        if day is None:
            return None
        return 1.0 + self.weight * 0.5 ** (abs((anchor - day).days) / self.half_life_days)


def by_recency(
    ranked: Sequence[tuple[str, float]],
    day: Callable[[str], date | None],
    recency: Recency,
    newest: date | None,
) -> list[tuple[str, float]]:
    """The ranking re-ordered by each score times its article's recency boost."""
    anchor = recency.as_of or newest
    if anchor is None or recency.half_life_days <= 0:
        return list(ranked)
    boosts = {chunk_id: recency.boost(day(chunk_id), anchor) for chunk_id, _ in ranked}
    dated = [b for b in boosts.values() if b is not None]
    neutral = sum(dated) / len(dated) if dated else 1.0
    scored = [(i, score * (boosts[i] or neutral)) for i, score in ranked]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def to_passages(
    ranked: Sequence[tuple[str, float]],
    fetch: Callable[[Sequence[str]], dict[str, StoredChunk]],
    dense: dict[str, float],
    lexical: dict[str, float],
) -> list[Passage]:
    """Ranked ids, filled in with the stored chunks."""
    chunks = fetch([chunk_id for chunk_id, _ in ranked])
    passages: list[Passage] = []
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is None:
            continue  # removed by a concurrent ingest since the lexical index was read
        passages.append(
            Passage(
                rank=len(passages) + 1,
                score=score,
                chunk_id=chunk.id,
                article_id=chunk.article_id,
                title=chunk.title,
                outlet=chunk.outlet,
                published=chunk.published,
                url=chunk.url,
                text=chunk.text,
                start=chunk.start,
                end=chunk.end,
                dense_similarity=dense.get(chunk_id),
                lexical_score=lexical.get(chunk_id),
                speakers=chunk.speakers,
            )
        )
    return passages
