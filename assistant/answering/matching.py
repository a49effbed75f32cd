"""What a question asks, and whether a sentence holds it: by meaning, not only by exact words.

A question's terms are stemmed content words (`terms`: "members" = "member"), folded for case
and diacritics ("Babaoğlu" = "Babaoglu"). Beyond that:

- a name matches across forms: an acronym stands for the capitalised words it abbreviates,
  derived from the text itself ("CSTO" = "Collective Security Treaty Organization"), and a
  country's new name for its old one (`COUNTRY_RENAMES`, the only hand-made list);
- a term matches its derivations sharing a stem of six letters or more ("member" =
  "membership"), and British and American spellings alike ("organisation" = "organization");
- the words that frame a question rather than say what it is about do not have to be found:
  the kind of thing asked for ("which *outlet*", "in what *year*"), verbs of speaking
  ("interviewed", "spoke") and of holding a role ("what position does X *hold*");
- what a question asks for constrains the answer: "how many" wants a number, "when" a date,
  "who" or "which outlet" a name the question does not already give.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from vectorstore.ingest.text import STOPWORDS, fold, is_name, terms, words

# Countries renamed in living memory: either name finds the other. The only alias list.
COUNTRY_RENAMES = {
    "turkiye": "turkey",
    "czechia": "czech",
    "eswatini": "swaziland",
    "myanmar": "burma",
    "kyiv": "kiev",
    "belarus": "byelorussia",
}
# Words that frame a question without being its subject: speaking, interviewing and judging
# (news reports speech and opinion with many verbs), holding a role, modal verbs, "how many",
# and adverbs of time a sentence rarely repeats.
FRAMING = frozenset(
    """interview interviewed interviews interviewing speak speaks spoke speaking spoken comment
    comments commented remark remarks remarked note notes noted emphasize emphasized emphasise
    emphasised stress stressed hold holds held play plays played serve serves served still yet
    already ever really actually currently many much may might must shall criticise criticises
    criticised criticize criticizes criticized praise praised condemn condemned welcome welcomed
    deny denied urge urged argue argued insist insisted suggest suggested acknowledge
    acknowledged admit admitted assess assessed evaluate evaluated consider considers considered
    regard regards regarded see sees saw""".split()  # noqa: SIM905 -- a word list reads better as text
)
# Question words after which the next words name the kind of answer ("which outlet").
_WH = frozenset({"what", "which"})
# Words that end that kind: an auxiliary starts the rest of the question.
_AUXILIARIES = frozenset(
    "is are was were do does did has have had will would can could should may might must".split()  # noqa: SIM905
)
_DATE_KINDS = frozenset({"year", "date", "day", "month", "time"})
_CALENDAR_KINDS = frozenset({"year", "date", "month"})
_NUMBER_KINDS = frozenset(
    """number percentage percent share rate amount price cost figure toll total size population
    age gdp budget salary income revenue""".split()  # noqa: SIM905
)
# "What is the population of …", "What was the robot's success rate …": the thing asked for.
_WHAT_IS_THE = re.compile(r"\bwhat (?:is|was|are|were|will be) the ([^?]*)", re.I)
_HOW_NUMBER = re.compile(r"\bhow (?:many|much|large|big|old|long|far|high|fast|often)\b", re.I)
# A question about what something costs wants an amount of money.
_PRICE = re.compile(
    r"\b(?:cost|costs|price|prices|priced|pay|paid|fee|fees|spend|spent|worth)\b", re.I
)
_MONEY = re.compile(
    r"[$€£¥₽]\s?\d|\d\s?(?:[$€£¥₽]|dollars?|euros?|pounds?|rubles?|roubles?|yuan|yen|cents?"
    r"|pence|usd|eur|gbp)\b|\b(?:free of charge|for free)\b",
    re.I,
)
_WHEN = re.compile(r"\bwhen\b", re.I)
_WHO = re.compile(r"^\W*(?:who|whom)\b", re.I)
_WHERE = re.compile(r"\bwhere\b", re.I)
_NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?"
    r"|thousands?|millions?|billions?|trillions?|half|twice|double|triple)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)s?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
    r"\.?\s+\d|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow"
    r"|spring|summer|autumn|fall|winter|last (?:week|month|year)|next (?:week|month|year))\b",
    re.I,
)
# A calendar date: a year, or a day of a month.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_CALENDAR = re.compile(
    rf"\b(?:1[89]\d\d|20\d\d)s?\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}",
    re.I,
)
# A date standing as an adjective before a noun: "a 26 December 2019 ruling", "the 2020 race".
_DATE_PHRASE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{4}}|(?:1[89]|20)\d\d)"
)
_ATTRIBUTIVE_DATE = re.compile(
    rf"(?P<det>\b(?:a|an|the|its|his|her|their|this|that)\s+){_DATE_PHRASE}\s+"
    r"(?!(?:and|or|but|to|in|on|at|of|for|by|with|from|when|as|was|is|were|are|has|had|will"
    r"|would|after|before|until|since)\b)(?P<noun>[a-z][a-z-]{2,})\b",
    re.I,
)
# A capitalised word, or a short word that may join the words of one name ("Bank of England").
_TOKEN = re.compile(r"[^\W_][\w'’.-]*", re.UNICODE)
_JOINERS = frozenset({"of", "and", "for", "the", "on", "de", "&"})
# Derivations share a stem at least this long ("member" in "membership").
MIN_SHARED_STEM = 6

# "when" wants a date ("last week" will do); "what date", "which year" a calendar date.
Kind = Literal["number", "date", "calendar", "name", "money"]


@dataclass(frozen=True)
class Question:
    """A question's terms (canonical stems) and what its answer must hold."""

    terms: tuple[str, ...]
    names: frozenset[str]
    kind_terms: frozenset[str] = frozenset()  # "outlet" in "which outlet": found or not, no matter
    expects: Kind | None = None
    # Each multi-word name the question gives, with the acronym that stands for it.
    spelled_out: tuple[tuple[str, frozenset[str]], ...] = field(default=())
    acronyms: frozenset[str] = frozenset()  # "csto" for "CSTO"
    # Each name of several words ("David Marcus"): a later "Mr. Marcus" refers to it.
    full_names: tuple[tuple[str, ...], ...] = ()

    def found(self, text: str, surroundings: str = "") -> set[str]:
        """The question's terms a text holds, by any of their forms. A name counts only where
        it is written as one (capitalised: "Powers" is not "power"); a full name's last word
        alone counts as the full name where `surroundings` (its article) spell it out."""
        present = text_terms(text)
        named = set(_name_terms(text))
        hits = {t for t in self.terms if t not in self.names and _matches(t, present)}
        hits |= self.names & named
        hits |= _short_references(self.full_names, text, surroundings)
        if self.acronyms:  # the question abbreviates what the text spells out
            hits |= self.acronyms & _acronyms_of(text)
        abbreviated = _abbreviations(text)
        for acronym, parts in self.spelled_out:  # the text abbreviates what the question spells
            if acronym in abbreviated:
                hits |= parts
        return hits

    def holds_answer(self, text: str) -> bool:
        """Whether a text holds the kind of thing asked for (a number, a date, a new name)."""
        if self.expects == "number":
            return bool(_NUMBER.search(text))
        if self.expects == "date":
            return bool(_DATE.search(self._own_dates(text)))
        if self.expects == "calendar":
            return bool(_CALENDAR.search(self._own_dates(text)))
        if self.expects == "name":
            return bool(set(_name_terms(text)) - self.names - self.kind_terms)
        if self.expects == "money":
            return bool(_MONEY.search(text))
        return True

    def _own_dates(self, text: str) -> str:
        """The text without the dates that belong to something the question does not ask
        about: "a 26 December 2019 ruling" dates a ruling, not a block."""

        def keep(found: re.Match[str]) -> str:
            noun = {canonical(t) for t in terms(found["noun"])}
            return found[0] if noun & set(self.terms) else found["det"]

        return _ATTRIBUTIVE_DATE.sub(keep, text)


