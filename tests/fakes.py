"""Deterministic stand-ins for the embedding model and the chat model, injected in unit tests."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from types import SimpleNamespace

from vectorstore.ingest.text import terms


class HashEmbeddings:
    """Bag of stemmed words hashed into 64 dimensions: similar words, similar vectors."""

    model_name = "fake-hash-64"
    dimensions = 64

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    @property
    def embedded_count(self) -> int:
        return sum(len(call) for call in self.calls)

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for term in terms(text) or ["<empty>"]:
            digest = hashlib.sha1(term.encode()).digest()
            vector[digest[0] % self.dimensions] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        return [x / norm for x in vector]


class FakeChatModel:
    """A scripted chat model injected at `complete()` (as llm's MockModel): each request gets
    the next queued reply, streamed in pieces, then token usage; the messages are recorded."""

    def __init__(self, *replies: str, usage: tuple[int, int] | None = (321, 45)) -> None:
        self.replies = list(replies)
        self.usage = usage
        self.requests: list[list[tuple[str, str]]] = []

    def enqueue(self, *replies: str) -> FakeChatModel:
        self.replies.extend(replies)
        return self

    def stream(self, messages: list[tuple[str, str]], /) -> Iterator[SimpleNamespace]:
        self.requests.append(list(messages))
        if not self.replies:
            raise AssertionError("the fake chat model was asked more often than scripted")
        text = self.replies.pop(0)
        for start in range(0, len(text), 7):
            yield SimpleNamespace(
                content=text[start : start + 7], usage_metadata=None, response_metadata={}
            )
        prompt, completion = self.usage or (None, None)
        tokens = {"input_tokens": prompt, "output_tokens": completion} if self.usage else None
        yield SimpleNamespace(
            content="", usage_metadata=tokens, response_metadata={"finish_reason": "stop"}
        )
