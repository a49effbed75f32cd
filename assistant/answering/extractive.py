"""The answer without an LLM: the retrieved sentences that best answer the question, cited.

A sentence is scored by how much of the question's subject it contains (its content terms,
weighted by how rare they are in the corpus) and by its embedding similarity to the question.
A sentence qualifies only when it holds enough of the subject (`min_support`); when none does,
the articles do not answer and the assistant says so instead of quoting something near.

"What did X say / claim / think …" prefers X's own sentences (their speaker, found at ingest):
X's name counts as contained in them, they come first, and a sentence another speaker says
(an interviewer's question, someone quoted about X) is not quoted as what X said.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answering.answer import MARKER, REFUSAL, Citation, marker
from assistant.answering.evidence import evidence_spans
from vectorstore.ingest.attribution import INTERVIEWER
from vectorstore.ingest.text import is_name, terms
from vectorstore.search.retrieval import Passage

# Weight of term coverage against embedding similarity in a sentence's score.
COVERAGE_WEIGHT = 0.6
# Names (capitalised words: Georgia, SCO, Kalugin) are the subject of a question; a sentence
# about "the population of Azerbaijan" does not answer "the population of Georgia".
NAME_WEIGHT = 2.0
# Below this embedding similarity a sentence is about something else, whatever words it shares.
MIN_SIMILARITY = 0.3
# At or above it, a sentence that names the subject answers in other words ("obliged to
# intervene" for "defend") even without the question's other terms.
STRONG_SIMILARITY = 0.6
# A further sentence is quoted only if it scores within this margin of the best one.
SCORE_MARGIN = 0.15
MAX_SENTENCES = 3
MIN_WORDS = 4

# A question about what someone says or thinks ("what did X say", "according to X").
_ASKS_WHAT_SAID = re.compile(
    r"\b(?:say|says|said|claim\w*|think\w*|thought|believ\w*|warn\w*|argu\w*|stress\w*|"
    r"emphasi\w*|according|view|opinion|assess\w*|describ\w*|consider\w*|criticis\w*|"
    r"criticiz\w*|tell|told|explain\w*|mention\w*|comment\w*|see|sees|position|stance)\b",
    re.IGNORECASE,
)

Embed = Callable[[list[str]], list[list[float]]]
Idf = Callable[[str], float]


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, in article offsets, with its scores."""

    passage: Passage
    start: int
    end: int
    coverage: float
    similarity: float
    name_coverage: float = 1.0
    topic_coverage: float = 1.0
    by_asked: bool = False  # said by the person the question asks about
    by_other: bool = False  # said by someone else, when the question asks what a person said

    def qualifies(self, min_support: float) -> bool:
        """Names the question's subject and speaks to what is asked about it."""
        return (
            self.similarity >= MIN_SIMILARITY
            and self.name_coverage >= min_support
            and (self.topic_coverage >= min_support or self.similarity >= STRONG_SIMILARITY)
        )

    @property
    def score(self) -> float:
        return COVERAGE_WEIGHT * self.coverage + (1 - COVERAGE_WEIGHT) * self.similarity


def answer_extractively(
    candidates: Sequence[Candidate], min_support: float
) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and its citations; (REFUSAL, []) when nothing qualifies."""
    chosen = choose(candidates, min_support)
    if not chosen:
        return REFUSAL, []
    citations = [
        Citation.from_passage(n, c.passage, c.start, c.end) for n, c in enumerate(chosen, start=1)
    ]
    text = " ".join(
        f"{defuse_markers(citation.quote)} {marker(citation.n)}" for citation in citations
    )
    return text, citations


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


def score_sentences(
    question: str, passages: Sequence[Passage], idf: Idf, embed: Embed
) -> list[Candidate]:
    """Every distinct sentence of the passages, scored against the question."""
    weights, names = term_weights(question, idf)
    spans = _distinct_sentences(passages)
    if not spans or not weights:
        return []
    texts = [
        passage.text[start - passage.start : end - passage.start] for passage, start, end in spans
    ]
    similarities = _cosines(embed([question, *texts]))
    topic = {t: w for t, w in weights.items() if t not in names}
    named = {t: w for t, w in weights.items() if t in names}
    speakers = [passage.speaker(start, end) for passage, start, end in spans]
    asked = asked_speakers(question, speakers)
    candidates = []
    for (passage, start, end), text, similarity, speaker in zip(
        spans, texts, similarities, speakers, strict=True
    ):
        by_asked = speaker in asked and not text.rstrip("\"”’' ").endswith("?")
        # X's own words are about X: X's name counts as found, the rest of the subject not
        own = set(terms(speaker or "")) if by_asked else set()
        found = set(terms(text)) | own
        candidates.append(
            Candidate(
                passage=passage,
                start=start,
                end=end,
                coverage=_share(weights, found),
                similarity=similarity,
                name_coverage=_share(_without(named, own), found),
                topic_coverage=_share(_without(topic, own), found),
                by_asked=by_asked,
                by_other=bool(asked and speaker and speaker not in asked),
            )
        )
    return candidates


def asked_speakers(question: str, speakers: Sequence[str | None]) -> set[str]:
    """The speakers a question asks what they said, thought or claimed ("what did Shoigu
    say": Sergey Shoigu); empty for other questions."""
    if not _ASKS_WHAT_SAID.search(question):
        return set()
    asked = set(terms(question))
    return {who for who in speakers if who and who != INTERVIEWER and asked & set(terms(who))}


def _without(weights: dict[str, float], dropped: set[str]) -> dict[str, float]:
    return {t: w for t, w in weights.items() if t not in dropped}


def _share(weights: dict[str, float], found: set[str]) -> float:
    """Weighted share of the terms found; 1.0 when there are none to find."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in found) / total if total else 1.0


def term_weights(question: str, idf: Idf) -> tuple[dict[str, float], set[str]]:
    """The question's content terms weighted by rarity (names counting double), and the names."""
    names = {t for word in question.split() if is_name(word) for t in terms(word)}
    weights = {
        term: idf(term) * (NAME_WEIGHT if term in names else 1.0)
        for term in dict.fromkeys(terms(question))
    }
    return weights, names


def choose(candidates: Sequence[Candidate], min_support: float) -> list[Candidate]:
    """The best qualifying sentences, best first."""
    qualified = sorted(
        (c for c in candidates if c.qualifies(min_support) and not c.by_other),
        key=lambda c: (not c.by_asked, -c.score),
    )
    if not qualified:
        return []
    best = qualified[0].score
    return [c for c in qualified if c.score >= best - SCORE_MARGIN][:MAX_SENTENCES]


def _distinct_sentences(passages: Sequence[Passage]) -> list[tuple[Passage, int, int]]:
    """Sentences in article offsets; one repeated by overlapping chunks is kept once."""
    seen: set[tuple[str, int]] = set()
    found = []
    for passage in passages:
        for span in evidence_spans(passage.text):  # never text addressed to an AI
            start, end = passage.start + span.start, passage.start + span.end
            text = passage.text[span.start : span.end]
            if (passage.article_id, start) in seen or len(text.split()) < MIN_WORDS:
                continue
            seen.add((passage.article_id, start))
            found.append((passage, start, end))
    return found


def _cosines(vectors: list[list[float]]) -> list[float]:
    """Cosine similarity of the first vector with each of the others."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    norms[norms == 0] = 1.0
    unit = matrix / norms[:, None]
    return [float(x) for x in unit[1:] @ unit[0]]
