"""Choosing the embedding model by setting; the local model runs from installed files."""

from __future__ import annotations

import pytest

from assistant.errors import user_error
from vectorstore.errors import ConfigurationError
from vectorstore.ingest.embedding_config import EmbeddingConfig
from vectorstore.ingest.embeddings import (
    WORKERS,
    MiniLMEmbeddings,
    embedding_model_id,
    make_embeddings,
)


def test_local_minilm_is_the_default_and_embeds_offline() -> None:
    model = make_embeddings(EmbeddingConfig())
    assert isinstance(model, MiniLMEmbeddings)
    assert embedding_model_id(model) == "all-MiniLM-L6-v2-onnx-int8"
    near, far = model.embed_documents(["Russian railways in Armenia", "A recipe for apple pie"])
    query = model.embed_query("railway network of Armenia")
    assert len(query) == 384
    assert sum(a * b for a, b in zip(query, near, strict=True)) > sum(
        a * b for a, b in zip(query, far, strict=True)
    )


def test_the_thread_setting_reaches_the_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.settings import load_settings

    monkeypatch.setenv("ASSISTANT_EMBEDDING_THREADS", "1")
    model = make_embeddings(load_settings().embedding)
    assert isinstance(model, MiniLMEmbeddings)
    assert model.workers == 1
    assert MiniLMEmbeddings().workers == WORKERS  # 0: one per core
    assert model._runner.model.get_session_options().intra_op_num_threads == 1


def test_openai_embeddings_are_selectable_with_a_timeout_and_retries() -> None:
    config = EmbeddingConfig(model="text-embedding-3-small", timeout=7.0, max_retries=1)
    model = make_embeddings(config, openai_api_key="sk-test")
    assert embedding_model_id(model) == "openai/text-embedding-3-small"
    assert model.request_timeout == 7.0  # type: ignore[attr-defined]
    assert model.max_retries == 1  # type: ignore[attr-defined]


def test_openai_embeddings_without_a_key_or_server_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="needs an OpenAI API key") as raised:
        make_embeddings(EmbeddingConfig(model="text-embedding-3-small"))
    assert "OPENAI_API_KEY" not in str(raised.value)  # the library names no setting of ours
    assert "set OPENAI_API_KEY" in str(user_error(raised.value))


def test_an_unknown_embedding_model_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="Unknown embedding model 'bert-huge'") as raised:
        make_embeddings(EmbeddingConfig(model="bert-huge"))
    shown = user_error(raised.value)
    assert shown.exit_code == 4  # a configuration problem, not a generic failure
    assert "set ASSISTANT_EMBEDDING_MODEL to all-MiniLM-L6-v2 or one of" in str(shown)


def test_batched_vectors_are_the_ones_embedded_one_at_a_time() -> None:
    """Batches sorted by length, padded to their longest text and run on several threads give
    the vectors chromadb's code gives for each text alone (it pads every batch to 256 word
    pieces, so the product used to embed one text at a time)."""
    import numpy as np

    from tests.conftest import SEEDS
    from vectorstore.ingest.embeddings import BATCH_TEXTS, BATCH_TOKENS, length_batches

    words = " ".join(p.read_text() for p in sorted(SEEDS.glob("*.txt"))).split()
    texts = [" ".join(words[i : i + 3 + (i * 37) % 300]) for i in range(0, 4000, 90)]
    texts += ["", "Armenia"]
    model = MiniLMEmbeddings()
    alone = model._runner._forward(texts, batch_size=1)
    for workers in (1, 3):  # batches one after another, and several at once on threads
        model.workers = workers
        batched = np.asarray(model.embed_documents(texts))
        cosines = (batched * alone).sum(axis=1)
        assert len(batched) == len(texts)
        assert cosines.min() > 1 - 1e-5
    lengths = [len(e.ids) for e in model._runner.tokenizer.encode_batch(texts)]
    batches = length_batches(lengths, BATCH_TOKENS, BATCH_TEXTS)
    assert sorted(i for batch in batches for i in batch) == list(range(len(texts)))
    assert len(batches) > 1 and max(len(batch) for batch in batches) > 1


def test_length_batches_respect_their_budgets() -> None:
    from vectorstore.ingest.embeddings import length_batches

    lengths = [10, 300, 20, 256, 5, 40, 40, 40]
    batches = length_batches(lengths, max_tokens=100, max_texts=3)
    assert batches == [[4, 0, 2], [5, 6], [7], [3], [1]]
    for batch in batches:
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= 100
