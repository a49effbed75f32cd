"""assistant: answers questions about news articles, citing the passages it used.

The public API. Names load on first use, so importing the package (and `assistant --help`)
stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "REFUSAL",
    "Answer",
    "Citation",
    "Settings",
    "ask",
    "ingest_paths",
    "load_settings",
    "open_knowledge_base",
    "search",
]

_HOMES = {
    "REFUSAL": "assistant.answering.answer",
    "Answer": "assistant.answering.answer",
    "Citation": "assistant.answering.answer",
    "Settings": "assistant.settings",
    "load_settings": "assistant.settings",
    "ask": "assistant.service",
    "ingest_paths": "assistant.service",
    "open_knowledge_base": "assistant.service",
    "search": "assistant.service",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
