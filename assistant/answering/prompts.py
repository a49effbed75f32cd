"""Prompt templates: files in prompts/, their placeholders checked when they are loaded."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache

from assistant.resources import prompts_dir

# Each bundled template and exactly the placeholders it must use.
TEMPLATES = {
    "answer_system": frozenset({"refusal"}),
    "answer_user": frozenset({"passages", "question"}),
    "condense": frozenset({"history", "question"}),
}


class PromptError(ValueError):
    """A prompt template is missing or its placeholders are wrong."""


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    placeholders: frozenset[str]

    def render(self, **values: str) -> str:
        if set(values) != self.placeholders:
            raise PromptError(
                f"prompt {self.name} takes {sorted(self.placeholders)}, got {sorted(values)}"
            )
        return self.text.format(**values)


def placeholders_of(text: str) -> frozenset[str]:
    """The {names} a template uses; positional or attribute fields are refused."""
    found = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            if not field.isidentifier():
                raise PromptError(f"placeholder {{{field}}} is not a plain name")
            found.add(field)
    return frozenset(found)


@cache
def load_prompt(name: str) -> Prompt:
    """A bundled template, checked against the placeholders it must have."""
    if name not in TEMPLATES:
        raise PromptError(f"unknown prompt {name}")
    path = prompts_dir() / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PromptError(f"prompt file {path} cannot be read ({error.strerror})") from error
    used = placeholders_of(text)
    if used != TEMPLATES[name]:
        missing, unknown = TEMPLATES[name] - used, used - TEMPLATES[name]
        raise PromptError(f"prompt {path}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    return Prompt(name, text, used)