def read_question(question: str) -> Question:
    """What a question asks: its terms, its names, the kind of answer it wants."""
    names = frozenset(_name_terms(question))
    kind = _kind_words(question)
    kind_terms = frozenset(canonical(t) for t in terms(" ".join(kind)))
    framing = set(terms(" ".join(FRAMING)))
    question_terms = tuple(dict.fromkeys(canonical(t) for t in terms(question) if t not in framing))
    spelled_out = tuple((acronym, frozenset(parts)) for acronym, parts in _spelled_names(question))
    return Question(
        terms=question_terms,
        names=names,
        kind_terms=kind_terms,
        expects=_expects(question, kind),
        spelled_out=spelled_out,
        acronyms=frozenset(_abbreviations(question)) & frozenset(question_terms),
        full_names=tuple(_full_names(question)),
    )


def with_names_written(asked: Question, texts: Sequence[str]) -> Question:
    """The question with the words it writes in lower case that the texts only ever write
    capitalised, inside a sentence, taken as names ("what did shoigu say about ukraine")."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for found in _RUNNING_WORD.finditer(text):
            word = found[0]
            if word[:1].isupper():
                if not _opens_sentence(text, found.start()):
                    capitalised.update(canonical(t) for t in terms(word))
            else:
                lower.update(canonical(t) for t in terms(word))
    written = {t for t in asked.terms if t in capitalised - lower} - asked.names
    if not written:
        return asked
    return replace(asked, names=asked.names | written)


_RUNNING_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence or line ("Blackouts began …"): its
    capital says nothing about it being a name."""
    at = start - 1
    while at >= 0 and text[at] != "\n" and (text[at].isspace() or text[at] in "\"“”«»'‘’(–—-"):
        at -= 1
    return at < 0 or text[at] in ".!?:;\n"


