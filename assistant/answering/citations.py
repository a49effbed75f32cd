"""Citation verification, for every answer: markers must point at a passage, and the passage
must support the claim they follow.

An answer is split into claims (its sentences); the [n] markers of a claim cite passages n.
A marker that points at no passage is removed and reported. For each kept marker, the passage's
sentence sharing most of the claim's content terms (weighted by rarity) becomes the quote, with
its offsets in the article. The citation is flagged unsupported when that sentence holds less
than SUPPORT_THRESHOLD of the claim's terms, or when it says otherwise than the claim: a
negation, number, date or order of actors differs (answering/contradiction.py). Text addressed
to an AI and source lists are never quoted (answering/evidence.py). bench/citation_support.py
calibrates the threshold and measures the contradiction check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answering.answer import (
    MARKER,
    REFUSAL,
    Citation,
    ContradictedClaim,
    Verification,
)
from assistant.answering.contradiction import contradiction
from assistant.answering.evidence import evidence_spans
from vectorstore.ingest.text import Span, is_name, sentence_spans, terms
from vectorstore.search.retrieval import Passage

SUPPORT_THRESHOLD = 0.35
_MARKER_RUN = re.compile(r"^(\s*\[\d{1,3}\])+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")

Idf = Callable[[str], float]


@dataclass
class Checked:
    """The verified answer text, its citations, and what verification found wrong."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    removed_markers: list[int] = field(default_factory=list)
    unsupported_claims: list[str] = field(default_factory=list)
    contradicted: list[ContradictedClaim] = field(default_factory=list)
    uncited: bool = False

    @property
    def verification(self) -> Verification:
        return Verification(
            removed_markers=list(self.removed_markers),
            unsupported_claims=list(self.unsupported_claims),
            contradicted_claims=list(self.contradicted),
            uncited=self.uncited,
        )


@dataclass(frozen=True)
class Support:
    """How a passage backs a claim: the quoted sentence, the weighted share of the claim's
    terms it holds, and what it contradicts (None when nothing)."""

    citation: Citation
    share: float
    contradiction: str | None = None

    def backs(self, threshold: float = SUPPORT_THRESHOLD) -> bool:
        return self.share >= threshold and self.contradiction is None


def is_refusal(text: str) -> bool:
    return text.strip().startswith(REFUSAL.split(":")[0])


def verify_answer(
    text: str,
    passages: Sequence[Passage],
    idf: Idf,
    article_text: Callable[[str], str | None] | None = None,
    threshold: float = SUPPORT_THRESHOLD,
) -> Checked:
    """Check every [n] in `text` against `passages` (numbered from 1). With `article_text`,
    a claim's names are looked for in the whole cited article, else in the passage."""
    cleaned, removed = remove_invalid_markers(text, len(passages))
    result = Checked(text=cleaned, removed_markers=removed)
    mentions: dict[str, set[str]] = {}
    for claim, numbers in split_claims(cleaned):
        for n in numbers:
            passage = passages[n - 1]
            if passage.article_id not in mentions:
                full = article_text(passage.article_id) if article_text else None
                mentions[passage.article_id] = mentioned_terms(full or passage.text)
            support = best_quote(claim, passage, n, idf, mentions[passage.article_id], threshold)
            supported = support.backs(threshold)
            result.citations.append(_with_claim(support.citation, claim, supported))
            if support.contradiction:
                result.contradicted.append(ContradictedClaim(claim, n, support.contradiction))
            if not supported and claim not in result.unsupported_claims:
                result.unsupported_claims.append(claim)
    result.uncited = not result.citations and not is_refusal(cleaned)
    return result


def remove_invalid_markers(text: str, passage_count: int) -> tuple[str, list[int]]:
    """Drop markers outside 1..passage_count; return the text and the numbers dropped."""
    removed: list[int] = []

    def keep_or_drop(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if 1 <= n <= passage_count:
            return match.group(0)
        removed.append(n)
        return ""

    cleaned = MARKER.sub(keep_or_drop, text)
    if removed:
        cleaned = _SPACE_BEFORE_PUNCT.sub(r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip()
    return cleaned, removed


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences without markers, each with the passage numbers it cites.
    Markers that open a sentence ("… ended. [2] Next …") belong to the sentence before."""
    claims: list[tuple[str, list[int]]] = []
    for span in sentence_spans(text):
        sentence = text[span.start : span.end]
        lead = _MARKER_RUN.match(sentence)
        if lead and claims:
            claims[-1][1].extend(int(n) for n in MARKER.findall(lead.group(0)))
            sentence = sentence[lead.end() :]
        numbers = [int(n) for n in MARKER.findall(sentence)]
        claim = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(MARKER.sub("", sentence).split()))
        if claim.strip(" .") or numbers:
            claims.append((claim, numbers))
    return [(claim, list(dict.fromkeys(numbers))) for claim, numbers in claims]


def mentioned_terms(text: str) -> set[str]:
    """Every term of a text's sentences, leaving out text addressed to an AI."""
    return {term for span in evidence_spans(text) for term in terms(text[span.start : span.end])}


def best_quote(
    claim: str,
    passage: Passage,
    n: int,
    idf: Idf,
    mentioned: set[str] | None = None,
    threshold: float = SUPPORT_THRESHOLD,
) -> Support:
    """The passage sentence that best supports the claim (the one holding most of its terms,
    weighted; among equals one that does not contradict it), how much of the claim it holds,
    and how it contradicts the claim. A claim that names someone or something its source never
    mentions (`mentioned`: the terms of the cited article, else of the passage) has no support
    from it."""
    wanted = {term: idf(term) for term in set(terms(claim))}
    total = sum(wanted.values())
    evidence = evidence_spans(passage.text)
    if not evidence:  # nothing to quote: cite the whole passage, unsupported
        return Support(Citation.from_passage(n, passage, passage.start, passage.end), 0.0)

    def share(span: Span) -> float:
        found = set(terms(passage.text[span.start : span.end]))
        return sum(w for t, w in wanted.items() if t in found) / total if total else 0.0

    ranked = sorted(((share(span), span) for span in evidence), key=lambda pair: -pair[0])
    best_share, best = ranked[0]
    if names_of(claim) - (mentioned_terms(passage.text) if mentioned is None else mentioned):
        return Support(_cite(n, passage, best), 0.0)
    if best_share < threshold:
        return Support(_cite(n, passage, best), best_share)
    related = [passage.text[s.start : s.end] for s in evidence if _shared(claim, passage, s) >= 2]
    differs: str | None = None
    for span in (span for value, span in ranked if value == best_share):
        found = contradiction(claim, passage.text[span.start : span.end], related)
        if found is None:
            return Support(_cite(n, passage, span), best_share)
        differs = differs or found
    return Support(_cite(n, passage, best), best_share, differs)


def _shared(claim: str, passage: Passage, span: Span) -> int:
    """How many content terms a sentence of the passage shares with the claim."""
    return len(set(terms(claim)) & set(terms(passage.text[span.start : span.end])))


def _cite(n: int, passage: Passage, span: Span) -> Citation:
    """Citation [n] of a sentence of the passage (`span` in passage offsets)."""
    return Citation.from_passage(n, passage, passage.start + span.start, passage.start + span.end)


def names_of(claim: str) -> set[str]:
    """Terms of the claim's capitalised words after its first (names: France, Gyumri, Kalugin)."""
    return {t for word in claim.split()[1:] if is_name(word) for t in terms(word)}


def _with_claim(citation: Citation, claim: str, supported: bool) -> Citation:
    from dataclasses import replace

    return replace(citation, claim=claim, supported=supported)
