"""The chat model: OpenAI or any OpenAI-compatible server, through langchain-openai.

Every request is bounded: the client's defaults would wait up to 10 minutes a try on a silent
server. ASSISTANT_REQUEST_TIMEOUT is the whole budget of one answer, retries included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.errors import LLMError
from assistant.settings import Settings

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
OnText = Callable[[str], None]


@dataclass(frozen=True)
class LLMConfig:
    """What the assistant needs to call a chat model."""

    model: str
    api_key: str | None
    base_url: str | None
    temperature: float
    max_tokens: int
    timeout: float
    max_retries: int
    context_window: int

    @property
    def attempt_timeout(self) -> float:
        """Each try's share of the time-out, so all tries together stay within it."""
        return self.timeout / (self.max_retries + 1)

    @property
    def endpoint(self) -> str:
        return self.base_url or "OpenAI"


def llm_config(settings: Settings) -> LLMConfig | None:
    """The configured chat model, or None when neither a key nor a server URL is set."""
    if not settings.llm_configured:
        return None
    return LLMConfig(
        model=settings.llm_model,
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        base_url=settings.openai_base_url,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        context_window=settings.llm_context_window or context_window(settings.llm_model),
    )


def context_window(model: str) -> int:
    name = model.lower().split("/")[-1]
    for prefix, size in CONTEXT_WINDOWS:
        if name.startswith(prefix):
            return size
    return DEFAULT_CONTEXT_WINDOW


def make_chat_model(config: LLMConfig) -> Any:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=config.model,
        api_key=SecretStr(config.api_key or "no-key"),  # a local server needs none
        base_url=config.base_url,
        temperature=config.temperature,
        max_completion_tokens=config.max_tokens,
        timeout=config.attempt_timeout,
        max_retries=config.max_retries,
        stream_usage=True,
    )


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int | None
    completion_tokens: int | None


def complete(
    config: LLMConfig, messages: list[tuple[str, str]], on_text: OnText | None = None
) -> Completion:
    """Stream the model's reply, passing each piece to `on_text`; failures become LLMError."""
    chat = make_chat_model(config)
    pieces: list[str] = []
    usage: dict[str, Any] = {}
    try:
        for chunk in chat.stream(messages):
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                pieces.append(text)
                if on_text:
                    on_text(text)
            if chunk.usage_metadata:
                usage = dict(chunk.usage_metadata)
    except Exception as error:
        raise translate_error(error, config) from error
    return Completion("".join(pieces), usage.get("input_tokens"), usage.get("output_tokens"))


def translate_error(error: Exception, config: LLMConfig) -> LLMError:
    """One actionable line, and an exit code, for each way a chat request fails."""
    import openai

    where = config.endpoint
    status = getattr(error, "status_code", None)
    if isinstance(error, openai.AuthenticationError) or status in (401, 403):
        return LLMError(f"{where} rejected the API key (HTTP {status})", "check OPENAI_API_KEY", 5)
    if isinstance(error, openai.NotFoundError) or status == 404:
        return LLMError(
            f"{where} has no model '{config.model}' (HTTP 404)",
            "set ASSISTANT_LLM_MODEL to a model the endpoint serves",
            6,
        )
    if isinstance(error, openai.RateLimitError) or status == 429:
        return LLMError(
            f"{where} is rate-limiting requests (HTTP 429)",
            "wait and try again, or check your quota",
            7,
        )
    if isinstance(error, openai.APITimeoutError):
        return LLMError(
            f"{where} did not answer within {config.timeout:g} s",
            "try again, or raise ASSISTANT_REQUEST_TIMEOUT; --no-llm answers without it",
            9,
        )
    if isinstance(error, openai.APIConnectionError):
        return LLMError(
            f"Cannot connect to {where}",
            "check OPENAI_BASE_URL and that the server is running; --no-llm answers without it",
            10,
        )
    if isinstance(error, openai.APIStatusError):
        return LLMError(
            f"{where} failed with HTTP {status}", "try again later; --no-llm answers without it", 8
        )
    return LLMError(
        f"The LLM request failed ({type(error).__name__})",
        "try again; --no-llm answers without it",
        8,
    )
