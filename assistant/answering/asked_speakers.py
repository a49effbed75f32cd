"""Whom a question asks what they said, thought or claimed: by name ("what did Shoigu say":
Sergey Shoigu) or by what the articles call them ("According to the Newcastle Central MP, …"
for "Chi Onwurah, the Labour MP for Newcastle Central, said …"; "the former chief whip's
complaint" for "Former chief whip Mark Harper told him …").

A speaker is asked by description when the words the articles put around their name (the
title before it, the apposition after it) hold two or more of the question's terms, and more
than any other speaker's do. The question's words from the first of those terms to the last
("the spokeswoman for the Wilson County school system") then say who speaks, not what about:
the speaker's sentences need not repeat them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answering.matching import Question
from assistant.answering.names import canonical
from vectorstore.ingest.attribution import INTERVIEWER
from vectorstore.ingest.name_runs import organisation
from vectorstore.ingest.text import terms
from vectorstore.search.retrieval import Passage

# An article's whole text by its id, when the index has it.
ArticleText = Callable[[str], "str | None"]
# A question about what someone says or thinks ("what did X say", "according to X").
ASKS_WHAT_SAID = re.compile(
    r"\b(?:say|says|said|claim\w*|think\w*|thought|believ\w*|warn\w*|argu\w*|stress\w*|"
    r"emphasi\w*|according|view|opinion|assess\w*|describ\w*|consider\w*|criticis\w*|"
    r"criticiz\w*|tell|told|explain\w*|mention\w*|comment\w*|see|sees|stance|recall\w*|"
    r"characteri[sz]\w*|complain|complains|complained|find|finds|found|feel|feels|felt|"
    r"ask|asks|asked)\b",
    re.IGNORECASE,
)
# The least number of the question's terms a description must hold to pick out its speaker.
MIN_DESCRIBED_TERMS = 2
# A question that names its speaker by a pronoun, and words after which comes its subject.
_PRONOUN = re.compile(r"\b(?:he|she|they|him|her|them)\b", re.IGNORECASE)
_ABOUT = frozenset({"of", "about", "on", "regarding", "toward", "towards", "over", "with"})
# A title before a name, within its clause: "Former chief whip Mark Harper".
_TITLE_BEFORE = re.compile(r"(?:^|[.,;:!?\"“”(])\s*([^.,;:!?\"“”()]{0,80})$")
# An apposition after a name: ", the Labour MP for Newcastle Central,".
_APPOSITION_AFTER = re.compile(r"^\s*,\s*([^,.;:!?\"“”()]{1,100})")


@dataclass(frozen=True)
class AskedSpeakers:
    """The speakers a question asks about, and the question's terms that only say who they
    are (empty when it names them)."""

    names: frozenset[str] = frozenset()
    describing: frozenset[str] = frozenset()


def asked_speakers(
    question: str,
    asked: Question,
    speakers: Sequence[str | None],
    passages: Sequence[Passage],
    article_text: ArticleText | None = None,
) -> AskedSpeakers:
    """The speakers `question` asks what they said: those it names, else the one the
    articles describe in its words (read whole through `article_text` when given: the
    passages quoting someone seldom hold the sentence presenting them); nobody for a question
    about something else."""
    if not ASKS_WHAT_SAID.search(question):
        return AskedSpeakers()
    people = {who for who in speakers if who and who != INTERVIEWER}
    # whom it is said to ("told Oprah", "complaint to Matt Hancock") is not who speaks
    question_terms = {canonical(t) for t in terms(question)} - asked.kind_terms
    whom = question_terms - _subject(question)
    owners = _possessors(question)
    named = {who for who in people if _names(whom - owners, who)}
    if named:
        return AskedSpeakers(frozenset(named))
    if _PRONOUN.search(question):
        return AskedSpeakers()  # "What does he think of …": who he is, the chat says
    # "Meadows' deputy chief of staff" is someone the articles describe so; "Meadows'
    # congressional office", described as nobody else, speaks for Meadows
    owning = {who for who in people if _names(whom, who)}
    sayer = _SAYER.search(question)
    if sayer and not owning:
        # "What did Tsai Ing-wen say …" where no sentence is hers: only a report of her
        # speaking answers, not "Tsai Ing-wen speaks during a televised debate"
        return AskedSpeakers(frozenset({sayer[1]}))
    texts = article_texts(passages, article_text)
    described = _described(question, asked, people, texts, owners)
    return described if described.names else AskedSpeakers(frozenset(owning))


def _described(
    question: str, asked: Question, people: set[str], texts: Sequence[str], owners: set[str]
) -> AskedSpeakers:
    """The speakers whom the texts call by the question's words (see the module's note); the
    owner in "Meadows' deputy chief of staff" says whose, not who: the rest must match."""
    terms_ = set(asked.terms) - owners
    held = {who: asked.found(description(who, texts)) & terms_ for who in people}
    most = max((len(found) for found in held.values()), default=0)
    if most < MIN_DESCRIBED_TERMS:
        return AskedSpeakers()
    chosen = {who for who, found in held.items() if len(found) == most}
    matched = set().union(*(held[who] for who in chosen))
    span = _span(question, matched)
    if span is None:
        return AskedSpeakers()
    return AskedSpeakers(frozenset(chosen), frozenset(span))


# The person a question asks what they said, by full name: "What did Tsai Ing-wen say about
# …" ("Russia" in "What does Russia claim …" speaks through its officials).
_SAYER = re.compile(
    r"\b(?:did|does|do|has|have|had|will|would)\s+((?:[A-Z][\w'’.-]*\s+){1,3}[A-Z][\w'’.-]*)\s+"
    r"(?:say|tell|claim|think|believe|argue|warn|write|state)\b"
)
# A name written as the owner of what follows: "Meadows'" in "Meadows' deputy chief of staff".
_POSSESSOR = re.compile(r"\b([A-Z][\w-]*)(?:['’]s?)\s+(?=[a-z])")


def _possessors(question: str) -> set[str]:
    """The terms of names a question writes as the owner of someone ("how did Meadows'
    deputy chief of staff describe himself"): whose they are, not who speaks."""
    return {canonical(t) for found in _POSSESSOR.finditer(question) for t in terms(found[1])}


def _subject(question: str) -> set[str]:
    """The terms of what a question asks someone's words about: after "about", "of", "on" …
    following its verb of saying ("Bloomberg" in "what did the editor find shocking about
    Bloomberg"), whoever else it names."""
    said = ASKS_WHAT_SAID.search(question)
    tokens = question[said.end() :].split() if said else []
    about = next((i for i, word in enumerate(tokens) if word.lower() in _ABOUT), None)
    if about is None:
        return set()
    return {canonical(t) for t in terms(" ".join(tokens[about + 1 :]))}


def _names(question_terms: set[str], speaker: str) -> bool:
    """Whether a question names a speaker: a person by any of their names, an organisation
    whole ("Wilson County" is not "Broward County")."""
    parts = {canonical(t) for t in terms(speaker)}
    return parts <= question_terms if organisation(speaker) else bool(parts & question_terms)


def article_texts(passages: Sequence[Passage], article_text: ArticleText | None) -> list[str]:
    """The passages' articles whole, where `article_text` has them; else the passages."""
    texts = []
    for article_id in dict.fromkeys(p.article_id for p in passages):
        whole = article_text(article_id) if article_text else None
        texts += [whole] if whole else [p.text for p in passages if p.article_id == article_id]
    return texts


def description(speaker: str, texts: Sequence[str]) -> str:
    """What the texts call a speaker: the words before each mention of their surname in its
    clause, and the apposition right after it."""
    surname = speaker.split()[-1]
    found = []
    for text in texts:
        for mention in re.finditer(rf"\b{re.escape(surname)}\b", text):
            before = _TITLE_BEFORE.search(text[max(0, mention.start() - 80) : mention.start()])
            after = _APPOSITION_AFTER.match(text[mention.end() :])
            found += [before[1] if before else "", after[1] if after else ""]
    return "\n".join(found)


def _span(question: str, matched: set[str]) -> set[str] | None:
    """The terms of the question's words from the first matched term to the last; None when
    those words are what the question asks about ("think of the European Union"), not whom."""
    tokens = question.split()
    words = [{canonical(t) for t in terms(word)} for word in tokens]
    hits = [i for i, found in enumerate(words) if found & matched]
    if not hits:
        return None
    before = [w.lower() for w in tokens[: hits[0]] if w.lower() not in ("the", "a", "an")]
    if len(before) > 1 and before[-1] in _ABOUT and ASKS_WHAT_SAID.fullmatch(before[-2]):
        return None  # "think of", "say about": the subject; "the head of": who
    return set().union(*words[hits[0] : hits[-1] + 1])
