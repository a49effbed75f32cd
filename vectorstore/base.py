"""KnowledgeBase: the store, the embedding model and the lexical index, working as one."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.chunking import ChunkingConfig
from vectorstore.errors import IndexLocked
from vectorstore.ingest import IngestReport, Progress, ingest
from vectorstore.lexical import LexicalIndex, lexical_text
from vectorstore.retrieval import CANDIDATES, Mode, Passage, fuse, to_passages
from vectorstore.store import ChromaStore, connect_embedded, connect_server
from vectorstore.tokens import install_encodings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from langchain_core.embeddings import Embeddings


@dataclass(frozen=True)
class ServerConfig:
    """A Chroma server to use instead of the embedded store."""

    url: str
    token: str | None = None
    tenant: str | None = None
    database: str | None = None
    timeout: float = 30.0
    token_header: str = "Authorization"

    @property
    def key(self) -> str:
        """Names this server's local files (its lexical cache), so stores never mix."""
        place = f"{self.url.rstrip('/')}|{self.tenant or ''}|{self.database or ''}"
        return hashlib.sha1(place.encode()).hexdigest()[:12]

    @property
    def location(self) -> str:
        details = ", ".join(p for p in (self.tenant, self.database) if p)
        return f"{self.url} ({details})" if details else self.url


@dataclass(frozen=True)
class Layout:
    """Where a knowledge base keeps its local files, under one home folder. With a server,
    only the lexical cache and the lock are local, named after the server."""

    home: Path
    server: ServerConfig | None = None

    @property
    def suffix(self) -> str:
        return f"-{self.server.key}" if self.server else ""

    @property
    def chroma(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical(self) -> Path:
        return self.home / f"lexical{self.suffix}"

    @property
    def lock(self) -> Path:
        return self.home / f"ingest{self.suffix}.lock"

    @property
    def location(self) -> str:
        return self.server.location if self.server else str(self.chroma)

    def connect(self) -> Any:
        if self.server is None:
            return connect_embedded(self.chroma)
        server = self.server
        return connect_server(
            server.url,
            server.token,
            server.tenant,
            server.database,
            server.timeout,
            server.token_header,
        )

    @property
    def tiktoken(self) -> Path:
        return self.home / "cache" / "tiktoken"


class KnowledgeBase:
    """Ingest articles and search them, dense and lexical."""

    def __init__(
        self,
        store: ChromaStore,
        embeddings: Embeddings,
        layout: Layout,
        chunking: ChunkingConfig | None = None,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.layout = layout
        self.chunking = chunking or ChunkingConfig()
        self._lexical: LexicalIndex | None = None
        install_encodings(layout.tiktoken)

    @classmethod
    def open(
        cls,
        layout: Layout,
        embeddings: Embeddings,
        model_id: str,
        chunking: ChunkingConfig | None = None,
        rebuild: bool = False,
    ) -> KnowledgeBase:
        """The knowledge base the layout names (embedded or server); `rebuild` empties it first."""
        if rebuild:
            with _ingest_lock(layout.lock):
                _wipe(layout)
        store = ChromaStore(
            layout.connect(), model_id, location=layout.location, remote=bool(layout.server)
        )
        return cls(store, embeddings, layout, chunking)

    def is_empty(self) -> bool:
        return self.store.counts()[1] == 0

    def ingest(
        self, paths: Iterable[Path], prune: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        with _ingest_lock(self.layout.lock):
            return ingest(self, paths, prune=prune, progress=progress)

    def refresh_lexical(self) -> LexicalIndex:
        """Rebuild the lexical index from the store and save it."""
        revision = self.store.revision
        index = LexicalIndex.build(
            ((c.id, lexical_text(c.title, c.text)) for c in self.store.iter_chunks()), revision
        )
        index.save(self.layout.lexical)
        self._lexical = index
        return index

    def lexical(self, recheck: bool = True) -> LexicalIndex:
        """The lexical index, rebuilt when missing or built from another store revision.

        recheck=False takes the index this object already holds (the one the last search
        used) without asking the store for its revision again."""
        if self._lexical is not None and not recheck:
            return self._lexical
        revision = self.store.revision
        if self._lexical is None or self._lexical.revision != revision:
            saved = LexicalIndex.load(self.layout.lexical)
            self._lexical = (
                saved if saved and saved.revision == revision else self.refresh_lexical()
            )
        return self._lexical

    def search(
        self, query: str, k: int = 5, mode: Mode = "hybrid", candidates: int = CANDIDATES
    ) -> list[Passage]:
        """The k best passages for a query."""
        pool = max(candidates, k)
        dense = (
            self.store.query(self.embeddings.embed_query(query), pool) if mode != "lexical" else []
        )
        lexical = self.lexical().search(query, pool) if mode != "dense" else []
        ranked = fuse(dense, lexical, mode)[:k]
        return to_passages(ranked, self.store.get_chunks, dict(dense), dict(lexical))

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        return self.embeddings.embed_documents(texts)

    def describe(self) -> dict[str, Any]:
        articles, chunks = self.store.counts()
        return {
            "store": "server" if self.layout.server else "embedded",
            "location": self.store.location,
            "embedding_model": self.store.embedding_model,
            "chunking": self.chunking.fingerprint,
            "articles": articles,
            "chunks": chunks,
        }


def _wipe(layout: Layout) -> None:
    """Delete the index: through Chroma when it opens; a damaged embedded index that does not
    open has its folder removed (Chroma caches clients per folder, so that cache goes too)."""
    from chromadb.api.client import SharedSystemClient

    from vectorstore.store import ARTICLES, CHUNKS

    shutil.rmtree(layout.lexical, ignore_errors=True)
    try:
        client = layout.connect()
        existing = {c.name for c in client.list_collections()}
        for name in (CHUNKS, ARTICLES):
            if name in existing:
                client.delete_collection(name)
    except Exception:  # a damaged index fails in many ways; its folder goes either way
        if layout.server:
            raise
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(layout.chroma, ignore_errors=True)


@contextmanager
def _ingest_lock(path: Path) -> Iterator[None]:
    """One writer at a time; a second one is told so at once instead of corrupting the index."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout as error:
        raise IndexLocked(
            f"Another `assistant ingest` is writing to {path.parent}",
            "wait for it to finish and try again",
        ) from error
    try:
        yield
    finally:
        lock.release()
