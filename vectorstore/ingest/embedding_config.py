"""Which embedding model embeds, and how to reach it when a server does.

Kept apart from the models themselves (embeddings.py, embedding_server.py) so that reading the
settings imports neither onnxruntime nor langchain.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

LOCAL_MODEL = "all-MiniLM-L6-v2"


def usable_cores() -> int:
    """The CPUs this process may run on (all of them where affinity is unknown, as on macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class EmbeddingConfig(BaseModel):
    """The embedding model: the packaged MiniLM, an OpenAI model, or whatever model an
    OpenAI-compatible embeddings server at `url` serves under the name `model`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(
        LOCAL_MODEL,
        description="all-MiniLM-L6-v2 (local, offline), an OpenAI model such as "
        "text-embedding-3-small, or the model ASSISTANT_EMBEDDING_URL serves. Changing it "
        "needs `assistant ingest --rebuild`.",
    )
    url: str | None = Field(
        None,
        description="An OpenAI-compatible embeddings server (llama.cpp's server with "
        "--embedding, vLLM, TEI, Ollama), e.g. http://gpu-box:8080/v1, used instead of the "
        "local model; separate from the chat model's OPENAI_BASE_URL.",
    )
    api_key: SecretStr | None = Field(
        None,
        description="Key for the embeddings server, if it asks for one (OpenAI embeddings use "
        "OPENAI_API_KEY when this is not set).",
    )
    threads: int = Field(
        0,
        ge=0,
        le=256,
        description="CPU threads the local model runs on, one batch of texts each (0: one "
        "per core). Fewer leave cores to other work on a shared machine.",
    )
    batch_size: int = Field(
        32, ge=1, le=2048, description="Texts sent to the embeddings server in one request."
    )
    concurrency: int = Field(
        2, ge=1, le=64, description="Requests the embeddings server is sent at once."
    )
    timeout: float = Field(30.0, gt=0, le=3600, description="Seconds one request may take.")
    max_retries: int = Field(
        2, ge=0, le=10, description="Retries of a request that failed to connect or got 429/5xx."
    )

    @field_validator("url")
    @classmethod
    def _a_server_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url.strip())
        try:
            parts.port  # noqa: B018 - reading it checks it (a port out of range raises)
        except ValueError:
            parts = parts._replace(netloc="")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL, e.g. http://127.0.0.1:8080/v1")
        return url.strip()

    @property
    def model_id(self) -> str:
        """What the index records as its embedding model when a server embeds."""
        return f"server/{self.model}"
