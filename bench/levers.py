"""Levers on the product's retriever, each measured against it in one run (RealTime QA dev).

Every lever re-ranks the same candidates the product fuses (dense and BM25 top 100 from the
product's own index) and is scored exactly as bench/retrieval.py scores retrievers. A lever
the product should adopt shows up here first; the ones that did not hold are kept measurable
so that nobody has to rediscover them. Chunk size and overlap need a rebuilt index: use
bench/retrieval.py --chunk-tokens/--overlap-tokens for those.

    python bench/levers.py --home /tmp/bench-index [--sentences]

--sentences adds a semantic re-ranker that embeds every sentence of the fused top 20 at query
time (about 1 s a question here, so it is off by default).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from retrieval import (
    DEFAULT_DATA,
    Question,
    Search,
    evaluate,
    open_index,
    parse_day,
    write_table,
)

from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.ingest.text import sentence_spans
from vectorstore.knowledge import KnowledgeBase
from vectorstore.search.records import StoredChunk
from vectorstore.search.retrieval import RRF_K, reciprocal_rank_fusion

POOL = 100
FUSED = 50  # what the product fuses from each list
QUESTION_WORDS = re.compile(
    r"\b(which|what|who|whom|whose|where|when|how|why|this week|recently)\b", re.IGNORECASE
)


@dataclass
class Candidates:
    """What one question retrieves before fusion, with what the levers need to re-rank it."""

    query: str
    vector: np.ndarray
    dense: list[str]
    lexical: list[str]
    lexical_scores: dict[str, float]
    chunks: dict[str, StoredChunk]
    vectors: dict[str, np.ndarray]

    def fused(self, k: int = RRF_K, pool: int = FUSED) -> list[str]:
        return [i for i, _ in reciprocal_rank_fusion([self.dense[:pool], self.lexical[:pool]], k)]


def gather(kb: KnowledgeBase, query: str, vector: list[float] | None = None) -> Candidates:
    vector = vector or kb.embeddings.embed_query(query)
    dense = kb.store.query(vector, POOL)
    lexical = kb.lexical().search(query, POOL)
    ids = list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in lexical]))
    stored = kb.store.chunks.get(ids=ids, include=["embeddings"])
    return Candidates(
        query=query,
        vector=np.asarray(vector),
        dense=[i for i, _ in dense],
        lexical=[i for i, _ in lexical],
        lexical_scores=dict(lexical),
        chunks=kb.store.get_chunks(ids),
        vectors=dict(zip(stored["ids"], map(np.asarray, stored["embeddings"]), strict=True)),
    )


Lever = Callable[[KnowledgeBase, Candidates], list[str]]


def per_article_cap(kb: KnowledgeBase, c: Candidates, cap: int = 2) -> list[str]:
    kept, seen = [], {}
    for chunk_id in c.fused():
        article = c.chunks[chunk_id].article_id
        seen[article] = seen.get(article, 0) + 1
        kept.append((seen[article] > cap, chunk_id))
    return [chunk_id for _, chunk_id in sorted(kept, key=lambda pair: pair[0])]


def score_fusion(kb: KnowledgeBase, c: Candidates, dense_weight: float = 0.6) -> list[str]:
    top = max(c.lexical_scores.values(), default=1.0) or 1.0
    score = {
        i: dense_weight * float(c.vector @ c.vectors[i])
        + (1 - dense_weight) * c.lexical_scores.get(i, 0.0) / top
        for i in c.fused()
    }
    return sorted(score, key=lambda i: -score[i])


def article_vote(kb: KnowledgeBase, c: Candidates) -> list[str]:
    fused = c.fused()
    best: dict[str, int] = {}
    for rank, chunk_id in enumerate(fused):
        best.setdefault(c.chunks[chunk_id].article_id, rank)
    by_article = sorted(fused, key=lambda i: best[c.chunks[i].article_id])
    scores: dict[str, float] = {}
    for weight, ranking in ((1.0, fused), (0.5, by_article)):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank)
    return sorted(scores, key=lambda i: -scores[i])


def recency_prior(kb: KnowledgeBase, c: Candidates, days: float = 30.0) -> list[str]:
    """Newer articles first, other things equal; age counted from the newest candidate."""
    fused = c.fused()
    dates = {i: parse_day(c.chunks[i].published) for i in fused}
    newest = max((d for d in dates.values() if d), default=None)

    def score(rank: int, chunk_id: str) -> float:
        published = dates[chunk_id]
        age = (newest - published).days if newest and published else 3650
        return (1 + 0.5 / (1 + age / days)) / (RRF_K + rank)

    scored = {i: score(rank, i) for rank, i in enumerate(fused, start=1)}
    return sorted(scored, key=lambda i: -scored[i])


def dense_feedback(kb: KnowledgeBase, c: Candidates, top: int = 10, beta: float = 0.3) -> list[str]:
    """Rocchio: the query vector moved toward the fused top chunks, dense search run again."""
    centroid = np.mean([c.vectors[i] for i in c.fused()[:top]], axis=0)
    again = gather(kb, c.query, list(c.vector + beta * centroid))
    return [i for i, _ in reciprocal_rank_fusion([again.dense[:FUSED], c.lexical[:FUSED]])]


def without_question_words(kb: KnowledgeBase, c: Candidates) -> list[str]:
    stripped = " ".join(QUESTION_WORDS.sub(" ", c.query).split())
    vector = kb.embeddings.embed_query(stripped)
    dense = [i for i, _ in kb.store.query(vector, FUSED)]
    return [i for i, _ in reciprocal_rank_fusion([dense, c.lexical[:FUSED]])]


def best_sentence(kb: KnowledgeBase, c: Candidates, top: int = 20) -> list[str]:
    """The fused top 20 re-ranked by chunk cosine plus its best sentence's cosine."""
    fused = c.fused()

    def score(chunk_id: str) -> float:
        text = c.chunks[chunk_id].text
        sentences = [text[s.start : s.end] for s in sentence_spans(text)] or [text]
        best = max(float(c.vector @ np.asarray(v)) for v in kb.embed_texts(sentences))
        return best + float(c.vector @ c.vectors[chunk_id])

    scored = {i: score(i) for i in fused[:top]}
    return sorted(scored, key=lambda i: -scored[i]) + fused[top:]


