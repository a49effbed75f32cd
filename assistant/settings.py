"""All settings in one model, nested by what they configure, read from the environment.

The sub-models are the configurations their parts take, passed down as they are: `llm` (the
OpenAI-compatible endpoint and chat model), `embedding` (the embedding model, or an embeddings
server of its own; OpenAI embeddings fall back on the chat model's key and URL), `chroma` (a
Chroma server, or none), `chunking` and `retrieval`. Each checks its own
fields together while loading. The environment variables keep their documented flat names
(`ENVIRONMENT` says where each one lands; standard names such as OPENAI_API_KEY keep theirs).
All state lives under `home`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.answering.llm import LLMConfig
from assistant.errors import ConfigError
from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.ingest.embedding_config import EmbeddingConfig
from vectorstore.search.connection import ChromaConfig

# Each documented environment variable, in the README's order, and the fields it sets.
ENVIRONMENT: dict[str, tuple[tuple[str, ...], ...]] = {
    "ASSISTANT_HOME": (("home",),),
    "ASSISTANT_EMBEDDING_MODEL": (("embedding", "model"),),
    "ASSISTANT_EMBEDDING_URL": (("embedding", "url"),),
    "ASSISTANT_EMBEDDING_API_KEY": (("embedding", "api_key"),),
    "ASSISTANT_EMBEDDING_THREADS": (("embedding", "threads"),),
    "ASSISTANT_EMBEDDING_BATCH_SIZE": (("embedding", "batch_size"),),
    "ASSISTANT_EMBEDDING_CONCURRENCY": (("embedding", "concurrency"),),
    "ASSISTANT_CHUNK_TOKENS": (("chunking", "max_tokens"),),
    "ASSISTANT_CHUNK_OVERLAP_TOKENS": (("chunking", "overlap_tokens"),),
    "ASSISTANT_TOP_K": (("retrieval", "top_k"),),
    "ASSISTANT_MIN_SUPPORT": (("retrieval", "min_support"),),
    "ASSISTANT_RECENCY_HALF_LIFE_DAYS": (("retrieval", "recency_half_life_days"),),
    "ASSISTANT_CHROMA_URL": (("chroma", "url"),),
    "ASSISTANT_CHROMA_TOKEN": (("chroma", "token"),),
    "ASSISTANT_CHROMA_TOKEN_HEADER": (("chroma", "token_header"),),
    "ASSISTANT_CHROMA_TENANT": (("chroma", "tenant"),),
    "ASSISTANT_CHROMA_DATABASE": (("chroma", "database"),),
    "ASSISTANT_DEBUG": (("debug",),),
    "OPENAI_API_KEY": (("llm", "api_key"),),
    "OPENAI_BASE_URL": (("llm", "base_url"),),
    "ASSISTANT_LLM_MODEL": (("llm", "model"),),
    "ASSISTANT_LLM_TEMPERATURE": (("llm", "temperature"),),
    "ASSISTANT_LLM_MAX_TOKENS": (("llm", "max_tokens"),),
    "ASSISTANT_LLM_CONTEXT_WINDOW": (("llm", "context_window"),),
    "ASSISTANT_REQUEST_TIMEOUT": (
        ("llm", "timeout"),
        ("chroma", "timeout"),
        ("embedding", "timeout"),
    ),
    "ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT": (("llm", "first_token_timeout"),),
    "ASSISTANT_LLM_TOTAL_TIMEOUT": (("llm", "total_timeout"),),
    "ASSISTANT_MAX_RETRIES": (("llm", "max_retries"), ("embedding", "max_retries")),
}


def _default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("assistant", appauthor=False))


class ChunkingSettings(ChunkingConfig):
    """Chunking as a user may set it: narrower bounds than the library accepts."""

    max_tokens: int = Field(200, ge=32, le=2000, description="Most tokens in one chunk.")
    overlap_tokens: int = Field(
        40,
        ge=0,
        le=500,
        description="Tokens of whole sentences repeated between neighbouring chunks.",
    )


class RetrievalSettings(BaseModel):
    """How many passages are retrieved, how much of a question a quoted sentence must hold,
    and how much newer articles are favoured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved for an answer or search.")
    min_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Least share of a question's key terms a sentence must contain to be quoted "
        "as an answer; below it the assistant says the articles do not answer.",
    )
    recency_half_life_days: float = Field(
        14.0,
        ge=0.0,
        le=36500.0,
        description="Newer articles rank higher: an article this many days older than the "
        "newest one (or than --as-of) gets half the boost of the newest; 0 turns it off.",
    )


