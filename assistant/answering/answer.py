"""What an answer is: text with [n] markers, the citations behind them, and how it was made."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from vectorstore.search.retrieval import Passage

# The one sentence the assistant says when the articles do not answer; prompts and tests share it.
REFUSAL = "Not in these articles: none of the passages found answers this question."
# A citation marker in answer text: [1], [2], ...
MARKER = re.compile(r"\[(\d{1,3})\]")


def marker(n: int) -> str:
    return f"[{n}]"


@dataclass(frozen=True)
class Citation:
    """Citation [n]: a quoted sentence and where it stands (`quote == article.text[start:end]`)."""

    n: int
    article_id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    chunk_id: str
    quote: str
    start: int
    end: int
    claim: str = ""
    supported: bool = True

    @classmethod
    def from_passage(cls, n: int, passage: Passage, start: int, end: int) -> Citation:
        """Cite article offsets [start, end) inside a passage."""
        if not passage.start <= start < end <= passage.end:
            raise ValueError("a citation must lie inside its passage")
        quote = passage.text[start - passage.start : end - passage.start]
        return cls(
            n=n,
            article_id=passage.article_id,
            title=passage.title,
            outlet=passage.outlet,
            published=passage.published,
            url=passage.url,
            chunk_id=passage.chunk_id,
            quote=quote,
            start=start,
            end=end,
            claim=quote,
        )


@dataclass
class Answer:
    """An answer to one question, ready to render or serialise."""

    question: str
    text: str
    abstained: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    verification: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [asdict(citation) for citation in self.citations],
            "passages": [passage.to_dict() for passage in self.passages],
            "verification": self.verification,
            "usage": self.usage,
            "timings": {name: round(ms, 1) for name, ms in self.timings.items()},
        }
