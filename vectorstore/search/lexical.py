"""The lexical (BM25) index, built with bm25s from the chunks in the store.

It is a cache of the store: saved beside it with the store revision it was built from, and
rebuilt whenever that revision differs (another process or machine ingested) or it is missing.
It also keeps each chunk's article, outlet and publication day, so filters mask chunks before
ranking and recency needs no call to the store.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.ingest.text import terms
from vectorstore.search.dates import day_of
from vectorstore.search.filters import UNDATED, Filters

if TYPE_CHECKING:
    import numpy as np

    from vectorstore.search.records import StoredChunk

_META = "meta.json"
# Bumped whenever text.terms() changes, so indexes built with the old terms are rebuilt.
TERMS_VERSION = 3  # 3: a word goes on through the marks of Bengali, Devanagari, Thai …
# Bumped whenever what is saved beside the terms changes (3: each chunk's facets).
FORMAT = 3


def lexical_text(title: str, text: str) -> str:
    """What is indexed for a chunk: its article's title, then its text."""
    return f"{title}\n{text}" if title and not text.startswith(title) else text


@dataclass
class Facets:
    """Per chunk, in index order: its article, outlet ("" when unknown) and publication day
    (a day number, UNDATED when unknown); `legacy` when some chunk's stored metadata has no
    `day` field (indexed before dates were stored), so Chroma cannot filter it by date."""

    articles: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    legacy: bool = False

    def add(self, chunk: StoredChunk) -> None:
        day = day_of(chunk.published)
        self.articles.append(chunk.article_id)
        self.outlets.append(chunk.outlet or "")
        self.days.append(day.toordinal() if day else UNDATED)
        self.legacy = self.legacy or chunk.day is None


class LexicalIndex:
    """BM25 over chunks, plus the document frequencies answer scoring uses."""

    def __init__(
        self,
        retriever: Any,
        chunk_ids: list[str],
        revision: str,
        doc_freq: dict[str, int],
        facets: Facets | None = None,
    ):
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.revision = revision
        self.doc_freq = doc_freq
        self.facets = facets or Facets()
        self._positions: dict[str, int] | None = None

    @classmethod
    def build(cls, chunks: Iterable[StoredChunk], revision: str) -> LexicalIndex:
        """Index stored chunks: each one's title and text, and its facets."""
        import bm25s

        ids, tokenized, facets = [], [], Facets()
        for chunk in chunks:
            ids.append(chunk.id)
            tokenized.append(terms(lexical_text(chunk.title, chunk.text)))
            facets.add(chunk)
        doc_freq = Counter(term for tokens in tokenized for term in set(tokens))
        retriever = bm25s.BM25()
        if tokenized:
            retriever.index(tokenized, show_progress=False)
        return cls(retriever, ids, revision, dict(doc_freq), facets)

    @property
    def outlets(self) -> list[str]:
        """The outlets of the indexed articles, each once."""
        return sorted({outlet for outlet in self.facets.outlets if outlet})

    @property
    def newest_day(self) -> date | None:
        """The latest publication day of any indexed article."""
        newest = max(self.facets.days, default=UNDATED)
        return date.fromordinal(newest) if newest != UNDATED else None

    def day(self, chunk_id: str) -> date | None:
        """A chunk's publication day."""
        if self._positions is None:
            self._positions = {chunk_id: i for i, chunk_id in enumerate(self.chunk_ids)}
        position = self._positions.get(chunk_id)
        number = self.facets.days[position] if position is not None else UNDATED
        return date.fromordinal(number) if number != UNDATED else None

    def allowed(self, filters: Filters) -> np.ndarray:
        """Which chunks pass the filters, as a 0/1 weight per chunk in index order."""
        import numpy as np

        keep = np.ones(len(self.chunk_ids), dtype=bool)
        if filters.articles:
            keep &= np.isin(np.asarray(self.facets.articles), list(filters.articles))
        if filters.outlets:
            folded = np.asarray([o.casefold() for o in self.facets.outlets])
            keep &= np.isin(folded, [o.casefold() for o in filters.outlets])
        if filters.dates:
            days = np.asarray(self.facets.days, dtype=np.int64)
            dated = days != UNDATED
            if filters.since:
                dated &= days >= filters.since.toordinal()
            if filters.until:
                dated &= days <= filters.until.toordinal()
            keep &= dated if filters.dated_only else dated | (days == UNDATED)
        return keep.astype(np.float32)

    def allowed_ids(self, filters: Filters) -> list[str]:
        return [i for i, ok in zip(self.chunk_ids, self.allowed(filters), strict=True) if ok]

    def matches(self, revision: str, chunk_count: int) -> bool:
        """Whether this index was built from the store as it is now."""
        return self.revision == revision and len(self.chunk_ids) == chunk_count

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; an unseen term gets the highest."""
        total = max(len(self.chunk_ids), 1)
        return math.log(1 + (total + 1) / (self.doc_freq.get(term, 0) + 0.5))

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Best chunks as (id, BM25 score), best first; chunks sharing no term, and chunks
        the filters leave out (masked before ranking), are not returned."""
        query_terms = [t for t in terms(query) if t in self.doc_freq]
        if not query_terms or not self.chunk_ids:
            return []
        mask = self.allowed(filters) if filters else None
        found, scores = self.retriever.retrieve(
            [query_terms],
            k=min(n, len(self.chunk_ids)),
            show_progress=False,
            n_threads=1,
            weight_mask=mask,
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
            "format": FORMAT,
            "chunk_ids": self.chunk_ids,
            "doc_freq": self.doc_freq,
            "facets": asdict(self.facets),
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
            if (meta.get("terms_version"), meta.get("format")) != (TERMS_VERSION, FORMAT):
                return None
            facets = Facets(**meta["facets"])
            retriever = (
                bm25s.BM25.load(str(folder), show_progress=False)
                if meta["chunk_ids"]
                else bm25s.BM25()
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return cls(retriever, meta["chunk_ids"], meta["revision"], meta["doc_freq"], facets)
