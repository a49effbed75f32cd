"""KnowledgeBase: the store, the embedding model and the lexical index, working as one."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.chunking import ChunkingConfig
from vectorstore.errors import IndexLocked, StorageFull, StorageUnwritable
from vectorstore.ingest import Collected, IngestReport, Progress, collect, ingest
from vectorstore.lexical import LexicalIndex, lexical_text
from vectorstore.retrieval import CANDIDATES, Mode, Passage, fuse, to_passages
from vectorstore.store import WRITING, ChromaStore, connect_embedded, connect_server, local_error
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
    def open_lock(self) -> Path:
        """Held while a local index is opened: creating Chroma's tables races with another
        process creating them ("table collections already exists")."""
        return self.home / "open.lock"

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
    ) -> KnowledgeBase:
        """The knowledge base the layout names (embedded or server)."""
        return cls(_open_store(layout, model_id), embeddings, layout, chunking)

    @classmethod
    def rebuild(
        cls,
        layout: Layout,
        embeddings: Embeddings,
        model_id: str,
        collected: Collected,
        chunking: ChunkingConfig | None = None,
        progress: Progress | None = None,
    ) -> tuple[KnowledgeBase, IngestReport]:
        """Delete the index and store the collected articles, all under the writer lock. The
        caller has checked what it can first (the articles were read, the model embeds)."""
        with writer_lock(layout.lock):
            _wipe(layout)
            kb = cls.open(layout, embeddings, model_id, chunking)
            return kb, ingest(kb, collected, progress=progress)

    def is_empty(self) -> bool:
        return self.store.counts()[1] == 0

    def ingest(
        self,
        paths: Iterable[Path],
        prune: bool = False,
        progress: Progress | None = None,
        prefix: str | None = None,
        wait: float = 0.0,
    ) -> IngestReport:
        """Store new and changed articles. Files are read before the writer lock is taken;
        `wait` is how long to wait for another writer to finish."""
        collected = collect(paths, prefix=prefix)
        with writer_lock(self.layout.lock, wait=wait):
            return ingest(self, collected, prune=prune, progress=progress)

    def refresh_lexical(self) -> LexicalIndex:
        """Rebuild the lexical index from the store; saved unless a write is in progress."""
        revision = self.store.revision
        if revision.startswith(WRITING) and self._finish_interrupted_write():
            revision = self.store.revision
        index = LexicalIndex.build(
            ((c.id, lexical_text(c.title, c.text)) for c in self.store.iter_chunks()), revision
        )
        if not revision.startswith(WRITING):
            try:
                index.save(self.layout.lexical)
            except OSError as error:
                raise local_error(str(self.layout.lexical), error, "cannot be saved") from error
        self._lexical = index
        return index

    def _finish_interrupted_write(self) -> bool:
        """A local store marked as being written while no writer holds the lock was left so
        by a crash: give it a clean revision. A server's writers may be on other machines,
        so its mark stays until the next ingest."""
        if self.layout.server:
            return False
        try:
            with writer_lock(self.layout.lock):
                if self.store.revision.startswith(WRITING):
                    self.store.bump_revision()
                return True
        except IndexLocked:
            return False  # a writer is at work: its own bump will follow
        except (StorageFull, StorageUnwritable):
            return False  # the index is still read correctly, only not healed yet

    def lexical(self, recheck: bool = True) -> LexicalIndex:
        """The lexical index, rebuilt unless it was built from the store as it is now: the
        same revision, the same number of chunks, and no write in progress or interrupted.

        recheck=False takes the index this object already holds (the one the last search
        used) without asking the store again."""
        if self._lexical is not None and not recheck:
            return self._lexical
        revision, count = self.store.revision, self.store.chunk_count()
        clean = not revision.startswith(WRITING)
        if clean and self._lexical is not None and self._lexical.matches(revision, count):
            return self._lexical
        saved = LexicalIndex.load(self.layout.lexical) if clean else None
        self._lexical = (
            saved if saved and saved.matches(revision, count) else self.refresh_lexical()
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


def _open_store(layout: Layout, model_id: str) -> ChromaStore:
    if layout.server:
        return ChromaStore(
            layout.connect(),
            model_id,
            location=layout.location,
            remote=True,
            deadline=layout.server.timeout,
        )
    with _file_lock(layout.open_lock, OPEN_WAIT, f"The index at {layout.chroma} is being opened"):
        return ChromaStore(
            layout.connect(),
            model_id,
            location=layout.location,
            reopen=lambda: connect_embedded(layout.chroma, fresh=True),
        )


# Opening takes a moment; waiting this long for another process to finish it is plenty.
OPEN_WAIT = 60.0


def writer_lock(path: Path, wait: float = 0.0) -> AbstractContextManager[None]:
    """One writer at a time; another one waits up to `wait` seconds, then is told the index
    is busy (never that it is damaged)."""
    return _file_lock(path, wait, f"Another `assistant ingest` is writing to {path.parent}")


@contextmanager
def _file_lock(path: Path, wait: float, busy: str) -> Iterator[None]:
    from filelock import FileLock, Timeout

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=wait)
        lock.acquire()
    except Timeout as error:
        raise IndexLocked(busy, "wait for it to finish and try again") from error
    except OSError as error:
        raise local_error(str(path.parent), error, "cannot be locked") from error
    try:
        yield
    finally:
        lock.release()
