"""The lexical (BM25) index, built with bm25s from the chunks in the store.

It is a cache of the store: saved beside it with the store revision it was built from, and
rebuilt whenever that revision differs (another process or machine ingested) or it is missing.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vectorstore.ingest.text import terms

_META = "meta.json"
# Bumped whenever text.terms() changes, so indexes built with the old terms are rebuilt.
TERMS_VERSION = 2


def lexical_text(title: str, text: str) -> str:
    """What is indexed for a chunk: its article's title, then its text."""
    return f"{title}\n{text}" if title and not text.startswith(title) else text


class LexicalIndex:
    """BM25 over chunks, plus the document frequencies answer scoring uses."""

    def __init__(
        self, retriever: Any, chunk_ids: list[str], revision: str, doc_freq: dict[str, int]
    ):
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.revision = revision
        self.doc_freq = doc_freq

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, str]], revision: str) -> LexicalIndex:
        """Index (chunk id, text) pairs."""
        import bm25s

        ids, tokenized = [], []
        for chunk_id, text in chunks:
            ids.append(chunk_id)
            tokenized.append(terms(text))
        doc_freq = Counter(term for tokens in tokenized for term in set(tokens))
        retriever = bm25s.BM25()
        if tokenized:
            retriever.index(tokenized, show_progress=False)
        return cls(retriever, ids, revision, dict(doc_freq))

    def matches(self, revision: str, chunk_count: int) -> bool:
        """Whether this index was built from the store as it is now."""
        return self.revision == revision and len(self.chunk_ids) == chunk_count

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; an unseen term gets the highest."""
        total = max(len(self.chunk_ids), 1)
        return math.log(1 + (total + 1) / (self.doc_freq.get(term, 0) + 0.5))

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Best chunks as (id, BM25 score), best first; chunks sharing no term are left out."""
        query_terms = [t for t in terms(query) if t in self.doc_freq]
        if not query_terms or not self.chunk_ids:
            return []
        found, scores = self.retriever.retrieve(
            [query_terms], k=min(n, len(self.chunk_ids)), show_progress=False, n_threads=1
        )
        return [
            (self.chunk_ids[int(index)], float(score))
            for index, score in zip(found[0], scores[0], strict=True)
            if score > 0
        ]

    def save(self, folder: Path) -> None:
        """Write atomically: readers see the old index or the new one, never half of one."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".lexical-", dir=folder.parent))
        if self.chunk_ids:
            self.retriever.save(str(staging), show_progress=False)
        meta = {
            "revision": self.revision,
            "terms_version": TERMS_VERSION,
            "chunk_ids": self.chunk_ids,
            "doc_freq": self.doc_freq,
        }
        (staging / _META).write_text(json.dumps(meta))
        old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        import bm25s

        try:
            meta = json.loads((folder / _META).read_text())
            if meta.get("terms_version") != TERMS_VERSION:
                return None
            retriever = (
                bm25s.BM25.load(str(folder), show_progress=False)
                if meta["chunk_ids"]
                else bm25s.BM25()
            )
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, meta["chunk_ids"], meta["revision"], meta["doc_freq"])
