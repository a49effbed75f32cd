"""Files that ship with the assistant: the seed articles and the prompt templates.

In a regular install they sit inside the package (`assistant/_bundled/`, see pyproject.toml);
in a source checkout or editable install, at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def seeds_dir() -> Path:
    """The bundled corpus: five 2024–2025 articles on Russia and the South Caucasus."""
    return _bundled("seeds")


def prompts_dir() -> Path:
    return _bundled("prompts")
