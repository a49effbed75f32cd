"""The answer without an LLM: the retrieved sentences that best answer the question, cited.

A sentence is scored by how much of the question's subject it holds (its content terms,
weighted by how rare they are in the corpus, matched by meaning: see `matching`) and by its
embedding similarity to the question. A sentence qualifies only when it holds enough of the
subject (`min_support`) and the kind of thing asked for (a number for "how many", a date for
"when"); when none does, the articles do not answer and the assistant says so instead of
quoting something near.

Only a statement is quoted (see `sentences`). A name the article's title or the sentence before
gives ("Speaking with Alpha News, …" under a headline naming Timofeev; "The effort …" after
the sentence naming it) counts as present; so does all a question asks in the reply that
opens the line after it (an interview's answer). The sentences quoted are few, each once, in
article order.

"What did X say / claim / think …" prefers X's own sentences (their speaker, found at ingest):
X's name counts as contained in them, they come first, and a sentence another speaker says
(an interviewer's question, someone quoted about X), or one the text gives no speaker ("Shoigu
came to Azerbaijan from Iran"), is not quoted as what X said. A question typed in lower case
still names: a word the passages only write capitalised is a name ("what did shoigu say").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.answering.answer import MARKER, REFUSAL, Citation, marker
from assistant.answering.matching import Question, canonical, read_question, with_names_written
from assistant.answering.sentences import CLOSING, quotable_sentences
from vectorstore.ingest.attribution import INTERVIEWER
from vectorstore.ingest.text import fold, terms, words
from vectorstore.search.retrieval import Passage

# Weight of term coverage against embedding similarity in a sentence's score.
COVERAGE_WEIGHT = 0.6
# Names (capitalised words: Georgia, SCO, Kalugin) are the subject of a question; a sentence
# about "the population of Azerbaijan" does not answer "the population of Georgia".
NAME_WEIGHT = 2.0
# Below this embedding similarity a sentence is about something else, whatever words it shares.
MIN_SIMILARITY = 0.3
# A sentence holding every name and term of the question needs less: the words say it, even
# when the embedding of a short or quoted sentence ("its agenda is non-confrontational") is far.
MIN_SIMILARITY_ALL_TERMS = 0.15
# At or above it, a sentence that names the subject answers in other words ("obliged to
# intervene" for "defend") even without the question's other terms (`says_some_of_it`).
STRONG_SIMILARITY = 0.6
# A further sentence is quoted only if it scores within this margin of the best one.
SCORE_MARGIN = 0.15
MAX_SENTENCES = 3
# A question about what someone says or thinks ("what did X say", "according to X").
_ASKS_WHAT_SAID = re.compile(
    r"\b(?:say|says|said|claim\w*|think\w*|thought|believ\w*|warn\w*|argu\w*|stress\w*|"
    r"emphasi\w*|according|view|opinion|assess\w*|describ\w*|consider\w*|criticis\w*|"
    r"criticiz\w*|tell|told|explain\w*|mention\w*|comment\w*|see|sees|stance)\b",
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
    holds_answer: bool = True  # holds the kind of thing asked for (a number for "how many")
    all_terms: bool = False  # holds every name and term the question asks about
    states_names: bool = False  # the question only names (Who is Anne Gonzales?); this names all
    stated_name_coverage: float = 1.0  # names found in the sentence itself, not the ones before
    continues: bool = False  # refers back to the thing the sentences before name ("the law")
    by_asked: bool = False  # said by the person the question asks about
    by_other: bool = False  # said by someone else, when the question asks what a person said
    holds: frozenset[str] = frozenset()  # the question's terms it holds, with its context's
    states: frozenset[str] = frozenset()  # the question's terms its own words hold
    says_where: bool = False  # asked where: puts a place right after the question's word
    describes: bool = False  # asked who X is: says it ("Mikhail Kalugin, Director of …")
    other_case: bool = False  # its article speaks of the asked case elsewhere (`other_cases`)
    # asked who did something or has a role ("Who leads the Crew?", "Who is the CEO of …"),
    # it does not say that deed or role: naming the Crew and someone says nothing of who leads
    lacks_deed: bool = False
    # gives the figure or date the sentence right before it leaves out, about that sentence's
    # subject ("I'm still planting fruit trees in my backyard." "At last count, I have 34")
    completes: bool = False

    def qualifies(self, min_support: float) -> bool:
        """Names the question's subject and speaks to what is asked about it."""
        floor = MIN_SIMILARITY_ALL_TERMS if self.all_terms else MIN_SIMILARITY
        if self.states_names:
            floor = 0.0  # a quote naming its speaker is far from "Who is …?" in meaning
        return (
            self.holds_answer
            and not self.other_case
            and not self.lacks_deed
            and self.similarity >= floor
            and self.name_coverage >= min_support
            and (
                self.topic_coverage >= min_support
                or (self.similarity >= STRONG_SIMILARITY and self.says_some_of_it(min_support))
            )
        )

    def says_some_of_it(self, min_support: float) -> bool:
        """Holds some of the question's terms itself, not only through the sentences before:
        "about 25 bodies a week are interred on the island" is near "How many people are
        buried on Hart Island in total?" in meaning, but says neither Hart Island nor a total."""
        return self.topic_coverage > 0 or self.stated_name_coverage >= min_support

    @property
    def score(self) -> float:
        return COVERAGE_WEIGHT * self.coverage + (1 - COVERAGE_WEIGHT) * self.similarity


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
        if shown.rstrip(CLOSING).endswith((".", "!", "?", "…"))
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


