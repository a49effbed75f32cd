"""Re-rankings of the product's final list (fused, recency applied) that use what the index
already knows about each chunk: its article, its neighbours in that article, and the
article's vector. bench/variants.py runs each as a row beside the product:

- article evidence: a chunk gains a share of the scores of its article's other candidates
  (the article whose several chunks match is the one asked about), or articles are ranked
  first (by their best chunk plus a share of the others) and chunks within them;
- neighbour context: a chunk gains a share of its neighbours' scores (answers often sit next
  to the matching sentence);
- article diversity: each further chunk of an article already ranked is scaled down (the
  failures show the top 5 filled by one article while the answer sits in another);
- article vector: a chunk's score times 1 + weight * cosine(query, its article's vector).

All of them act after recency: an article's chunks share its recency boost, so adding shares
of same-article scores before or after it ranks the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

import vectorstore.knowledge as knowledge
from vectorstore.knowledge import KnowledgeBase
from vectorstore.search.filters import Filters
from vectorstore.search.lexical import LexicalIndex

Ranked = list[tuple[str, float]]
# A re-ranking of the product's list, given the query asked.
Rerank = Callable[[Ranked, str], Ranked]


@dataclass(frozen=True)
class ChunkMap:
    """Each chunk's article and its neighbours (the chunks before and after it there)."""

    article: dict[str, str]
    neighbours: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> ChunkMap:
        by_article: dict[str, list[tuple[int, str]]] = defaultdict(list)
        article = {}
        for chunk in kb.store.iter_chunks():
            article[chunk.id] = chunk.article_id
            by_article[chunk.article_id].append((chunk.start, chunk.id))
        neighbours: dict[str, tuple[str, ...]] = {}
        for chunks in by_article.values():
            order = [chunk_id for _, chunk_id in sorted(chunks)]
            for i, chunk_id in enumerate(order):
                neighbours[chunk_id] = tuple(
                    order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)
                )
        return cls(article, neighbours)


def _sorted(scores: dict[str, float]) -> Ranked:
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def _by_article(chunks: ChunkMap, ranked: Ranked) -> dict[str, list[float]]:
    scores: dict[str, list[float]] = defaultdict(list)
    for chunk_id, score in ranked:
        scores[chunks.article[chunk_id]].append(score)
    return scores


def article_share(chunks: ChunkMap, share: float, best_only: bool = False) -> Rerank:
    """Score + share * (the sum, or the best, of the article's other candidates' scores)."""

    def rerank(ranked: Ranked, query: str) -> Ranked:
        articles = _by_article(chunks, ranked)
        scored = {}
        for chunk_id, score in ranked:
            others = sorted(articles[chunks.article[chunk_id]], reverse=True)
            others.remove(score)
            extra = (others[0] if others else 0.0) if best_only else sum(others)
            scored[chunk_id] = score + share * extra
        return _sorted(scored)

    return rerank


def articles_first(chunks: ChunkMap, share: float = 0.0) -> Rerank:
    """Articles by their best chunk's score plus a share of the others', then chunks within."""

    def rerank(ranked: Ranked, query: str) -> Ranked:
        articles = _by_article(chunks, ranked)
        weight = {a: s[0] + share * sum(s[1:]) for a, s in articles.items()}
        return sorted(ranked, key=lambda pair: (-weight[chunks.article[pair[0]]], -pair[1]))

    return rerank


def neighbour_share(chunks: ChunkMap, share: float) -> Rerank:
    """Score + share * the best neighbour's score (0 for a neighbour not among candidates)."""

    def rerank(ranked: Ranked, query: str) -> Ranked:
        scores = dict(ranked)
        return _sorted(
            {
                chunk_id: score
                + share * max((scores.get(n, 0.0) for n in chunks.neighbours[chunk_id]), default=0)
                for chunk_id, score in ranked
            }
        )

    return rerank


def article_decay(chunks: ChunkMap, decay: float) -> Rerank:
    """The n-th chunk of an article down the list scaled by (1 - decay) ** (n - 1)."""

    def rerank(ranked: Ranked, query: str) -> Ranked:
        seen: dict[str, int] = defaultdict(int)
        scored = {}
        for chunk_id, score in ranked:
            article = chunks.article[chunk_id]
            scored[chunk_id] = score * (1 - decay) ** seen[article]
            seen[article] += 1
        return _sorted(scored)

    return rerank


def article_vector(kb: KnowledgeBase, chunks: ChunkMap, weight: float) -> Rerank:
    """Score * (1 + weight * cosine(query, the article's stored vector: its chunks' mean))."""

    def rerank(ranked: Ranked, query: str) -> Ranked:
        vector = np.asarray(kb.embeddings.embed_query(query))
        wanted = list({chunks.article[chunk_id] for chunk_id, _ in ranked})
        found = kb.store.articles.get(ids=wanted, include=["embeddings"])
        similarity = {
            a: float(np.dot(v, vector) / (np.linalg.norm(v) * np.linalg.norm(vector)))
            for a, v in zip(found["ids"], found["embeddings"], strict=True)
        }
        return _sorted(
            {
                chunk_id: score * (1 + weight * similarity.get(chunks.article[chunk_id], 0.0))
                for chunk_id, score in ranked
            }
        )

    return rerank


@contextmanager
def reranked_by(rerank: Rerank, kb: KnowledgeBase) -> Iterator[None]:
    """The product's ranking, after recency, re-ranked while the block runs (recency must be
    on: the product applies it to every row of bench/variants.py)."""
    before_recency, before_dense = knowledge.by_recency, kb._dense
    asked: list[str] = [""]

    def dense(query: str, n: int, index: LexicalIndex | None, filters: Filters | None) -> Ranked:
        asked[0] = query  # the dense search is the one step that sees the query
        return before_dense(query, n, index, filters)

    def by_recency(ranked: Sequence[tuple[str, float]], *args: Any) -> Ranked:
        return rerank(before_recency(ranked, *args), asked[0])

    knowledge.by_recency, kb._dense = by_recency, dense
    try:
        yield
    finally:
        knowledge.by_recency, kb._dense = before_recency, before_dense
