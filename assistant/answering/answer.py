"""What an answer is: text with [n] markers, the citations behind them, and how it was made."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from vectorstore.ingest.cleaning import outlet_name
from vectorstore.ingest.text import sentence_spans
from vectorstore.search.retrieval import Passage

# The one sentence the assistant says when the articles do not answer; prompts and tests share it.
REFUSAL = "Not in these articles: none of the passages found answers this question."
# A citation marker in answer text: [1], [2], ...
MARKER = re.compile(r"\[(\d{1,3})\]")


def marker(n: int) -> str:
    return f"[{n}]"


@dataclass(frozen=True)
class Citation:
    """Citation [n]: a quoted sentence and where it stands (`quote == article.text[start:end]`);
    `speaker`: who says it, when the article names them (found at ingest)."""

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
    speaker: str | None = None

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
            speaker=passage.speaker(start, end),
        )

    @property
    def said_by(self) -> str:
        """ "— Speaker, Outlet" when the speaker is known, else nothing."""
        if not self.speaker:
            return ""
        return "— " + ", ".join(part for part in (self.speaker, outlet_name(self.outlet)) if part)


@dataclass(frozen=True)
class Fallback:
    """What the articles hold, shown under a model's answer that keeps no supported citation:
    the extractive answer's cited sentences. `reason`: "uncited", "unsupported" or "empty" (the
    reply held nothing but echoed prompt)."""

    reason: str
    text: str
    citations: list[Citation] = field(default_factory=list)


@dataclass(frozen=True)
class Verification:
    """What citation verification found wrong with an answer; `contradicted_claims`: claims
    whose cited sentence says otherwise; `truncated`: the model's reply was cut off at its
    length budget; `grounded`: at least one citation a passage supports, else `fallback` holds
    the articles' evidence (LLM answers)."""

    removed_markers: list[int] = field(default_factory=list)
    unsupported_claims: list[str] = field(default_factory=list)
    uncited: bool = False
    truncated: bool = False
    contradicted_claims: list[ContradictedClaim] = field(default_factory=list)
    grounded: bool = True
    fallback: Fallback | None = None


@dataclass(frozen=True)
class ContradictedClaim:
    """A claim whose cited sentence [n] says otherwise, and what differs (a negation, a
    number, a date, the actors' order)."""

    claim: str
    n: int
    differs: str


@dataclass(frozen=True)
class Usage:
    """Tokens an LLM answer took; `counted` when the API reported none and they were counted."""

    prompt_tokens: int
    completion_tokens: int
    counted: bool = False

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "counted": int(self.counted),
        }


@dataclass(frozen=True)
class Timings:
    """Milliseconds spent retrieving, answering, and in all."""

    retrieve_ms: float
    answer_ms: float
    total_ms: float

    def to_dict(self) -> dict[str, float]:
        return {name: round(ms, 1) for name, ms in asdict(self).items()}


@dataclass(frozen=True, kw_only=True)
class Answer:
    """An answer to one question, ready to render or serialise. `verification` is None when
    no answer text was checked (the refusal without an LLM call, or the model's refusal);
    `usage` is None when no LLM was called."""

    question: str
    text: str
    mode: Literal["extractive", "llm"]
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    verification: Verification | None = None
    usage: Usage | None = None
    timings: Timings | None = None

    @property
    def grounded(self) -> bool:
        """At least one citation a passage supports (or an abstention, which claims nothing)."""
        return self.abstained or any(citation.supported for citation in self.citations)

    @property
    def fallback(self) -> Fallback | None:
        return self.verification.fallback if self.verification else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [asdict(citation) for citation in self.citations],
            "passages": [passage.to_dict() for passage in self.passages],
            "verification": asdict(self.verification) if self.verification else {},
            "usage": self.usage.to_dict() if self.usage else {},
            "timings": self.timings.to_dict() if self.timings else {},
        }


def byline(title: str, outlet: str | None, published: str | None) -> str:
    """ "Title — Outlet, date" with whatever is known."""
    details = ", ".join(part for part in (outlet, published) if part)
    return f"{title} — {details}" if details else title


FALLBACK_REASONS = {
    "uncited": "Not verified: the model's answer cites no passage, so nothing backs it.",
    "unsupported": "Not verified: no passage the model cites backs its claims.",
    "empty": "Not answered: the model's reply held nothing but the prompt it was sent.",
}


_OPENING_QUOTES = "\"“„«‘'"
_CLOSING_QUOTES = "\"”»’'"


def quoted(text: str) -> str:
    """Text in quotation marks, without doubling marks the text already opens or closes with."""
    text = text.strip()
    if text[:1] in _OPENING_QUOTES or text[-1:] in _CLOSING_QUOTES:
        return text
    return f"“{text}”"


@dataclass(frozen=True)
class Excerpt:
    """The passage around a quote: `text[quote_start:quote_end]` is the quote itself."""

    text: str
    quote_start: int
    quote_end: int


def excerpt_around(citation: Citation, passages: Sequence[Passage], sentences: int = 1) -> Excerpt:
    """The quote with up to `sentences` sentences of its passage on each side (the headline
    left out; a paragraph break shown as "¶"), so a source shows where the quote stands rather
    than the quote again. Just the quote when its passage is not among `passages`."""
    passage = next((p for p in passages if p.chunk_id == citation.chunk_id), None)
    if passage is None:
        return Excerpt(citation.quote, 0, len(citation.quote))
    start, end = citation.start - passage.start, citation.end - passage.start
    spans = [
        s
        for s in sentence_spans(passage.text)
        if " ".join(passage.text[s.start : s.end].split()) != " ".join(passage.title.split())
    ]
    before = [s.start for s in spans if s.end <= start][-sentences:] if sentences else []
    after = [s.end for s in spans if s.start >= end][:sentences] if sentences else []
    lead = _one_line(passage.text[min([start, *before]) : start])
    tail = _one_line(passage.text[end : max([end, *after])])
    return Excerpt(lead + citation.quote + tail, len(lead), len(lead) + len(citation.quote))


def _one_line(text: str) -> str:
    """Paragraph breaks as " ¶ ", other runs of whitespace as one space."""
    return _SPACES.sub(" ", _BREAK.sub(" ¶ ", text))


_BREAK = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"[^\S\n]+")
