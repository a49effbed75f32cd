"""Retrieval quality on real news: RealTime QA (dev), as its README defines the benchmark.

Corpus: every article of every week, de-duplicated by URL, ingested through the product's own
path (cleaning, chunking, embedding). Queries: the question sentences. A chunk is relevant when
it contains the gold answer (case-insensitive); questions whose answer is shorter than 4
characters or absent from every article are not counted.

One run measures hybrid (the product), dense only and BM25 only on the same index.

    python bench/retrieval.py [--data ../shared/datasets/realtimeqa/dev] [--home DIR]

--home keeps the index between runs (ingest is incremental, so a second run embeds nothing).
Note: Chroma's HNSW index is not bit-for-bit repeatable across rebuilds; gaps of 1-2
questions between runs are noise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from vectorstore.base import KnowledgeBase, Layout
from vectorstore.embeddings import MiniLMEmbeddings, embedding_model_id

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "realtimeqa" / "dev"
MODES = ("hybrid", "dense", "lexical")


def load_corpus(data: Path) -> list[dict[str, str]]:
    articles: dict[str, dict[str, str]] = {}
    for path in sorted(data.glob("*_gcs.jsonl")):
        for line in path.read_text().splitlines():
            for result in json.loads(line)["search_result"]:
                if result.get("url") and result.get("text") and result["url"] not in articles:
                    articles[result["url"]] = {
                        "id": result["url"],
                        "url": result["url"],
                        "title": result.get("title") or "",
                        "text": result["text"],
                        "published": result.get("publish_date") or "",
                    }
    return list(articles.values())


def load_questions(data: Path, corpus: list[dict[str, str]]) -> list[tuple[str, str]]:
    texts = [article["text"].casefold() for article in corpus]
    counted = []
    for path in sorted(data.glob("*_qa.jsonl")):
        for line in path.read_text().splitlines():
            item = json.loads(line)
            gold = item["choices"][int(item["answer"][0])].strip()
            if len(gold) >= 4 and any(gold.casefold() in text for text in texts):
                counted.append((item["question_sentence"], gold))
    return counted


def evaluate(kb: KnowledgeBase, questions: list[tuple[str, str]], mode: str) -> dict[str, float]:
    hits = {1: 0, 5: 0, 10: 0}
    reciprocal, latencies = 0.0, []
    for question, gold in questions:
        began = time.perf_counter()
        passages = kb.search(question, k=10, mode=mode)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - began) * 1000)
        ranks = [p.rank for p in passages if gold.casefold() in p.text.casefold()]
        if ranks:
            reciprocal += 1 / ranks[0]
            for k in hits:
                hits[k] += ranks[0] <= k
    n = len(questions)
    latencies.sort()
    return {
        "Hit@1": hits[1] / n,
        "Hit@5": hits[5] / n,
        "Hit@10": hits[10] / n,
        "MRR@10": reciprocal / n,
        "p50 ms": statistics.median(latencies),
        "p95 ms": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--home", type=Path, default=None, help="keep the index here between runs")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-retrieval-"))

    corpus = load_corpus(args.data)
    questions = load_questions(args.data, corpus)
    corpus_file = home / "corpus.jsonl"
    home.mkdir(parents=True, exist_ok=True)
    corpus_file.write_text("".join(json.dumps(article) + "\n" for article in corpus))

    embeddings = MiniLMEmbeddings()
    kb = KnowledgeBase.open(Layout(home / "index"), embeddings, embedding_model_id(embeddings))
    report = kb.ingest([corpus_file])
    articles, chunks = kb.store.counts()
    print(
        f"corpus: {len(corpus)} articles -> {articles} ingested, {chunks} chunks "
        f"({kb.chunking.fingerprint}); {len(report.skipped)} skipped"
    )
    print(f"index build: {report.summary()}")
    print(f"questions counted: {len(questions)}\n")

    rows = {mode: evaluate(kb, questions, mode) for mode in MODES}
    columns = list(next(iter(rows.values())))
    table = ["| retriever | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for mode, values in rows.items():
        name = "hybrid (assistant)" if mode == "hybrid" else f"{mode} only"
        cells = [f"{v:.3f}" if not c.endswith("ms") else f"{v:.1f}" for c, v in values.items()]
        table.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(table))


if __name__ == "__main__":
    main()