class Settings(BaseSettings):
    """Effective configuration of the assistant."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    home: Path = Field(
        default_factory=_default_home,
        description="Folder holding all state: the index, caches and chat history.",
    )
    debug: bool = Field(False, description="Show full tracebacks instead of one-line errors.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    chroma: ChromaConfig = Field(default_factory=ChromaConfig)
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then the documented environment variables; nothing else."""
        return init_settings, DocumentedEnvironment(settings_cls)

    @field_validator("home", mode="before")
    @classmethod
    def _home_is_a_folder(cls, value: object) -> object:
        """An empty ASSISTANT_HOME would put the index in whatever folder the command runs in."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("must name a folder, not be empty")
        return value

    def documented(self) -> dict[str, Any]:
        """Each documented variable's effective value, by the variable's name."""
        return {variable: field_at(self, paths[0]) for variable, paths in ENVIRONMENT.items()}


class DocumentedEnvironment(PydanticBaseSettingsSource):
    """The environment variables of ENVIRONMENT, placed into the nested settings."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # all values come from __call__

    def __call__(self) -> dict[str, Any]:
        environment = {name.upper(): value for name, value in os.environ.items()}
        values: dict[str, Any] = {}
        for variable, paths in ENVIRONMENT.items():
            if variable not in environment:
                continue
            for path in paths:
                target = values
                for part in path[:-1]:
                    target = target.setdefault(part, {})
                target[path[-1]] = environment[variable]
        return values


def field_at(model: BaseModel, path: tuple[str, ...]) -> Any:
    value: Any = model
    for part in path:
        value = getattr(value, part)
    return value


def field_info(path: tuple[str, ...]) -> FieldInfo:
    """The declaration (type, default, description) of the field at a path of Settings."""
    model: Any = Settings
    for part in path[:-1]:
        model = model.model_fields[part].annotation
    return model.model_fields[path[-1]]


def load_settings() -> Settings:
    """Settings from the environment, checked; a bad value is a one-line ConfigError."""
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        raise ConfigError(
            f"Invalid setting {variables_at(tuple(str(p) for p in first['loc']))}: {first['msg']}",
            "fix or unset that environment variable (see `assistant status`)",
        ) from error
    check_home(settings.home)
    return settings


def variables_at(loc: tuple[str, ...]) -> str:
    """The variables behind a validation error's location (all of a section's, for a check
    of the section as a whole)."""
    named = [
        variable
        for variable, paths in ENVIRONMENT.items()
        if any(path[: len(loc)] == loc for path in paths)
    ]
    return " / ".join(named) or "a setting"


def check_home(home: Path) -> None:
    """ASSISTANT_HOME must be a folder this user can write to (created when missing)."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        writable = os.access(home, os.W_OK)
        reason = "permission denied"
    except OSError as error:
        writable, reason = False, error.strerror or str(error)
    if not writable:
        raise ConfigError(
            f"Cannot write to ASSISTANT_HOME={home} ({reason})",
            "set ASSISTANT_HOME to a folder you can write to",
        )


def debug_enabled() -> bool:
    """ASSISTANT_DEBUG, read the way the settings read it, even when other settings are bad."""
    value = DocumentedEnvironment(Settings)().get("debug", False)
    try:
        return bool(TypeAdapter(bool).validate_python(value))
    except ValidationError:
        return False