def score_sentences(
    question: str, passages: Sequence[Passage], idf: Idf, embed: Embed
) -> list[Candidate]:
    """Every distinct quotable sentence of the passages, scored against the question."""
    asked = with_names_written(read_question(question), [p.text for p in passages])
    weights, names = _weights(asked, idf)
    sentences = quotable_sentences(passages)
    if not sentences or not weights:
        return []
    similarities = _cosines(embed([question, *(s.text for s in sentences)]))
    topic = {t: w for t, w in weights.items() if t not in names}
    named = {t: w for t, w in weights.items() if t in names}
    speakers = [s.passage.speaker(s.start, s.end) for s in sentences]
    asked_who = asked_speakers(question, speakers)
    candidates = []
    for sentence, similarity, speaker in zip(sentences, similarities, speakers, strict=True):
        passage, text = sentence.passage, sentence.text
        by_asked = speaker in asked_who
        # X's own words are about X: X's name counts as found, the rest of the subject not
        own = asked.found(speaker, passage.text) if by_asked and speaker else set()
        found = asked.found(text, passage.text) | own
        # A name the title, the outlet ("the Atlantic writer") or the sentences just before
        # give is the sentence's subject too; so are their other terms when the sentence
        # refers back to the thing ("The tool was found …" after "a flint tool covered with
        # birch tar").
        framing = f"{passage.title}\n{passage.outlet or ''}\n{sentence.before}"
        context = asked.found(framing, passage.text)
        continues = refers_back(text, set(topic) & found)
        if not continues:
            context &= names
        if by_asked:  # a person quoted in a story speaks to what its headline says
            context |= asked.found(passage.title, passage.text)
        # The reply to a question is about what the question asks ("– How do you assess the
        # summit?" "– This was a landmark, historic event").
        context |= asked.found(sentence.answers, passage.text)
        candidates.append(
            Candidate(
                passage=passage,
                start=sentence.start,
                end=sentence.end,
                coverage=_share(weights, found),  # ranks a sentence naming it above one not
                similarity=similarity,
                name_coverage=_share(_without(named, own), found | context),
                topic_coverage=_share(_without(topic, own), found | context),
                holds_answer=asked.holds_answer(text, passage.text),
                all_terms=bool(topic) and set(weights) <= found | context,
                states_names=not topic and set(named) <= found,
                stated_name_coverage=_share(_without(named, own), found),
                continues=continues,
                by_asked=by_asked,
                # asked what X said, a sentence nobody is named as saying is not X's either,
                # unless it reports X speaking ("Meadows' office declined to comment")
                by_other=bool(asked_who)
                and not by_asked
                and not (speaker is None and reports_speech_of(asked_who, text, found)),
                holds=frozenset(found | context),
                states=frozenset(found),
                says_where=asked.says_where(text),
                describes=asked.describes_named(text),
                lacks_deed=lacks_deed(asked.deed, set(topic), found | context),
            )
        )
    if asked.expects is not None:
        candidates = completions(candidates, topic)
    candidates = [
        replace(c, other_case=True)
        if asked.names_another_instance(_text(c.passage, c.start, c.end))
        else c
        for c in candidates
    ]
    return other_cases(candidates, set(topic))


