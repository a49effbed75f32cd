"""Reaching a Chroma store: where it is (ChromaConfig), a client for a local folder or a
server, one deadline over a whole server call, and failures put in one line — a full disk, a
read-only folder or a busy database told apart from damage, which alone is mended by a rebuild.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from vectorstore.errors import (
    ConfigurationError,
    IndexBusy,
    IndexDamaged,
    IndexProblem,
    ServerProblem,
    ServerRejected,
    ServerTimeout,
    ServerUnreachable,
    StorageFull,
    StorageUnwritable,
)

_R = TypeVar("_R")


class ChromaConfig(BaseModel):
    """Where the Chroma store is: a server when `url` is set, else the embedded one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(
        None,
        description="A Chroma server (e.g. http://127.0.0.1:8000) to use instead of the local "
        "index.",
    )
    token: SecretStr | None = Field(
        None, description="Token for the Chroma server, if it asks for one."
    )
    token_header: str = Field(
        "Authorization",
        description="How the token is sent: Authorization (Bearer), or X-Chroma-Token "
        "(Chroma Cloud).",
    )
    tenant: str | None = Field(None, description="Chroma tenant (default: the server's).")
    database: str | None = Field(None, description="Chroma database (default: the server's).")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds a server request may take.")

    @field_validator("url")
    @classmethod
    def _a_server_url(cls, url: str | None) -> str | None:
        if url is not None and parse_server_url(url) is None:
            raise ValueError(f"{url} is not a server URL (use e.g. http://127.0.0.1:8000)")
        return url

    @property
    def key(self) -> str:
        """Names this server's local files (its lexical cache), so stores never mix."""
        place = f"{(self.url or '').rstrip('/')}|{self.tenant or ''}|{self.database or ''}"
        return hashlib.sha1(place.encode()).hexdigest()[:12]

    @property
    def location(self) -> str:
        details = ", ".join(p for p in (self.tenant, self.database) if p)
        return f"{self.url} ({details})" if details else str(self.url)


def parse_server_url(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a server URL (http:// assumed, port 8000 by default), or None."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    return parsed.scheme, parsed.hostname, port or (443 if parsed.scheme == "https" else 8000)


def connect_embedded(path: Path, fresh: bool = False) -> Any:
    """A Chroma client on a local folder, telemetry off. Chroma keeps one system per folder
    in each process; `fresh` drops it, so what other processes wrote is read from disk anew."""
    import chromadb
    from chromadb.api.client import SharedSystemClient
    from chromadb.config import Settings

    try:
        path.mkdir(parents=True, exist_ok=True)
        if fresh:
            SharedSystemClient.clear_system_cache()
        return chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=True)
        )
    except Exception as error:  # chromadb raises many types for a damaged folder
        raise local_error(str(path), error, "cannot be opened") from error


def local_error(location: str, error: BaseException, failure: str) -> IndexProblem:
    """What went wrong with a local index, in one line. Only damage is answered with a
    rebuild: a full disk, a read-only folder or a busy database would not be mended by
    deleting the index, so their advice never says so."""
    lowered = str(error).lower()
    code = getattr(error, "errno", None)
    full = "disk is full" in lowered or "no space left" in lowered
    if code == errno.ENOSPC or full or _nearly_full(location):
        return StorageFull(f"The disk holding the index at {location} is full ({_short(error)})")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or any(
        word in lowered for word in ("readonly", "read-only", "permission denied")
    ):
        return StorageUnwritable(f"The index at {location} cannot be written ({_short(error)})")
    if "locked" in lowered or "busy" in lowered:
        return IndexBusy(f"The index at {location} is busy: another process is writing to it")
    return IndexDamaged(f"The index at {location} {failure} ({_short(error)})")


# Chroma reports a full disk in many words ("Failed to apply logs to the metadata segment"),
# so a failure with less than this left on the index's disk is taken for a full disk.
NEARLY_FULL_BYTES = 32 * 2**20


# Room a local write needs beyond its own bytes (Chroma's log, index and sqlite pages).
ROOM_BYTES = 2**20


def check_room(location: str, payload: int) -> None:
    """Refuse a write of about `payload` bytes that the index's disk cannot hold. Chroma's
    embedded store could hang, not fail, when the disk filled under a write (seen as an ingest
    that never returned), so a local write is not begun without room to spare."""
    free = _free_bytes(location)
    needed = ROOM_BYTES + 4 * payload
    if free is not None and free < needed:
        raise StorageFull(
            f"The disk holding the index at {location} is full ({free // 1024} KB free, "
            f"a write needs about {needed // 1024} KB)"
        )


def _nearly_full(location: str) -> bool:
    free = _free_bytes(location)
    return free is not None and free < NEARLY_FULL_BYTES


def _free_bytes(location: str) -> int | None:
    """Free bytes on the disk holding `location` (or its nearest existing parent); None when
    the system cannot tell."""
    place = Path(location)
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        return shutil.disk_usage(place).free
    except OSError:
        return None


def within(seconds: float, work: Callable[[], _R]) -> _R:
    """The result of `work`, or TimeoutError once `seconds` have passed: one deadline for a
    whole call, however many requests it makes and however slowly a server trickles bytes
    (httpx bounds each read, not the call). The abandoned call ends on its own thread."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="deadline", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no answer within {seconds:g} s (timed out)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def connect_server(config: ChromaConfig) -> Any:
    """A Chroma client on a server (`chroma run`, a distributed deployment, Chroma Cloud)."""
    import chromadb
    import httpx
    from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings

    url = config.url or ""
    parts = parse_server_url(url)
    if parts is None:
        raise ConfigurationError(f"{url} is not a server URL", parameter="server_url")
    scheme, host, port = parts
    token = config.token.get_secret_value() if config.token else None
    settings = Settings(anonymized_telemetry=False)
    if token:
        settings = Settings(
            anonymized_telemetry=False,
            chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
            chroma_client_auth_credentials=token,
            chroma_auth_token_transport_header=config.token_header,
        )
    try:
        # chromadb's HTTP session waits forever (httpx timeout=None) and its constructor already
        # talks to the server, so a server that accepts and never answers would hang here.
        # A bounded heartbeat first, then a bound on the session for every later request.
        bearer = f"Bearer {token}" if config.token_header.lower() == "authorization" else token
        httpx.get(
            f"{scheme}://{host}:{port}/api/v2/heartbeat",
            headers={config.token_header: bearer} if token and bearer else {},
            timeout=config.timeout,
        ).raise_for_status()
        # The constructor asks the server several things before its session can be bounded.
        client = within(
            config.timeout,
            lambda: chromadb.HttpClient(
                host=host,
                port=port,
                ssl=scheme == "https",
                settings=settings,
                tenant=config.tenant or DEFAULT_TENANT,
                database=config.database or DEFAULT_DATABASE,
            ),
        )
        client._server._session.timeout = httpx.Timeout(config.timeout)  # type: ignore[attr-defined]
        return client
    except Exception as error:
        raise server_error(url, error) from error


def server_error(url: str, error: Exception) -> ServerProblem:
    """What went wrong talking to a Chroma server, in one line."""
    text = _short(error)
    lowered = f"{type(error).__name__} {text}".lower()
    if any(word in lowered for word in ("401", "403", "unauthorized", "forbidden", "auth")):
        return ServerRejected(f"The Chroma server at {url} rejected the credentials ({text})")
    if "timeout" in lowered or "timed out" in lowered:
        return ServerTimeout(f"The Chroma server at {url} did not answer in time")
    return ServerUnreachable(f"Cannot reach the Chroma server at {url} ({text})")


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