LEVERS: dict[str, Lever] = {
    "product: RRF k=60 of dense+BM25 top 50": lambda kb, c: c.fused(),
    "RRF k=20": lambda kb, c: c.fused(k=20),
    "fuse top 100 of each": lambda kb, c: c.fused(pool=POOL),
    "dense counted twice": lambda kb, c: [
        i for i, _ in reciprocal_rank_fusion([c.dense[:FUSED], c.dense[:FUSED], c.lexical[:FUSED]])
    ],
    "at most 2 chunks an article first": per_article_cap,
    "score fusion 0.6 cos + 0.4 BM25/max": score_fusion,
    "article vote (best chunk's rank, weight 0.5)": article_vote,
    "recency prior (30-day scale)": recency_prior,
    "dense pseudo-relevance feedback": dense_feedback,
    "question words dropped from dense query": without_question_words,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--home", type=Path, default=None, help="the index bench/retrieval.py kept")
    parser.add_argument("--sentences", action="store_true", help="add the sentence re-ranker")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-levers-"))
    kb, _, questions = open_index(args.data, home, ChunkingConfig())
    levers = dict(LEVERS)
    if args.sentences:
        levers["best sentence + chunk cosine, top 20"] = best_sentence
    print()

    def search(lever: Lever) -> Search:
        def results(question: Question) -> list[tuple[str, str]]:
            candidates = gather(kb, question.text)
            ranked = lever(kb, candidates)[:10]
            missing = [i for i in ranked if i not in candidates.chunks]
            chunks = {**candidates.chunks, **kb.store.get_chunks(missing)}
            return [(chunks[i].text, chunks[i].url or "") for i in ranked]

        return results

    rows = {name: evaluate(search(lever), questions) for name, lever in levers.items()}
    out = Path(__file__).resolve().parent / "out"
    write_table(rows, out, "levers", "RealTime QA dev: levers on the product's retriever")


if __name__ == "__main__":
    main()
