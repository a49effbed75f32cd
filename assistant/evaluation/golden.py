"""Golden sets: questions with what a good answer must (and must not) contain.

A golden file is YAML: a list of cases, or `{cases: [...]}`. Each case:

    - id: railways                      # unique
      question: What does Russia claim about South Caucasus Railways?
      sources: [001_50972318ba77ce19]   # article ids that must support the answer
      facts:                            # each fact: acceptable phrasings, any one covers it
        - [concession]
        - [Russian Railways]
      forbidden: [Georgia]              # phrases that must not appear
      answerable: true                  # false: the articles cannot answer; must refuse
      tags: [people]
      filters:                          # optional: asked as `ask --outlet … --since …` would
        outlet: [ArmInfo]               # a name or a list (also article)
        since: 2025-01-01               # ISO date or phrase (last week), as is until
        as_of: 2025-01-10               # the day relative dates and recency count from
        dated_only: false
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import InputError
from assistant.scope import Scope, make_scope


class CaseFilters(BaseModel):
    """A case's filters and as-of day, as the command-line options take them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: str | None = None
    until: str | None = None
    outlet: list[str] = Field(default_factory=list)
    article: list[str] = Field(default_factory=list)
    dated_only: bool = False
    as_of: str | None = None

    @field_validator("since", "until", "as_of", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        """YAML reads 2025-01-10 as a date; it is the same day written out."""
        return value.isoformat() if isinstance(value, date) else value

    @field_validator("outlet", "article", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def scope(self) -> Scope:
        names = {"since": "since", "until": "until", "as_of": "as_of"}
        return make_scope(
            self.since,
            self.until,
            self.outlet,
            self.article,
            self.dated_only,
            self.as_of,
            names=names,
        )

    @model_validator(mode="after")
    def _valid_dates(self) -> CaseFilters:
        try:
            self.scope()
        except InputError as error:
            raise ValueError(error.message) from error
        return self


class GoldenCase(BaseModel):
    """One question and its expectations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    sources: list[str] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    answerable: bool = True
    tags: list[str] = Field(default_factory=list)
    filters: CaseFilters = Field(default_factory=CaseFilters)

    @field_validator("facts", mode="before")
    @classmethod
    def _single_phrasing(cls, value: Any) -> Any:
        """A fact may be written as one string instead of a one-item list."""
        if isinstance(value, list):
            return [[item] if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> GoldenCase:
        if self.answerable and not self.sources:
            raise ValueError("an answerable case needs at least one source article")
        if not self.answerable and (self.sources or self.facts):
            raise ValueError("an unanswerable case has no sources or facts")
        if any(not phrasings for phrasings in self.facts):
            raise ValueError("each fact needs at least one phrasing")
        return self


def load_golden(path: Path) -> list[GoldenCase]:
    """The cases of a golden file; a bad file is an InputError naming the case and field."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(
            f"Cannot read the golden file {path} ({error.strerror})", "check the path"
        ) from error
    except yaml.YAMLError as error:
        raise InputError(
            f"{path} is not valid YAML ({_first_line(error)})", "fix the syntax"
        ) from error
    raw = data.get("cases") if isinstance(data, dict) else data
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path} has no cases", "write a list of cases, or {cases: [...]}")
    cases = [_case(path, index, item) for index, item in enumerate(raw, start=1)]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise InputError(
                f"{path}: case id '{case.id}' appears twice", "give each case its own id"
            )
        seen.add(case.id)
    return cases


def _case(path: Path, index: int, item: Any) -> GoldenCase:
    name = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
    try:
        return GoldenCase.model_validate(item)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "case"
        raise InputError(
            f"{path}: case '{name}', field '{field}': {first['msg']}",
            "see the golden file format in the README",
        ) from error


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
