"""The answer without an LLM: the retrieved sentences that best answer the question, cited.

Each sentence of the retrieved passages is scored against the question (`scoring`); one
qualifies only when it holds enough of the question's subject and the kind of thing asked for
(`candidate`). When none does, the articles do not answer and the assistant says so instead of
quoting something near. The sentences quoted are few, each once, in article order: the best,
a sentence that goes on about it, the sentence a figure completes, the reply to a question it
reports asking, and, asked what X thinks, X's other words on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.answer import MARKER, REFUSAL, Citation, marker
from assistant.answering.candidate import MIN_SIMILARITY, Candidate, adjacent, text_of
from assistant.answering.sentences import CLOSING
from vectorstore.ingest.text import SENTENCE_ENDS, fold

# A further sentence is quoted only if it scores within this margin of the best one.
SCORE_MARGIN = 0.15
MAX_SENTENCES = 3


def answer_extractively(
    candidates: Sequence[Candidate], min_support: float
) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and its citations; (REFUSAL, []) when nothing qualifies."""
    chosen = in_reading_order(choose(candidates, min_support))
    if not chosen:
        return REFUSAL, []
    citations = [
        Citation.from_passage(n, c.passage, c.start, c.end) for n, c in enumerate(chosen, start=1)
    ]
    text = " ".join(f"{shown_quote(citation.quote)} {marker(citation.n)}" for citation in citations)
    return text, citations


def shown_quote(quote: str) -> str:
    """A quote as the answer shows it: markers defused, and a statement cut before the
    question it ran into ending in "…", so it does not read as a whole sentence."""
    shown = defuse_markers(quote)
    return (
        shown
        if shown.rstrip(CLOSING).endswith(tuple(SENTENCE_ENDS))
        else f"{shown.rstrip(',;: ')}…"
    )


def defuse_markers(quote: str) -> str:
    """An article's own "[3]" becomes "(3)" in answer text, so it cannot pass for a citation.
    The citation's quote keeps the article's exact text."""
    return MARKER.sub(r"(\1)", quote)


def worth_asking(candidates: Sequence[Candidate], min_support: float) -> bool:
    """Whether an LLM could answer from these passages: some sentence is about the question's
    subject (names it and is near it in meaning). When none is, no LLM call is made."""
    return any(
        c.similarity >= MIN_SIMILARITY and c.name_coverage >= min_support for c in candidates
    )


def choose(candidates: Sequence[Candidate], min_support: float) -> list[Candidate]:
    """The best qualifying sentences, best first, each followed by a qualifying sentence that
    goes on about it ("… the foreign agent law has come into effect." "According to the law,
    organizations … must register"); a sentence repeated word for word (a syndicated article,
    a quote reported twice) once."""
    qualified = sorted(
        (c for c in candidates if c.qualifies(min_support) and not c.by_other),
        key=lambda c: (not c.by_asked, not c.says_where, not c.describes, -c.score),
    )
    if not qualified:
        return []
    best = qualified[0].score
    chosen: dict[str, Candidate] = {}
    for candidate in qualified:
        if candidate.score < best - SCORE_MARGIN:
            break
        leads = _lead_in(candidate, candidates, qualified)
        replies = _reply(candidate, candidates)
        for sentence in (*leads, candidate, *replies, *_continuation(candidate, qualified)):
            if len(chosen) < MAX_SENTENCES:
                chosen.setdefault(_key(sentence), sentence)
    for sentence in _own_view(candidates, best, min_support):
        if len(chosen) < MAX_SENTENCES:
            chosen.setdefault(_key(sentence), sentence)
    return list(chosen.values())


def _own_view(candidates: Sequence[Candidate], best: float, min_support: float) -> list[Candidate]:
    """Asked what X thinks, X's other sentences on the subject that score near the best
    answer: part of X's view, quoted with it though alone they would not answer (for "Did
    Lima think the closure was necessary?", her "This should never have closed the port"
    beside her sentence that answers). They only add to an answer; they never make one."""
    return sorted(
        (
            c
            for c in candidates
            if c.by_asked
            and c.holds_answer
            and not c.other_case
            and c.topic_coverage > 0
            and c.name_coverage >= min_support
            and c.similarity >= MIN_SIMILARITY
            and c.score >= best - SCORE_MARGIN
        ),
        key=lambda c: -c.score,
    )


def _lead_in(
    sentence: Candidate, candidates: Sequence[Candidate], qualified: Sequence[Candidate]
) -> list[Candidate]:
    """The sentence right before one that completes it (`completes`): the answer's subject;
    or before one that refers back to it (`continues`), when it answers too: "But both of
    those amounts fell below the peak year …" is read after "Saturday's peak demand …
    reached 44,947 megawatts"."""
    if sentence.completes:
        return [c for c in candidates if adjacent(c, sentence)][-1:]
    if sentence.continues:
        return [c for c in qualified if adjacent(c, sentence)][-1:]
    return []


# A sentence that reports a question put to someone: "We asked them what do we say to …".
_ASKING = re.compile(
    r"\b(?:asked|ask|asking|wondered|questioned)\b(?:\s+[\w'’]+){0,3}?\s+"
    r"(?:what|whether|if|how|why|when|where|who|which)\b",
    re.IGNORECASE,
)


def _reply(sentence: Candidate, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The sentence right after one that reports asking a question, in its paragraph: the
    answer given ("We asked them what do we say to the 400,000 people who would lose their
    jobs." "They thought that was a political matter for us.")."""
    if not _ASKING.search(text_of(sentence.passage, sentence.start, sentence.end)):
        return []
    return [c for c in candidates if adjacent(sentence, c) and not c.by_other][:1]


def _continuation(sentence: Candidate, qualified: Sequence[Candidate]) -> list[Candidate]:
    """The qualifying sentence right after `sentence` in its passage, when it refers back."""
    passage = sentence.passage
    return [
        c
        for c in qualified
        if c.continues
        and c.passage.article_id == passage.article_id
        and sentence.end <= c.start <= passage.end
        and not passage.text[sentence.end - passage.start : c.start - passage.start].strip()
    ]


def _key(candidate: Candidate) -> str:
    return " ".join(fold(text_of(candidate.passage, candidate.start, candidate.end)).split())


def in_reading_order(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The chosen sentences article by article (the article of the best one first), each
    article's in the order they stand."""
    articles = list(dict.fromkeys(c.passage.article_id for c in chosen))
    return sorted(chosen, key=lambda c: (articles.index(c.passage.article_id), c.start))
