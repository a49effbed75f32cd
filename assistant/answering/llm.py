"""The chat model: OpenAI or any OpenAI-compatible server, through langchain-openai.

Time-outs fit streaming: ASSISTANT_REQUEST_TIMEOUT bounds connecting, the wait for the server
to accept the question (its response headers) and any silence between tokens, never the length
of an answer that keeps streaming. Once accepted, the first token may take up to
ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT: a local model on a 2-core CPU needed 2-3 minutes to read a
1,400-token prompt. ASSISTANT_LLM_TOTAL_TIMEOUT caps the whole answer, generously. Keep-alive
pings extend none of these (assistant/answering/sse_watch.py).

Retries are ours, not the client's: only a refused connection, 429 or 5xx that came before
any token is tried again. A time-out is not: a one-slot local server is still busy with the
abandoned request and would queue the retry behind it.

The answer budget (ASSISTANT_LLM_MAX_TOKENS) reaches the server in the parameter it reads
(`max_tokens`; `max_completion_tokens` for OpenAI itself), and the client stops reading
shortly past it in case a server ignores both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from assistant.errors import (
    LLMError,
    LLMIncomplete,
    LLMKeyRejected,
    LLMModelMissing,
    LLMRateLimited,
    LLMServerFailed,
    LLMTimedOut,
    LLMUnreachable,
)

# Context windows of model families, longest prefix first; others default to 8,192 tokens.
CONTEXT_WINDOWS = (
    ("gpt-4.1", 1_047_576),
    ("gpt-5", 400_000),
    ("gpt-4o", 128_000),
    ("o1", 200_000),
    ("o3", 200_000),
    ("o4", 200_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-4", 8_192),
    ("gpt-3.5-turbo", 16_385),
)
DEFAULT_CONTEXT_WINDOW = 8_192
OPENAI_HOST = "api.openai.com"
# The server's tokenizer is not ours: the client lets an answer run this share past the budget
# before it stops reading, so a server that honours the budget is never cut short.
BUDGET_SLACK = 0.1
OnText = Callable[[str], None]
Messages = list[tuple[str, str]]


class LLMConfig(BaseModel):
    """The OpenAI-compatible endpoint and the chat model that writes answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: SecretStr | None = Field(
        None, description="Key for OpenAI (LLM answers, OpenAI embeddings)."
    )
    base_url: str | None = Field(
        None, description="An OpenAI-compatible server's URL; a local one needs no key."
    )
    model: str = Field(
        "gpt-4.1-mini",
        description="Chat model for written answers when OPENAI_API_KEY or OPENAI_BASE_URL is set.",
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature of the LLM.")
    max_tokens: int = Field(600, ge=16, le=16000, description="Most tokens in one LLM answer.")
    context_window: int | None = Field(
        None,
        ge=1024,
        description="The model's context window in tokens (default: known for OpenAI models, "
        "8192 otherwise); passages are packed to fit it minus the answer budget.",
    )
    timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds to wait on a remote model or server: to connect and for each reply; "
        "for a streamed LLM answer, for the server to accept the question and across any "
        "silence between tokens, never for the whole of an answer that keeps streaming.",
    )
    first_token_timeout: float = Field(
        300.0,
        gt=0,
        le=3600,
        description="Seconds an LLM server that accepted the question may take before its first "
        "token (a local model reads the prompt first: minutes on a small CPU).",
    )
    total_timeout: float = Field(
        600.0,
        gt=0,
        le=7200,
        description="Most seconds one LLM answer may take in all, retries included.",
    )
    max_retries: int = Field(
        2,
        ge=0,
        le=10,
        description="Retries of a remote request that failed to connect or got HTTP 429 or 5xx; "
        "an LLM request is retried only before its first token, never after a time-out.",
    )

    @property
    def configured(self) -> bool:
        """Whether an endpoint is set: a key (OpenAI) or a server URL."""
        return bool(self.api_key or self.base_url)

    @property
    def window(self) -> int:
        """The context window: as set, else known for the model's family."""
        return self.context_window or context_window(self.model)

    @property
    def endpoint(self) -> str:
        return self.base_url or "OpenAI"

    @property
    def is_openai(self) -> bool:
        """OpenAI's own endpoint, which wants `max_completion_tokens` (others read `max_tokens`)."""
        return self.base_url is None or urlsplit(self.base_url).hostname == OPENAI_HOST

    @property
    def token_limit(self) -> int:
        """Where the client stops reading: the budget plus slack for a different tokenizer."""
        return self.max_tokens + max(16, int(self.max_tokens * BUDGET_SLACK))


