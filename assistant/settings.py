"""All settings in one model: environment variables with the ASSISTANT_ prefix (standard names
such as OPENAI_API_KEY keep theirs). All state lives under `home`."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigError


def _default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("assistant", appauthor=False))


class Settings(BaseSettings):
    """Effective configuration of the assistant."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    home: Path = Field(
        default_factory=_default_home,
        description="Folder holding all state: the index, caches and chat history.",
    )
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="all-MiniLM-L6-v2 (local, offline) or an OpenAI model such as "
        "text-embedding-3-small. Changing it needs `assistant ingest --rebuild`.",
    )
    chunk_tokens: int = Field(200, ge=32, le=2000, description="Most tokens in one chunk.")
    chunk_overlap_tokens: int = Field(
        40,
        ge=0,
        le=500,
        description="Tokens of whole sentences repeated between neighbouring chunks.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved for an answer or search.")
    min_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Least share of a question's key terms a sentence must contain to be quoted "
        "as an answer; below it the assistant says the articles do not answer.",
    )
    chroma_url: str | None = Field(
        None,
        description="A Chroma server (e.g. http://127.0.0.1:8000) to use instead of the local "
        "index under ASSISTANT_HOME.",
    )
    chroma_token: SecretStr | None = Field(
        None, description="Token for the Chroma server, if it asks for one."
    )
    chroma_token_header: str = Field(
        "Authorization",
        description="How the token is sent: Authorization (Bearer), or X-Chroma-Token "
        "(Chroma Cloud).",
    )
    chroma_tenant: str | None = Field(None, description="Chroma tenant (default: the server's).")
    chroma_database: str | None = Field(
        None, description="Chroma database (default: the server's)."
    )
    debug: bool = Field(False, description="Show full tracebacks instead of one-line errors.")
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY"),
        description="Key for OpenAI (LLM answers, OpenAI embeddings).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL"),
        description="An OpenAI-compatible server's URL; a local one needs no key.",
    )
    llm_model: str = Field(
        "gpt-4.1-mini",
        description="Chat model for written answers when OPENAI_API_KEY or OPENAI_BASE_URL is set.",
    )
    llm_temperature: float = Field(
        0.0, ge=0.0, le=2.0, description="Sampling temperature of the LLM."
    )
    llm_max_tokens: int = Field(600, ge=16, le=16000, description="Most tokens in one LLM answer.")
    llm_context_window: int | None = Field(
        None,
        ge=1024,
        description="The model's context window in tokens (default: known for OpenAI models, "
        "8192 otherwise); passages are packed to fit it minus the answer budget.",
    )
    request_timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds to wait on a remote model or server: to connect and for each reply; "
        "for a streamed LLM answer, for the server to accept the question and across any "
        "silence between tokens, never for the whole of an answer that keeps streaming.",
    )
    llm_first_token_timeout: float = Field(
        300.0,
        gt=0,
        le=3600,
        description="Seconds an LLM server that accepted the question may take before its first "
        "token (a local model reads the prompt first: minutes on a small CPU).",
    )
    llm_total_timeout: float = Field(
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

    @field_validator("home", mode="before")
    @classmethod
    def _home_is_a_folder(cls, value: object) -> object:
        """An empty ASSISTANT_HOME would put the index in whatever folder the command runs in."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a folder, not be empty")
        return value

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key or self.openai_base_url)


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a one-line ConfigError."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "a setting"
        variable = name.upper() if name.startswith("OPENAI") else f"ASSISTANT_{name.upper()}"
        raise ConfigError(
            f"Invalid setting {variable}: {first['msg']}",
            "fix or unset that environment variable (see `assistant status`)",
        ) from error
