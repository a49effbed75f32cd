"""Retrieval quality on real news: RealTime QA (dev), as its README defines the benchmark.

Corpus: every article of every week, de-duplicated by URL, ingested through the product's own
path (cleaning, chunking, embedding). Queries: the question sentences. A chunk is relevant when
it contains the gold answer (case-insensitive); questions whose answer is shorter than 4
characters or absent from every article are not counted. Beside those metrics, "fresh" Hit@5
and MRR@10 count a chunk only when it also comes from an article that contains the answer and
was published in the 3 weeks before the question: over half the answers ("India", "Apple")
occur in 10 or more articles, often old and unrelated, so the dataset's metric also rewards
chance matches; the fresh one is over the questions that have such an article. "Strict" Hit@5
and MRR@10 count a chunk only when it holds the answer and comes from one of the articles the
question's own web search returned (its row in the week's `_gcs.jsonl`), over the questions
where one of those articles holds the answer: what a user asking that question means.
"Strict+fresh" counts only those of them that are also fresh: the web search returns old
articles that hold the answer string but not the week's event.

The product ranks with its recency setting anchored on the question's date (`as_of`), as
`assistant ask --as-of DATE` would; `--half-lives` adds a row per other half-life to choose
the setting's default from.

One run measures, side by side: hybrid (the product), dense only and BM25 only on the same
index, and the LangChain RAG tutorial's pipeline (RecursiveCharacterTextSplitter with 1000/200
characters, the same embedding model, Chroma similarity search) on the raw article texts.

    pip install -c constraints.txt -e ".[bench]"
    python bench/retrieval.py [--data ../shared/datasets/realtimeqa/dev] [--home DIR]

--home keeps the index between runs (ingest is incremental, so a second run embeds nothing).
Note: Chroma's HNSW index is not bit-for-bit repeatable across rebuilds; gaps of 1-2
questions between runs are noise.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.settings import Settings
from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.ingest.embeddings import MiniLMEmbeddings, embedding_model_id
from vectorstore.knowledge import KnowledgeBase, Layout
from vectorstore.search.retrieval import Recency

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "realtimeqa" / "dev"


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


@dataclass(frozen=True)
class Question:
    """A counted question: its sentence, its gold answer, the day it was asked, the articles
    that answer it "fresh" — they contain the answer and were published in the 3 weeks before
    the question (or up to 3 days after), the news a quiz about that week is written from —
    and its "own" answering articles: those of its own web search that contain the answer."""

    text: str
    gold: str
    fresh: frozenset[str]
    asked: date | None = None
    own: frozenset[str] = frozenset()
    week: str = ""  # the week's file date, "20250110": to measure on some weeks only


def load_questions(data: Path, corpus: list[dict[str, str]]) -> list[Question]:
    texts = [
        (article["url"], article["text"].casefold(), article["published"]) for article in corpus
    ]
    searched = _searched(data)
    counted = []
    for path in sorted(data.glob("*_qa.jsonl")):
        for line in path.read_text().splitlines():
            item = json.loads(line)
            gold = item["choices"][int(item["answer"][0])].strip()
            holding = [
                (url, published) for url, text, published in texts if gold.casefold() in text
            ]
            if len(gold) >= 4 and holding:
                asked = parse_day(item["question_date"])
                fresh = frozenset(
                    url for url, published in holding if _within(asked, parse_day(published))
                )
                own = frozenset(
                    url for url, _ in holding if url in searched.get(item["question_id"], ())
                )
                week = path.name.split("_")[0]
                counted.append(Question(item["question_sentence"], gold, fresh, asked, own, week))
    return counted


def _searched(data: Path) -> dict[str, set[str]]:
    """Each question's own web-search results (article URLs), by question id."""
    found: dict[str, set[str]] = {}
    for path in sorted(data.glob("*_gcs.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            found[row["question_id"]] = {r["url"] for r in row["search_result"] if r.get("url")}
    return found


def parse_day(value: str | None) -> date | None:
    """The date at the start of "2025/01/10", "2025-01-10" or "20250110"; None otherwise."""
    found = re.match(r"(\d{4})\D?(\d{2})\D?(\d{2})", value or "")
    return date(*map(int, found.groups())) if found else None


def _within(asked: date | None, published: date | None) -> bool:
    return bool(asked and published and -3 <= (asked - published).days <= 21)


def open_index(
    data: Path, home: Path, chunking: ChunkingConfig
) -> tuple[KnowledgeBase, list[dict[str, str]], list[Question]]:
    """The product's index of the corpus under home, built or brought up to date, with the
    corpus and the counted questions. Prints what the ingest did; records its build time."""
    corpus = load_corpus(data)
    questions = load_questions(data, corpus)
    home.mkdir(parents=True, exist_ok=True)
    corpus_file = home / "corpus.jsonl"
    corpus_file.write_text("".join(json.dumps(article) + "\n" for article in corpus))
    embeddings = MiniLMEmbeddings()
    kb = KnowledgeBase.open(
        Layout(home / "index"), embeddings, embedding_model_id(embeddings), chunking
    )
    report = kb.ingest([corpus_file])
    began = time.perf_counter()
    kb.lexical()  # the BM25 index is part of the build
    if report.changed:
        build_seconds(home, "assistant", report.seconds + time.perf_counter() - began)
    articles, chunks = kb.store.counts()
    print(
        f"corpus: {len(corpus)} articles -> {articles} ingested, {chunks} chunks "
        f"({kb.chunking.fingerprint}); {len(report.skipped)} skipped"
    )
    print(f"assistant index: {report.summary()}")
    fresh = sum(1 for question in questions if question.fresh)
    own_fresh = sum(1 for question in questions if question.own & question.fresh)
    own = sum(1 for question in questions if question.own)
    print(
        f"questions counted: {len(questions)} ({fresh} with a fresh answering article, "
        f"{own} with one among their own search results, {own_fresh} of those fresh)"
    )
    return kb, corpus, questions


def build_seconds(home: Path, index: str, seconds: float | None = None) -> float | None:
    """An index's build time, recorded under home when it is built so that a run reusing the
    index (--home) still reports what building it cost; None when it was never recorded."""
    record = home / "build-seconds.json"
    times = json.loads(record.read_text()) if record.exists() else {}
    if seconds is not None:
        times[index] = round(seconds, 1)
        record.write_text(json.dumps(times))
    return times.get(index)


def tutorial_store(corpus: list[dict[str, str]], home: Path, embeddings: Embeddings) -> Any:
    """The LangChain tutorial's index: character chunks of 1000 with 200 overlap, in Chroma."""
    import chromadb
    from chromadb.config import Settings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    began = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    splits = splitter.split_documents(
        [Document(page_content=a["text"], metadata={"url": a["url"]}) for a in corpus]
    )
    client = chromadb.PersistentClient(str(home / "tutorial"), Settings(anonymized_telemetry=False))
    store = Chroma("tutorial", embedding_function=embeddings, client=client)
    if store._collection.count() != len(splits):  # build, unless --home kept a complete one
        store.delete_collection()
        store = Chroma("tutorial", embedding_function=embeddings, client=client)
        for start in range(0, len(splits), 256):
            store.add_documents(splits[start : start + 256])
        build_seconds(home, "tutorial", time.perf_counter() - began)
    print(f"tutorial index: {len(splits)} chunks (1000/200 characters)")
    return store


# A search returns its ten best results for a question as (text, article URL), best first.
Search = Callable[[Question], list[tuple[str, str]]]


def evaluate(search: Search, questions: list[Question]) -> dict[str, float]:
    """The dataset's metrics over every counted question; then the same with stricter ideas
    of relevant — the answer in a chunk of a fresh article, or of one of the question's own
    search results — each over the questions that have such an article (the answer string
    alone also matches unrelated old articles: "India" in "Indianapolis")."""
    ranks, fresh_ranks, own_ranks, own_fresh_ranks, latencies = [], [], [], [], []
    for question in questions:
        began = time.perf_counter()
        results = search(question)
        latencies.append((time.perf_counter() - began) * 1000)
        ranks.append(_first(results, question.gold, None))
        if question.fresh:
            fresh_ranks.append(_first(results, question.gold, question.fresh))
        if question.own:
            own_ranks.append(_first(results, question.gold, question.own))
        if question.own & question.fresh:  # the web search's articles about that week's news
            own_fresh_ranks.append(_first(results, question.gold, question.own & question.fresh))
    latencies.sort()
    return {
        "Hit@1": _hit_rate(ranks, 1),
        "Hit@5": _hit_rate(ranks, 5),
        "Hit@10": _hit_rate(ranks, 10),
        "MRR@10": _mrr(ranks),
        "fresh Hit@5": _hit_rate(fresh_ranks, 5),
        "fresh MRR@10": _mrr(fresh_ranks),
        "strict Hit@5": _hit_rate(own_ranks, 5),
        "strict MRR@10": _mrr(own_ranks),
        "strict+fresh Hit@5": _hit_rate(own_fresh_ranks, 5),
        "strict+fresh MRR@10": _mrr(own_fresh_ranks),
        "p50 ms": statistics.median(latencies),
        "p95 ms": latencies[int(0.95 * (len(latencies) - 1))],
    }


def _first(
    results: list[tuple[str, str]], gold: str, articles: frozenset[str] | None
) -> int | None:
    """The rank of the first result holding the answer (from one of `articles`, if given)."""
    wanted = gold.casefold()
    for rank, (text, url) in enumerate(results, 1):
        if wanted in text.casefold() and (articles is None or url in articles):
            return rank
    return None


def _hit_rate(ranks: list[int | None], k: int) -> float:
    return sum(1 for rank in ranks if rank and rank <= k) / len(ranks)


def _mrr(ranks: list[int | None]) -> float:
    return sum(1 / rank for rank in ranks if rank) / len(ranks)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--home", type=Path, default=None, help="keep the index here between runs")
    parser.add_argument("--chunk-tokens", type=int, default=ChunkingConfig().max_tokens)
    parser.add_argument("--overlap-tokens", type=int, default=ChunkingConfig().overlap_tokens)
    parser.add_argument(
        "--half-lives",
        default="",
        help="comma-separated recency half-lives (days) to measure beside the default setting",
    )
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-retrieval-"))

    chunking = ChunkingConfig(max_tokens=args.chunk_tokens, overlap_tokens=args.overlap_tokens)
    kb, corpus, questions = open_index(args.data, home, chunking)
    tutorial = tutorial_store(corpus, home, kb.embeddings)
    print()

    def ours(mode: str, half_life: float = 0.0) -> Search:
        def search(q: Question) -> list[tuple[str, str]]:
            recency = Recency(half_life, as_of=q.asked) if half_life else None
            found = kb.search(q.text, k=10, mode=mode, recency=recency)  # type: ignore[arg-type]
            return [(p.text, p.url or "") for p in found]

        return search

    default = Settings().retrieval.recency_half_life_days
    retrievers = {f"hybrid (assistant, recency {default:g} d)": ours("hybrid", default)}
    for extra in sorted({float(h) for h in args.half_lives.split(",") if h} - {default}):
        retrievers[f"hybrid, recency {extra:g} d"] = ours("hybrid", extra)
    retrievers |= {
        "dense only": ours("dense"),
        "BM25 only": ours("lexical"),
        "LangChain tutorial": lambda q: [
            (d.page_content, d.metadata["url"]) for d in tutorial.similarity_search(q.text, k=10)
        ],
    }
    rows = {name: evaluate(search, questions) for name, search in retrievers.items()}
    for name, values in rows.items():
        built = build_seconds(home, "tutorial" if name == "LangChain tutorial" else "assistant")
        values["index build s"] = float("nan") if built is None else built
    out = Path(__file__).resolve().parent / "out"
    write_table(rows, out, "retrieval", "RealTime QA dev: retrieval quality")


def write_table(rows: dict[str, dict[str, float]], out: Path, name: str, title: str) -> None:
    """Print the table of rows, and write it as Markdown and as a chart under out."""
    columns = list(next(iter(rows.values())))
    table = ["| retriever | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for retriever, values in rows.items():
        cells = [f"{v:.1f}" if c.endswith((" ms", " s")) else f"{v:.3f}" for c, v in values.items()]
        table.append(f"| {retriever} | " + " | ".join(cells) + " |")
    print("\n".join(table))
    out.mkdir(exist_ok=True)
    (out / f"{name}.md").write_text("\n".join(table) + "\n")
    chart(rows, out / f"{name}.png", title)


def chart(rows: dict[str, dict[str, float]], path: Path, title: str) -> None:
    """Hit@1/5/10 and MRR@10 per retriever, as grouped bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["Hit@1", "Hit@5", "Hit@10", "MRR@10"]
    figure, axes = plt.subplots(figsize=(12, 4))
    width = 0.8 / len(rows)
    for index, (name, values) in enumerate(rows.items()):
        positions = [m + index * width for m in range(len(metrics))]
        color = plt.get_cmap("tab20")(index % 20)
        axes.bar(positions, [values[m] for m in metrics], width, label=name, color=color)
    axes.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics)
    axes.set_ylim(0, 1)
    axes.set_title(title)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