class ChatModel(Protocol):
    """What answering needs of a chat model: a streamed reply. langchain's ChatOpenAI is one;
    tests inject a scripted fake (tests/fakes.py)."""

    def stream(self, messages: Messages, /) -> Iterable[Any]: ...


def context_window(model: str) -> int:
    name = model.lower().split("/")[-1]
    for prefix, size in CONTEXT_WINDOWS:
        if name.startswith(prefix):
            return size
    return DEFAULT_CONTEXT_WINDOW


def make_chat_model(config: LLMConfig) -> Any:
    import httpx
    from langchain_openai import ChatOpenAI

    from assistant.answering.sse_watch import EventDeadlines

    # ChatOpenAI sends its own budget as `max_completion_tokens`, which llama.cpp's server,
    # among others, ignores; they read `max_tokens`.
    budget: dict[str, Any] = (
        {"max_completion_tokens": config.max_tokens}
        if config.is_openai
        else {"extra_body": {"max_tokens": config.max_tokens}}
    )
    return ChatOpenAI(
        model=config.model,
        api_key=config.api_key or SecretStr("no-key"),  # a local server needs none
        base_url=config.base_url,
        temperature=config.temperature,
        # httpx's time-outs bound connecting and the wait for the response headers; then the
        # stream's deadlines: the first token, and each gap between tokens (pings don't count).
        timeout=httpx.Timeout(min(config.timeout, config.total_timeout)),
        http_client=httpx.Client(
            transport=EventDeadlines(
                min(config.first_token_timeout, config.total_timeout), config.timeout
            )
        ),
        max_retries=0,
        stream_usage=True,
        **budget,
    )


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    # The server's finish reason ("stop", "length" at the budget, …), or "budget" when the
    # client stopped reading past the budget.
    finish_reason: str = "stop"

    @property
    def truncated(self) -> bool:
        return self.finish_reason in ("length", "budget")


def complete(
    config: LLMConfig,
    messages: Messages,
    on_text: OnText | None = None,
    chat: ChatModel | None = None,
) -> Completion:
    """Stream the model's reply, passing each piece to `on_text`; failures become LLMError.
    `chat` is the model to ask; by default the one `config` describes, made for each try."""
    began = time.monotonic()
    for attempt in range(config.max_retries + 1):
        reader = StreamReader(config, on_text, began)
        made: Any = None if chat is not None else make_chat_model(config)
        model: ChatModel = chat if chat is not None else made
        try:
            return reader.read(model.stream(messages))
        except Exception as error:
            delay = _retry_delay(error, attempt)
            spent = time.monotonic() - began
            if (
                reader.started
                or delay is None
                or attempt == config.max_retries
                or spent + delay >= config.total_timeout
            ):
                raise translate_error(error, config, reader.received) from error
            time.sleep(delay)
        finally:
            if made is not None:  # ours to close: its connection holds a server's slot
                made.http_client.close()
    raise AssertionError("unreachable: the last try returns or raises")


class StreamReader:
    """One try's stream: pieces passed on as they come, the budget and total cap enforced,
    and an answer that ends without a finish reason, or with no text, refused."""

    def __init__(self, config: LLMConfig, on_text: OnText | None, began: float) -> None:
        from vectorstore.ingest.tokens import encoding_for_model, get_encoding

        self.config = config
        self.on_text = on_text
        self.began = began
        self.encoding = get_encoding(encoding_for_model(config.model))
        self.pieces: list[str] = []
        self.tokens = 0
        self.usage: dict[str, Any] = {}
        self.finish_reason: str | None = None

    @property
    def started(self) -> bool:
        return bool(self.pieces)

    @property
    def received(self) -> int | None:
        """Characters of answer received so far; None before the first."""
        return sum(map(len, self.pieces)) if self.pieces else None

    def read(self, chunks: Iterable[Any]) -> Completion:
        for chunk in chunks:
            if chunk.usage_metadata:
                self.usage = dict(chunk.usage_metadata)
            self.finish_reason = chunk.response_metadata.get("finish_reason") or self.finish_reason
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text and not self._take(text):
                self.finish_reason = "budget"
                break  # complete() then closes the connection, which frees the server's slot
            if time.monotonic() - self.began > self.config.total_timeout:
                raise _total_timeout(self.config)
        return self._completion()

    def _take(self, text: str) -> bool:
        """Pass a piece on, cut to the budget; False once the budget is spent."""
        room = self.config.token_limit - self.tokens
        # No token is longer than 16 characters: a huge piece is not encoded whole.
        tokens = self.encoding.encode(text[: room * 16], disallowed_special=())
        if len(tokens) > room:
            text = self.encoding.decode(tokens[:room])
        self.tokens += min(len(tokens), room)
        if text:
            self.pieces.append(text)
            if self.on_text:
                self.on_text(text)
        return len(tokens) <= room and self.tokens < self.config.token_limit

    def _completion(self) -> Completion:
        text = "".join(self.pieces)
        if self.finish_reason is None:
            raise _cut_off(self.config, len(text))
        if not text.strip():
            raise LLMIncomplete(
                f"{self.config.endpoint} sent an empty answer",
                "try again, or try another model; --no-llm answers without it",
            )
        return Completion(
            text,
            self.usage.get("input_tokens"),
            self.usage.get("output_tokens"),
            self.finish_reason,
        )