# Words by which a sentence leans on the one before for its subject.
_LEANS_BACK = frozenset("i we he she it they this that these those there his her its their".split())  # noqa: SIM905


def completions(candidates: Sequence[Candidate], topic: dict[str, float]) -> list[Candidate]:
    """Each sentence that holds the kind of answer asked for but none of the question's
    terms, right after a sentence of the same paragraph that holds some of them and no such
    answer, and leaning on it for its subject (a pronoun: "I'm still planting fruit trees in
    my backyard. At last count, I have 34"), takes that sentence's terms as its own, and
    its nearness in meaning: the two say together what neither says alone."""
    completed = []
    for before, candidate in zip([None, *candidates], candidates, strict=False):
        if (
            before is not None
            and candidate.holds_answer
            and not before.holds_answer
            and not set(topic) & candidate.states
            and set(topic) & before.states
            and _adjacent(before, candidate)
            and _LEANS_BACK & set(words(_text(candidate.passage, candidate.start, candidate.end)))
        ):
            holds = candidate.holds | before.states
            candidate = replace(
                candidate,
                holds=holds,
                topic_coverage=max(candidate.topic_coverage, _share(topic, set(holds))),
                coverage=max(candidate.coverage, before.coverage),
                similarity=max(candidate.similarity, before.similarity),
                completes=True,
            )
        completed.append(candidate)
    return completed


def _adjacent(first: Candidate, second: Candidate) -> bool:
    """Whether two sentences stand one right after the other in one paragraph."""
    if first.passage.chunk_id != second.passage.chunk_id or first.end > second.start:
        return False
    gap = _text(first.passage, first.end, second.start)
    return not gap.strip() and "\n" not in gap


def lacks_deed(deed: str | None, topic: set[str], held: set[str]) -> bool:
    """Asked who did something or has a role, whether a sentence leaves it unsaid: it holds
    neither the deed ("Who leads the Crew?": "The Crew endorsed Harris") nor, in other
    words, everything else the question asks ("A Rutgers-led team has created a
    blood-sampling robot" for "Who developed the blood-sampling robot?")."""
    if deed is None or deed in held:
        return False
    others = topic - {deed}
    return not (others and others <= held)


def other_cases(candidates: Sequence[Candidate], topic: set[str]) -> list[Candidate]:
    """Each sentence marked `other_case` when a sentence of its article without the kind of
    answer asked for says all of the question's terms it says, and one it lacks: the
    article speaks of the asked case apart and gives no figure for it. "For the 25 people
    whose veins were easy to access, the success rate was 97%" does not answer "What was the
    success rate for patients with difficult veins?" in an article that speaks of "success
    rates in patients with difficult veins" with no rate."""
    marked = []
    for candidate in candidates:
        lacks = topic - candidate.holds
        other_case = bool(lacks) and any(
            other.passage.article_id == candidate.passage.article_id
            and not other.holds_answer
            and other.states > candidate.states
            and other.states & lacks
            for other in candidates
        )
        marked.append(replace(candidate, other_case=other_case) if other_case else candidate)
    return marked


