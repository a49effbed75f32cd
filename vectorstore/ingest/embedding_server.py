"""Embeddings from any OpenAI-compatible server: llama.cpp's server with `--embedding`, vLLM,
TEI, Ollama (`/v1/embeddings`), so a team can embed on a GPU machine.

Texts go in batches (`batch_size`), up to `concurrency` requests at once, and the vectors come
back in the texts' order. Every request has a deadline (`timeout`, for connecting and for the
whole reply); a refused connection, 429 or 5xx is tried again, at most `max_retries` times. A reply
is checked before anything is done with it: one flat vector of numbers per text, all of one
length. Whatever fails is one EmbeddingServerProblem naming the server (its password hidden),
raised before the caller writes anything with this call's vectors. This module is imported
lazily.
"""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
from langchain_core.embeddings import Embeddings

from vectorstore.errors import (
    EmbeddingServerFailed,
    EmbeddingServerNotFound,
    EmbeddingServerProblem,
    EmbeddingServerRejected,
    EmbeddingServerTimeout,
    EmbeddingServerUnreachable,
)
from vectorstore.ingest.embedding_config import EmbeddingConfig
from vectorstore.ingest.text import hide_url_secrets

# Longest wait before a retry (a server's Retry-After is honoured up to this).
MAX_BACKOFF = 10.0
# Most bytes of a reply per text sent: 8,192 numbers of ~25 characters fit with room to spare.
MAX_REPLY_BYTES_PER_TEXT = 1_000_000


