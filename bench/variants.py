"""Variants of the product's ranking as users run it — hybrid search with the recency setting
as of each question's date — each a whole retrieval run on the same index, beside every
baseline of bench/retrieval.py (dense only, BM25 only, the LangChain tutorial pipeline), in
one run on RealTime QA dev. Where bench/levers.py re-ranks the product's candidates without
recency, these change what the product itself does: the query, the candidate pool, the
fusion, the text BM25 indexes (the lexical index is rebuilt in memory for those), the weight
of the article's title, articles published after the day asked about, and the re-rankings of
bench/article_levers.py (article evidence, neighbour context, article diversity, the article's
vector).

Each row is also measured on two halves of the weeks (the 1st, 3rd, 5th, 7th week and the
others: `bench/out/variants-weeks-a.md`, `-weeks-b.md`): a setting is chosen on one half and
must hold on the other, since the product meets weeks it was not tuned on.

    python bench/variants.py --home /tmp/bench-index

--home is the folder bench/retrieval.py --home built (both indexes); without one, both are
built first (about 20 minutes of embedding each on 2 cores). Gaps under 0.03 (2-3 questions)
are noise.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import retrieval
from article_levers import (
    ChunkMap,
    article_decay,
    article_share,
    article_vector,
    articles_first,
    neighbour_share,
    reranked_by,
)
from retrieval import DEFAULT_DATA, Question, Search, evaluate, open_index, tutorial_store

import vectorstore.knowledge as knowledge
import vectorstore.search.lexical as lexical
from assistant.answering.matching import search_text
from assistant.settings import Settings
from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.knowledge import KnowledgeBase
from vectorstore.search.filters import Filters
from vectorstore.search.retrieval import Recency, reciprocal_rank_fusion

QUESTION_WORDS = re.compile(
    r"\b(which|what|who|whom|whose|where|when|how|why|this week|recently)\b", re.IGNORECASE
)


def product(
    kb: KnowledgeBase,
    half_life: float,
    query: Callable[[str], str] = lambda text: text,
    candidates: int = 50,
    until: Callable[[Question], date | None] = lambda q: None,
    mode: str = "hybrid",
) -> Search:
    """The product's search as `ask --as-of` runs it, with the variant's query and pool."""

    def search(q: Question) -> list[tuple[str, str]]:
        recency = Recency(half_life, as_of=q.asked) if half_life else None
        last = until(q)
        found = kb.search(
            query(q.text),
            k=10,
            mode=mode,
            candidates=candidates,
            recency=recency,
            filters=Filters(until=last) if last else None,
        )
        return [(p.text, p.url or "") for p in found]

    return search


@contextmanager
def fused_by(fusion: Callable[[list[str], list[str]], list[tuple[str, float]]]) -> Iterator[None]:
    """The product's hybrid fusion replaced while the block runs."""
    before = knowledge.fuse

    def fuse(dense: list[tuple[str, float]], found: list[tuple[str, float]], mode: str) -> list:
        if mode != "hybrid":
            return before(dense, found, mode)
        return fusion([i for i, _ in dense], [i for i, _ in found])

    knowledge.fuse = fuse
    try:
        yield
    finally:
        knowledge.fuse = before


@contextmanager
def lexical_text_as(text: Callable[[str, str], str], kb: KnowledgeBase) -> Iterator[None]:
    """BM25 indexing each chunk as `text(title, chunk text)` while the block runs."""
    before = lexical.lexical_text
    lexical.lexical_text = text
    kb._lexical = lexical.LexicalIndex.build(kb.store.iter_chunks(), kb.store.revision)
    try:
        yield
    finally:
        lexical.lexical_text = before
        kb._lexical = None


@contextmanager
def dense_query_as(rewrite: Callable[[str], str], kb: KnowledgeBase) -> Iterator[None]:
    """The dense search given the rewritten query (BM25 keeps the question) in the block."""
    before = kb._dense
    kb._dense = lambda query, n, index, filters: before(rewrite(query), n, index, filters)
    try:
        yield
    finally:
        kb._dense = before