def _retry_delay(error: Exception, attempt: int) -> float | None:
    """Seconds to wait before trying again, or None when a new try would not help: only a
    failed connection (not a time-out), 429 and 5xx are tried again; Retry-After is honoured."""
    import httpx
    import openai

    status = getattr(error, "status_code", None)
    connection = isinstance(error, openai.APIConnectionError | httpx.ConnectError) and not (
        isinstance(error, openai.APITimeoutError)
    )
    if not (connection or status == 429 or (status or 0) >= 500):
        return None
    response = getattr(error, "response", None)
    retry_after = response.headers.get("retry-after") if response is not None else None
    try:
        return max(0.0, float(retry_after)) if retry_after else 0.5 * 2**attempt
    except ValueError:  # an HTTP date: wait the default
        return 0.5 * 2**attempt


def _total_timeout(config: LLMConfig) -> LLMError:
    return LLMTimedOut(
        f"{config.endpoint} was still answering after {config.total_timeout:g} s",
        "raise ASSISTANT_LLM_TOTAL_TIMEOUT, or lower ASSISTANT_LLM_MAX_TOKENS",
    )


def _cut_off(config: LLMConfig, received: int) -> LLMError:
    return LLMIncomplete(
        f"{config.endpoint} broke off the answer mid-stream (after {received:,} characters, "
        "with no finish reason)",
        "try again; --no-llm answers without it",
    )


def translate_error(error: Exception, config: LLMConfig, received: int | None = None) -> LLMError:
    """One actionable line, and an exit code, for each way a chat request fails; `received`
    is how much of the answer had arrived (None: nothing yet)."""
    import httpx
    import openai

    from assistant.answering.sse_watch import FirstEventOverdue

    if isinstance(error, LLMError):
        return error
    where = config.endpoint
    status = getattr(error, "status_code", None)
    if _caused_by(error, FirstEventOverdue):
        return LLMTimedOut(
            f"{where} accepted the question but sent no answer within "
            f"{config.first_token_timeout:g} s",
            "try again, or raise ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT (a local model needs longer "
            "for a long prompt, or fewer passages: -k); --no-llm answers without it",
        )
    if isinstance(error, openai.APITimeoutError | httpx.TimeoutException):
        return LLMTimedOut(
            f"{where} went silent for {config.timeout:g} s mid-answer"
            if received is not None
            else f"{where} did not answer within {config.timeout:g} s",
            "try again, or raise ASSISTANT_REQUEST_TIMEOUT; --no-llm answers without it",
        )
    if received is not None and isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return _cut_off(config, received)
    if isinstance(error, openai.AuthenticationError) or status in (401, 403):
        return LLMKeyRejected(
            f"{where} rejected the API key (HTTP {status})", "check OPENAI_API_KEY"
        )
    if isinstance(error, openai.NotFoundError) or status == 404:
        return LLMModelMissing(
            f"{where} has no model '{config.model}' (HTTP 404)",
            "set ASSISTANT_LLM_MODEL to a model the endpoint serves",
        )
    if isinstance(error, openai.RateLimitError) or status == 429:
        return LLMRateLimited(
            f"{where} is rate-limiting requests (HTTP 429)",
            "wait and try again, or check your quota",
        )
    if isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return LLMUnreachable(
            f"Cannot connect to {where}",
            "check OPENAI_BASE_URL and that the server is running; --no-llm answers without it",
        )
    if isinstance(error, openai.APIStatusError):
        return LLMServerFailed(
            f"{where} failed with HTTP {status}",
            "try again later; --no-llm answers without it",
        )
    return LLMServerFailed(
        f"The LLM request failed ({type(error).__name__})",
        "try again; --no-llm answers without it",
    )


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether `error`, or one it was raised from, is a `kind` (the SDK wraps stream errors)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__
    return False
