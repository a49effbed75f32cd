"""Deterministic stand-ins for the embedding model, injected in unit tests."""

from __future__ import annotations

import hashlib
import math

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