def search_text(question: str) -> str:
    """What to search for: the question without the words that frame it ("Which outlet
    interviewed Ivan Timofeev?" looks for "Which outlet Ivan Timofeev?"), which would
    otherwise find every interview but the one asked about."""
    kept = [w for w in question.split() if fold(w).strip("?!.,;:'\"") not in FRAMING]
    return " ".join(kept) if any(is_name(w) or fold(w) not in STOPWORDS for w in kept) else question


def canonical(term: str) -> str:
    """One spelling for a stem: a country's current name, American -ize for British -ise."""
    term = _renames().get(term, term)
    if len(term) >= MIN_SHARED_STEM and term.endswith(("is", "ys")):
        return term[:-1] + "z"
    return term


@lru_cache(maxsize=4096)  # a passage is the surroundings of each of its sentences
def text_terms(text: str) -> frozenset[str]:
    """A text's terms, canonical."""
    return frozenset(canonical(t) for t in terms(text))


def _abbreviations(text: str) -> set[str]:
    """The acronyms a text writes in capitals ("CSTO", "U.S."), folded."""
    return {fold(w).replace(".", "") for w in _TOKEN.findall(text) if len(w) >= 2 and w.isupper()}


def _matches(term: str, present: frozenset[str]) -> bool:
    if term in present:
        return True
    if len(term) < MIN_SHARED_STEM:
        return False
    return any(
        len(other) >= MIN_SHARED_STEM and (other.startswith(term) or term.startswith(other))
        for other in present
    )


@lru_cache(maxsize=1)
def _renames() -> dict[str, str]:
    return {terms(new)[0]: terms(old)[0] for new, old in COUNTRY_RENAMES.items()}


def _name_terms(text: str) -> list[str]:
    """Canonical terms of the capitalised words of a text (a sentence's first word too)."""
    return [canonical(t) for word in text.split() if is_name(word) for t in terms(word)]


def _kind_words(question: str) -> list[str]:
    """The words naming the kind of answer: "outlet" in "Which outlet interviewed …", "storage
    density" in "What storage density does …" (up to an auxiliary, else the first word)."""
    tokens = words(question)
    for i, token in enumerate(tokens):
        if token not in _WH:
            continue
        following = tokens[i + 1 : i + 4]
        if not following or following[0] in STOPWORDS:
            return []
        for j, word in enumerate(following):
            if word in _AUXILIARIES:
                return following[:j]
        return following[:1]
    return []