class ServerEmbeddings(Embeddings):
    """The model `config.model` on the OpenAI-compatible server at `config.url`."""

    def __init__(self, config: EmbeddingConfig) -> None:
        assert config.url, "a server URL is needed"
        self.config = config
        self.model_name = config.model
        self.endpoint = embeddings_endpoint(config.url)
        self.shown_url = hide_url_secrets(config.url)
        key = config.api_key.get_secret_value() if config.api_key else ""
        self._client = httpx.Client(
            timeout=httpx.Timeout(config.timeout),
            headers={"Authorization": f"Bearer {key}"} if key else {},
            follow_redirects=False,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order; all of one length."""
        if not texts:
            return []
        size = self.config.batch_size
        batches = [texts[start : start + size] for start in range(0, len(texts), size)]
        if len(batches) == 1:
            vectors = self._embed_batch(batches[0])
        else:
            vectors = [v for batch in self._concurrently(batches) for v in batch]
        self._check_lengths(vectors)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def _concurrently(self, batches: list[list[str]]) -> list[list[list[float]]]:
        """Each batch's vectors, in order, up to `concurrency` requests at once; the first
        failure cancels the batches not yet sent."""
        workers = min(self.config.concurrency, len(batches))
        pool = ThreadPoolExecutor(workers, "embed")
        futures: list[Future[list[list[float]]]] = []
        try:
            futures = [pool.submit(self._embed_batch, batch) for batch in batches]
            return [future.result() for future in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        payload = {"model": self.config.model, "input": texts, "encoding_format": "float"}
        reply = self._post(payload)
        return self._vectors(reply, len(texts))

    def _post(self, payload: dict[str, Any]) -> Any:
        """The reply's JSON, after at most `max_retries` retries of a failed connection, 429
        or 5xx. A time-out is not retried: the server may still be working on the request."""
        for attempt in range(self.config.max_retries + 1):
            last = attempt == self.config.max_retries
            try:
                response = self._fetch(payload)
            except httpx.TimeoutException as error:
                raise EmbeddingServerTimeout(
                    f"The embeddings server at {self.shown_url} did not answer within "
                    f"{self.config.timeout:g} s",
                    self.shown_url,
                ) from error
            except httpx.HTTPError as error:
                if last:
                    raise self._unreachable(error) from error
                time.sleep(_backoff(attempt, None))
                continue
            if (response.status_code == 429 or response.status_code >= 500) and not last:
                time.sleep(_backoff(attempt, response.headers.get("retry-after")))
                continue
            return self._json(response)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _fetch(self, payload: dict[str, Any]) -> httpx.Response:
        """The whole reply within one deadline: httpx bounds each read, so a server trickling
        bytes would otherwise hold a request for ever. A reply far larger than any vectors
        of its texts is cut off too."""
        deadline = time.monotonic() + self.config.timeout
        limit = MAX_REPLY_BYTES_PER_TEXT * len(payload["input"])
        body = bytearray()
        with self._client.stream("POST", self.endpoint, json=payload) as response:
            for piece in response.iter_bytes():
                body += piece
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the reply took longer than the time-out")
                if len(body) > limit:
                    raise EmbeddingServerFailed(
                        f"The embeddings server at {self.shown_url} sent a reply of over "
                        f"{limit:,} bytes for {len(payload['input'])} texts",
                        self.shown_url,
                    )
        kept = {k: v for k, v in response.headers.items() if k in ("content-type", "retry-after")}
        return httpx.Response(response.status_code, headers=kept, content=bytes(body))

    def _unreachable(self, error: httpx.HTTPError) -> EmbeddingServerProblem:
        what = type(error).__name__
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
            reason = f"the connection broke off before a reply ({what})"
        else:
            reason = f"cannot connect: {_first_line(error) or what}"
        return EmbeddingServerUnreachable(
            f"The embeddings server at {self.shown_url} failed: {reason}", self.shown_url
        )

    def _json(self, response: httpx.Response) -> Any:
        status = response.status_code
        said = _said(response)
        where = f"The embeddings server at {self.shown_url}"
        if status in (401, 403):
            raise EmbeddingServerRejected(
                f"{where} refused the key (HTTP {status}{said})", self.shown_url
            )
        if status == 404:
            raise EmbeddingServerNotFound(
                f"{where} has no model '{self.config.model}' or no embeddings endpoint at "
                f"{hide_url_secrets(self.endpoint)} (HTTP 404{said})",
                self.shown_url,
            )
        if status >= 400:
            raise EmbeddingServerFailed(f"{where} answered HTTP {status}{said}", self.shown_url)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            kind = response.headers.get("content-type", "no content type")
            raise EmbeddingServerFailed(
                f"{where} sent a reply that is not JSON ({kind}, {len(response.content)} bytes)",
                self.shown_url,
            ) from error

    def _vectors(self, reply: Any, count: int) -> list[list[float]]:
        """The reply's vectors in input order, checked: one flat list of numbers per text."""
        where = f"The embeddings server at {self.shown_url}"
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise EmbeddingServerFailed(
                f"{where} sent JSON without a list of embeddings ('data')", self.shown_url
            )
        if len(data) != count:
            raise EmbeddingServerFailed(
                f"{where} sent {len(data)} vectors for {count} texts", self.shown_url
            )
        if all(isinstance(item.get("index"), int) for item in data):
            data = sorted(data, key=lambda item: item["index"])
        return [self._vector(item.get("embedding"), where) for item in data]

    def _vector(self, embedding: Any, where: str) -> list[float]:
        if isinstance(embedding, list) and embedding and isinstance(embedding[0], list):
            raise EmbeddingServerFailed(
                f"{where} sent one vector per token, not one per text: its model is not "
                "pooled (serve an embedding model, or start llama.cpp's server with "
                "--pooling mean)",
                self.shown_url,
            )
        if (
            not isinstance(embedding, list)
            or not embedding
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in embedding)
            or not all(math.isfinite(x) for x in embedding)
        ):
            raise EmbeddingServerFailed(
                f"{where} sent an embedding that is not a list of numbers", self.shown_url
            )
        return [float(x) for x in embedding]

    def _check_lengths(self, vectors: list[list[float]]) -> None:
        lengths = sorted({len(vector) for vector in vectors})
        if len(lengths) > 1:
            shown = " and ".join(str(n) for n in lengths[:3])
            raise EmbeddingServerFailed(
                f"The embeddings server at {self.shown_url} sent vectors of unequal length "
                f"({shown} numbers) for one model",
                self.shown_url,
            )


def embeddings_endpoint(url: str) -> str:
    """The embeddings path under a base URL (`…/v1` → `…/v1/embeddings`); a URL that already
    ends with `/embeddings` is used as it is."""
    base = url.strip().rstrip("/")
    return base if base.endswith("/embeddings") else f"{base}/embeddings"


def _backoff(attempt: int, retry_after: str | None) -> float:
    """Seconds before retry `attempt + 1`: the server's Retry-After when it gives seconds,
    else 0.5, 1, 2 … seconds; at most MAX_BACKOFF."""
    try:
        wait = float(retry_after) if retry_after is not None else 0.5 * 2**attempt
    except ValueError:
        wait = 0.5 * 2**attempt
    return min(max(wait, 0.0), MAX_BACKOFF)


def _said(response: httpx.Response) -> str:
    """The server's own short reason, when its error reply has one."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return f": {_first_line(text)[:160]}" if text and "<" not in text[:1] else ""
    error = body.get("error", body.get("detail", "")) if isinstance(body, dict) else ""
    message = error.get("message", "") if isinstance(error, dict) else error
    return f": {_first_line(str(message))[:160]}" if message else ""


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else ""