def halves(questions: list[Question]) -> dict[str, list[Question]]:
    """The questions of the 1st, 3rd, ... week ("a") and of the 2nd, 4th, ... ("b")."""
    weeks = sorted({q.week for q in questions})
    return {
        half: [q for q in questions if weeks.index(q.week) % 2 == parity]
        for half, parity in (("a", 0), ("b", 1))
    }


Rows = dict[str, dict[str, float]]


def measure(kb: KnowledgeBase, questions: list[Question], tutorial: Search) -> dict[str, Rows]:
    """The rows over all questions (key "all") and over each half of the weeks."""
    default = Settings().retrieval.recency_half_life_days
    parts = {"all": questions} | halves(questions)
    tables: dict[str, Rows] = {part: {} for part in parts}

    def row(name: str, search: Search) -> None:
        found: dict[Question, list[tuple[str, str]]] = {}

        def once(q: Question) -> list[tuple[str, str]]:
            if q not in found:
                found[q] = search(q)
            return found[q]

        for part, subset in parts.items():
            tables[part][name] = evaluate(once, subset)

    row(f"product: hybrid, recency {default:g} d", product(kb, default))

    row("dense only", product(kb, 0, mode="dense"))
    row("BM25 only", product(kb, 0, mode="lexical"))
    row("LangChain tutorial", tutorial)
    row("hybrid, no recency", product(kb, 0))
    for half_life in (3.0, 7.0):
        row(f"recency {half_life:g} d", product(kb, half_life))
    row("query without framing words (ask --no-llm)", product(kb, default, query=search_text))
    with dense_query_as(lambda q: " ".join(QUESTION_WORDS.sub(" ", q).split()), kb):
        row("question words dropped from the dense query", product(kb, default))
    row("100 candidates from each search", product(kb, default, candidates=100))
    row("nothing published over 3 d after the day asked", product(kb, default, until=_soon))
    with fused_by(lambda d, b: reciprocal_rank_fusion([d, b], 20)):
        row("RRF k=20", product(kb, default))
    with fused_by(lambda d, b: reciprocal_rank_fusion([d, d, b])):
        row("dense counted twice in RRF", product(kb, default))
    with lexical_text_as(lambda title, text: f"{title}\n{title}\n{text}" if title else text, kb):
        row("BM25: title twice", product(kb, default))
    with lexical_text_as(lambda title, text: text, kb):
        row("BM25: no title (ablation)", product(kb, default))
    chunks = ChunkMap.of(kb)
    for name, rerank in {
        "article evidence: + 0.1 x sum of its other chunks": article_share(chunks, 0.1),
        "article evidence: + 0.25 x its best other chunk": article_share(chunks, 0.25, True),
        "articles ranked first (best chunk), chunks within": articles_first(chunks),
        "neighbour context: + 0.1 x best neighbour": neighbour_share(chunks, 0.1),
        "neighbour context: + 0.25 x best neighbour": neighbour_share(chunks, 0.25),
        "article diversity: n-th chunk of an article x 0.7^(n-1)": article_decay(chunks, 0.3),
        "article vector: x (1 + 0.5 x cosine)": article_vector(kb, chunks, 0.5),
    }.items():
        with reranked_by(rerank, kb):
            row(name, product(kb, default))
    return tables


def _soon(q: Question) -> date | None:
    return q.asked + timedelta(days=3) if q.asked else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--home", type=Path, default=None, help="the folder retrieval.py kept")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-variants-"))
    kb, corpus, questions = open_index(args.data, home, ChunkingConfig())
    store = tutorial_store(corpus, home, kb.embeddings)

    def tutorial(q: Question) -> list[tuple[str, str]]:
        return [(d.page_content, d.metadata["url"]) for d in store.similarity_search(q.text, k=10)]

    print()
    tables = measure(kb, questions, tutorial)
    out = Path(__file__).resolve().parent / "out"
    title = "RealTime QA dev: variants of the product"
    retrieval.write_table(tables.pop("all"), out, "variants", title)
    for part, rows in tables.items():  # latencies only in the first table: later ones re-read
        print(f"\nweeks {part}:")
        kept = {
            r: {c: v for c, v in row.items() if not c.endswith(" ms")} for r, row in rows.items()
        }
        retrieval.write_table(kept, out, f"variants-weeks-{part}", f"{title} (weeks {part})")


if __name__ == "__main__":
    main()