# Verbs by which a report says that someone spoke, or would not.
_SPEECH_VERB = re.compile(
    r"\b(?:said|says|told|tells|stated|comment\w*|declined|refused|denied|denies|responded|"
    r"replied|announced|wrote|posted|tweeted|confirmed|insisted|warned|urged|claimed)\b",
    re.IGNORECASE,
)


def reports_speech_of(asked_who: set[str], text: str, found: set[str]) -> bool:
    """Whether a sentence nobody is named as saying reports one of the asked speakers
    speaking: it names them and holds a verb of speaking ("Through a spokesperson, Meadows'
    congressional office declined to comment"). "Shoigu came to Azerbaijan from Iran" does
    not."""
    named = {canonical(t) for who in asked_who for t in terms(who)} & found
    return bool(named) and bool(_SPEECH_VERB.search(text))


def asked_speakers(question: str, speakers: Sequence[str | None]) -> set[str]:
    """The speakers a question asks what they said, thought or claimed ("what did Shoigu
    say": Sergey Shoigu); empty for other questions."""
    if not _ASKS_WHAT_SAID.search(question):
        return set()
    asked = set(terms(question))
    return {who for who in speakers if who and who != INTERVIEWER and asked & set(terms(who))}


def _without(weights: dict[str, float], dropped: set[str]) -> dict[str, float]:
    return {t: w for t, w in weights.items() if t not in dropped}


_DEFINITE = re.compile(r"\b(?:the|this|that|these|those|such)\s+([^\W\d_]+)", re.IGNORECASE)


def refers_back(sentence: str, terms_found: set[str]) -> bool:
    """Whether a sentence names one of the question's things as already known: "the tool",
    "this law" (a definite article or demonstrative right before it)."""
    return any(
        canonical(term) in terms_found
        for match in _DEFINITE.finditer(sentence)
        for term in terms(match[1])
    )


def _share(weights: dict[str, float], found: set[str]) -> float:
    """Weighted share of the terms found; 1.0 when there are none to find."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in found) / total if total else 1.0


def term_weights(question: str, idf: Idf) -> tuple[dict[str, float], set[str]]:
    """The question's content terms weighted by rarity (names counting double), and the names;
    the words naming the kind of answer ("which outlet") and framing words left out."""
    return _weights(read_question(question), idf)


def _weights(asked: Question, idf: Idf) -> tuple[dict[str, float], set[str]]:
    names = set(asked.names)
    weights = {
        term: idf(term) * (NAME_WEIGHT if term in names else 1.0)
        for term in asked.terms
        if term not in asked.kind_terms
    }
    return weights, names


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
        leads = _lead_in(candidate, candidates) if candidate.completes else []
        for sentence in (*leads, candidate, *_continuation(candidate, qualified)):
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


def _lead_in(sentence: Candidate, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The sentence right before one that completes it (`completes`): the answer's subject."""
    return [c for c in candidates if _adjacent(c, sentence)][-1:]


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
    return " ".join(fold(_text(candidate.passage, candidate.start, candidate.end)).split())


def in_reading_order(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The chosen sentences article by article (the article of the best one first), each
    article's in the order they stand."""
    articles = list(dict.fromkeys(c.passage.article_id for c in chosen))
    return sorted(chosen, key=lambda c: (articles.index(c.passage.article_id), c.start))


def _text(passage: Passage, start: int, end: int) -> str:
    return passage.text[start - passage.start : end - passage.start]


def _cosines(vectors: list[list[float]]) -> list[float]:
    """Cosine similarity of the first vector with each of the others."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    norms[norms == 0] = 1.0
    unit = matrix / norms[:, None]
    return [float(x) for x in unit[1:] @ unit[0]]
