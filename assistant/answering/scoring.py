"""How well each sentence of the retrieved passages answers a question.

A sentence is scored by how much of the question's subject it holds (its content terms,
weighted by how rare they are in the corpus, matched by meaning: see `matching`) and by its
embedding similarity to the question, and marked with what decides whether it may answer:
the kind of thing asked for (a number for "how many", a date for "when"), another case or
edition than the one asked about, who says it.

Only a statement is scored (see `sentences`). A name the article's title, its outlet or the
sentences before give ("Speaking with Alpha News, …" under a headline naming Timofeev; "The
effort …" after the sentence naming it; the end of the chunk before, when retrieved too)
counts as present; so does all a question asks in the reply that opens the line after it (an
interview's answer), and the subject of the sentence a figure completes ("I'm still planting
fruit trees in my backyard. At last count, I have 34").

"What did X say / claim / think …" prefers X's own sentences (their speaker, found at ingest):
X's name counts as contained in them, they come first, and a sentence another speaker says
(an interviewer's question, someone quoted about X), or one the text gives no speaker ("Shoigu
came to Azerbaijan from Iran"), is not quoted as what X said. A question typed in lower case
still names: a word the passages only write capitalised is a name ("what did shoigu say").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.answering.asked_speakers import ArticleText, article_texts, asked_speakers
from assistant.answering.candidate import Candidate, adjacent, text_of
from assistant.answering.matching import (
    Question,
    read_question,
    with_names_written,
    with_surnames,
)
from assistant.answering.names import canonical, text_terms
from assistant.answering.sentences import quotable_sentences
from vectorstore.ingest.text import STOPWORDS, terms, words
from vectorstore.search.retrieval import Passage
from vectorstore.search.similarity import cosines

# Names (capitalised words: Georgia, SCO, Kalugin) are the subject of a question; a sentence
# about "the population of Azerbaijan" does not answer "the population of Georgia".
NAME_WEIGHT = 2.0

# Kinds of answer a sentence may give for the one before it ("At last count, I have 34").
_FIGURES = frozenset({"number", "share", "money", "date", "calendar"})
Embed = Callable[[list[str]], list[list[float]]]
Idf = Callable[[str], float]


def score_sentences(
    question: str,
    passages: Sequence[Passage],
    idf: Idf,
    embed: Embed,
    article_text: ArticleText | None = None,
) -> list[Candidate]:
    """Every distinct quotable sentence of the passages, scored against the question;
    `article_text` gives a passage's article whole (what it calls its speakers)."""
    asked = with_names_written(read_question(question), [p.text for p in passages])
    asked = with_surnames(asked, article_texts(passages, article_text))
    weights, names = _weights(asked, idf)
    sentences = quotable_sentences(passages)
    if not sentences or not weights:
        return []
    similarities = _cosines(embed([question, *(s.text for s in sentences)]))
    topic = {t: w for t, w in weights.items() if t not in names}
    named = {t: w for t, w in weights.items() if t in names}
    speakers = [s.passage.speaker(s.start, s.end) for s in sentences]
    asked_who = asked_speakers(question, asked, speakers, passages, article_text)
    deed_word = next((w for w in words(question) if asked.deed in text_terms(w)), asked.deed)
    candidates = []
    for sentence, similarity, speaker in zip(sentences, similarities, speakers, strict=True):
        passage, text = sentence.passage, sentence.text
        by_asked = speaker in asked_who.names
        # X's own words are about X: X's name (or the question's words for X) counts as
        # found, the rest of the subject not
        own = (
            asked.found(speaker, passage.text) | asked_who.describing
            if by_asked and speaker
            else set()
        )
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
                by_other=bool(asked_who.names)
                and not by_asked
                and not (speaker is None and reports_speech_of(asked_who.names, text, found)),
                holds=frozenset(found | context),
                states=frozenset(found),
                says_where=asked.says_where(text),
                describes=asked.describes_named(text),
                lacks_deed=asked.deed is not None and asked.deed not in found | context,
            )
        )
    candidates = deeds_in_other_words(candidates, deed_word, embed, frozenset(weights))
    if asked.expects in _FIGURES:  # a name after "It" is seldom what the sentence before lacked
        candidates = completions(candidates, topic)
    candidates = [
        replace(c, other_case=True)
        if asked.names_another_instance(text_of(c.passage, c.start, c.end))
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
            and adjacent(before, candidate)
            and _LEANS_BACK & set(words(text_of(candidate.passage, candidate.start, candidate.end)))
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


# How many of the best sentences lacking the deed asked for are read for it in other words.
DEED_READINGS = 8


def deeds_in_other_words(
    candidates: list[Candidate], deed_word: str | None, embed: Embed, question_terms: frozenset[str]
) -> list[Candidate]:
    """Asked who did something, has a role, or how many a deed was done to, the sentences
    that say the deed in other words no longer lack it: "A Rutgers-led team has created a
    blood-sampling robot" for "Who developed the blood-sampling robot?", "about 25 bodies a
    week are interred" for "how many bodies were buried"; not "… an illegal party, involving
    up to 200 students" for "How many students were fined over the illegal party?". Only the
    best few are read: the rest would not be quoted."""
    lacking = sorted((c for c in candidates if c.lacks_deed), key=lambda c: -c.score)
    said = {
        id(c)
        for c in lacking[:DEED_READINGS]
        if says_in_other_words(deed_word, text_of(c.passage, c.start, c.end), embed, question_terms)
    }
    return [replace(c, lacks_deed=False) if id(c) in said else c for c in candidates]


# The least embedding similarity of a sentence's word to the deed asked for that says it in
# other words, measured with the bundled MiniLM on single words: "created" for "developed"
# 0.53, "interred" for "buried" 0.74; not "outrageous" for "fined" 0.47, "debate" for
# "opponent" 0.41. Words of the same topic come close, so the bar is high.
DEED_PARAPHRASE = 0.5


def says_in_other_words(
    word: str | None, text: str, embed: Embed, question_terms: frozenset[str]
) -> bool:
    """Whether a word of a text that is none of the question's other terms is near `word`
    in meaning ("illegal" is near "fined", but stands for the question's own "illegal")."""
    if word is None:
        return False
    others = [
        w
        for w in dict.fromkeys(words(text))
        if w not in STOPWORDS and w.isalpha() and not text_terms(w) & question_terms
    ]
    if not others:
        return False
    return max(_cosines(embed([word, *others]))) >= DEED_PARAPHRASE


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
    r"replied|announced|wrote|posted|tweeted|confirmed|insisted|warned|urged|claimed|"
    r"described|describes|called|calls|branded|added|adds|noted|notes|argued|argues|"
    r"explained|explains|admitted|acknowledged|suggested|stressed|emphasi[sz]ed)\b",
    re.IGNORECASE,
)


def reports_speech_of(asked_who: frozenset[str], text: str, found: set[str]) -> bool:
    """Whether a sentence nobody is named as saying reports one of the asked speakers
    speaking: it names them and holds a verb of speaking ("Through a spokesperson, Meadows'
    congressional office declined to comment"). "Shoigu came to Azerbaijan from Iran" does
    not."""
    named = {canonical(t) for who in asked_who for t in terms(who)} & found
    return bool(named) and bool(_SPEECH_VERB.search(text))


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


def _weights(asked: Question, idf: Idf) -> tuple[dict[str, float], set[str]]:
    names = set(asked.names)
    weights = {
        term: idf(term) * (NAME_WEIGHT if term in names else 1.0)
        for term in asked.terms
        if term not in asked.kind_terms
    }
    return weights, names


def _cosines(vectors: list[list[float]]) -> list[float]:
    """Cosine similarity of the first vector with each of the others."""
    return cosines(vectors[0], vectors[1:])