def _expects(question: str, kind: list[str]) -> Kind | None:
    kind_set = set(kind)
    asked_for = _WHAT_IS_THE.search(question)
    if asked_for:  # up to "of", "for", "in": "the population of Georgia" asks for a population
        head = re.split(r"\b(?:of|for|in|on|at|by|with|from|to|among|between)\b", asked_for[1])[0]
        kind_set |= set(words(head))
    if _PRICE.search(question):
        return "money"
    if _HOW_NUMBER.search(question) or kind_set & _NUMBER_KINDS:
        return "number"
    if kind_set & _CALENDAR_KINDS:
        return "calendar"
    if _WHEN.search(question) or kind_set & _DATE_KINDS:
        return "date"
    if _WHO.search(question) and not re.match(r"^\W*who (?:is|are|was|were)\b", question, re.I):
        return "name"  # "Who estimated …" wants a person; "Who is X?" wants what X is
    if _WHERE.search(question):
        return "name"  # a place
    if kind and all(w not in STOPWORDS for w in kind) and _is_entity_kind(kind[-1]):
        return "name"
    return None


# Kinds of answer that are named things: "which outlet", "which company", "which country".
_ENTITY_KINDS = frozenset(
    """outlet outlets newspaper newspapers agency agencies channel company companies firm firms
    country countries city cities organization organizations organisation organisations
    party parties airline airlines carrier carriers university universities person people
    official officials minister ministers state states""".split()  # noqa: SIM905
)


def _is_entity_kind(word: str) -> bool:
    return word in _ENTITY_KINDS


_HONORIFICS = frozenset("mr mrs ms miss dr prof sir gov sen rep gen president".split())  # noqa: SIM905


def _full_names(question: str) -> list[tuple[str, ...]]:
    """Runs of two or more capitalised words of a question, as their terms ("David Marcus")."""
    names = []
    for run in _capitalised_runs(question, joiners=False):
        parts = tuple(canonical(t) for t in terms(" ".join(run)))
        if len(parts) >= 2:
            names.append(parts)
    return names


def _short_references(
    full_names: Sequence[tuple[str, ...]], text: str, surroundings: str
) -> set[str]:
    """The full names referred to by their last word alone ("Marcus said", "Mr. Marcus"): a
    capitalised word standing apart from other names, in an article that spells the full name
    out. "Island" in "Long Island Sound" is not "Hart Island"."""
    if not full_names:
        return set()
    alone: set[str] = set()
    for run in _capitalised_runs(text, joiners=False):
        words_ = [w for w in run if fold(w).rstrip(".") not in _HONORIFICS]
        if len(words_) == 1:
            alone.update(canonical(t) for t in terms(words_[0]))
    return {
        part
        for name in full_names
        if name[-1] in alone and set(name) <= text_terms(surroundings)
        for part in name
    }


def _capitalised_runs(text: str, joiners: bool = True) -> Iterable[list[str]]:
    """Runs of consecutive capitalised words; with `joiners`, "of" and "and" may join them."""
    run: list[str] = []
    for token in [*_TOKEN.findall(text), ""]:
        if token[:1].isupper() and is_name(token):
            run.append(token)
        elif joiners and token.lower() in _JOINERS and run:
            continue
        else:
            if run:
                yield run
            run = []


@lru_cache(maxsize=4096)
def _acronyms_of(text: str) -> frozenset[str]:
    return frozenset(acronym for acronym, _ in _spelled_names(text))


def _spelled_names(text: str) -> Iterable[tuple[str, set[str]]]:
    """Each run of two or more capitalised words, as (acronym, its canonical terms): every
    stretch of "the Collective Security Treaty Organization" gives "csto", "sto", ….
    Joining words ("of", "and") are skipped, as acronyms skip them."""
    for run in _capitalised_runs(text):
        yield from _acronyms(run)


def _acronyms(run: list[str]) -> Iterable[tuple[str, set[str]]]:
    for start in range(len(run)):
        for end in range(start + 2, min(len(run), start + 8) + 1):
            part = run[start:end]
            acronym = fold("".join(word[0] for word in part))
            yield acronym, {canonical(t) for t in terms(" ".join(part))}
