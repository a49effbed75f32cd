"""Names and canonical terms: one spelling for a stem, the names a text writes (capitalised,
acronyms and what they stand for, full names and their short references), and where a word
only looks like a name because it opens a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from vectorstore.ingest.text import STOPWORDS, fold, is_name, terms

# Countries renamed in living memory: either name finds the other. The only alias list.
COUNTRY_RENAMES = {
    "turkiye": "turkey",
    "czechia": "czech",
    "eswatini": "swaziland",
    "myanmar": "burma",
    "kyiv": "kiev",
    "belarus": "byelorussia",
}

# Demonyms that do not end a place's name: "Greek" for Greece. The rest are found by their
# endings ("Armenian" for Armenia, "Japanese" for Japan, "Italian" for Italy).
IRREGULAR_DEMONYMS = {
    "greek": "greece",
    "french": "france",
    "german": "germany",
    "dutch": "netherlands",
    "british": "britain",
    "spanish": "spain",
    "swiss": "switzerland",
    "welsh": "wales",
    "scottish": "scotland",
    "irish": "ireland",
    "english": "england",
    "polish": "poland",
    "finnish": "finland",
    "danish": "denmark",
    "swedish": "sweden",
    "filipino": "philippines",
    "thai": "thailand",
}
# Stem endings: a place's ("Armenia", "Italy" → "itali", "Greece" → "greec") and its
# demonym's ("Armenian", "Italian", "Chinese" → "chines", "Azerbaijani").
_PLACE_ENDINGS = frozenset({"", "a", "e", "i", "o", "y", "ey", "us"})  # "us": Caucasus, Caucasian
_DEMONYM_ENDINGS = frozenset({"n", "an", "ian", "ean", "i", "es", "ese", "ish", "ern"})
_DEMONYM_STEM = 4  # the least they share: "iran" in "Iranian"

# Roles named by who holds them; stems (see `canonical`).
_ROLES = {
    "spokeswoman": "spokesperson",
    "spokesman": "spokesperson",
    "chairwoman": "chair",
    "chairman": "chair",
    "chairperson": "chair",
    "congresswoman": "congressman",
}

# A capitalised word, or a short word that may join the words of one name ("Bank of England").
_TOKEN = re.compile(r"[^\W_][\w'’.-]*", re.UNICODE)
_JOINERS = frozenset({"of", "and", "for", "the", "on", "de", "&"})

# Derivations share a stem at least this long ("member" in "membership").
MIN_SHARED_STEM = 6

RUNNING_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def opening_terms(text: str) -> set[str]:
    """The terms of the words that open a text's sentences or clauses after a colon."""
    return {
        canonical(t)
        for found in RUNNING_WORD.finditer(text)
        if opens_sentence(text, found.start())
        for t in terms(found[0])
    }


@lru_cache(maxsize=256)
def lower_case_terms(text: str) -> frozenset[str]:
    """The terms of the words a text writes in lower case."""
    return frozenset(
        canonical(t)
        for word in RUNNING_WORD.findall(text)
        if word[:1].islower()
        for t in terms(word)
    )


def opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence or line ("Blackouts began …"): its
    capital says nothing about it being a name."""
    at = start - 1
    while at >= 0 and text[at] != "\n" and (text[at].isspace() or text[at] in "\"“”«»'‘’(–—-"):
        at -= 1
    return at < 0 or text[at] in ".!?:;\n"


def canonical(term: str) -> str:
    """One spelling for a stem: a country's current name, American -ize for British -ise,
    one word for a role whatever the holder ("spokeswoman" and "spokesman": spokesperson)."""
    term = _renames().get(term, term)
    term = _ROLES.get(term, term)
    if len(term) >= MIN_SHARED_STEM and term.endswith(("is", "ys")):
        return term[:-1] + "z"
    return term


@lru_cache(maxsize=4096)  # a passage is the surroundings of each of its sentences
def text_terms(text: str) -> frozenset[str]:
    """A text's terms, canonical."""
    return frozenset(canonical(t) for t in terms(text))


def abbreviations(text: str) -> set[str]:
    """The acronyms a text writes in capitals ("CSTO", "U.S."), folded."""
    return {fold(w).replace(".", "") for w in _TOKEN.findall(text) if len(w) >= 2 and w.isupper()}


@lru_cache(maxsize=1)
def _renames() -> dict[str, str]:
    return {terms(new)[0]: terms(old)[0] for new, old in COUNTRY_RENAMES.items()}


def name_terms(text: str) -> list[str]:
    """Canonical terms of the capitalised words of a text (a sentence's first word too)."""
    return [canonical(t) for word in text.split() if is_name(word) for t in terms(word)]


_HONORIFICS = frozenset("mr mrs ms miss dr prof sir gov sen rep gen president".split())  # noqa: SIM905


def full_names(question: str) -> list[tuple[str, ...]]:
    """Runs of two or more capitalised words of a question, as their terms ("David Marcus")."""
    names = []
    for run in _capitalised_runs(question, joiners=False):
        parts = tuple(canonical(t) for t in terms(" ".join(run)))
        if len(parts) >= 2:
            names.append(parts)
    return names


def surnames(first_names: Iterable[str], texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each first name, the last words of the full names the texts open with it ("Oprah":
    "Winfrey" where an article writes "Oprah Winfrey"): a question may name a person by the
    one, a sentence by the other."""
    wanted = set(first_names)
    found: dict[str, set[str]] = {}
    for text in texts:
        for run in _capitalised_runs(text, joiners=False):
            words_ = [w for w in run if fold(w).rstrip(".") not in _HONORIFICS]
            if len(words_) < 2:
                continue
            first = {canonical(t) for t in terms(words_[0])} & wanted
            for name in first:
                found.setdefault(name, set()).update(canonical(t) for t in terms(words_[-1]))
    return {name: frozenset(last - {name}) for name, last in found.items()}


def short_references(
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


# "the feature" after "the new “FaceTime Attention Correction” feature": a definite noun, and
# a name written right before the same noun.
_THE_NOUN = re.compile(r"\b(?:the|this|that)\s+([a-z][a-z-]{2,})\b", re.IGNORECASE)
_NAMED_NOUN = re.compile(
    r"[“\"«‘]?((?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\s+){0,4}[A-ZÀ-ÖØ-Þ][\w'’.-]*)[”\"»’]?\s+([a-z][a-z-]{2,})\b"
)


def described_names(text: str, surroundings: str) -> set[str]:
    """The terms of the names a text refers to by a definite noun ("the feature") that its
    surroundings write with that one name before it ("the “FaceTime Attention Correction”
    feature"); a noun written after two different names refers to neither."""
    nouns = {fold(found[1]) for found in _THE_NOUN.finditer(text)} - STOPWORDS
    if not nouns:
        return set()
    named: dict[str, set[frozenset[str]]] = {}
    for found in _NAMED_NOUN.finditer(surroundings):
        noun = fold(found[2])
        name = frozenset(name_terms(found[1]))
        if noun in nouns and name:
            named.setdefault(noun, set()).add(name)
    return {term for names in named.values() if len(names) == 1 for name in names for term in name}


# Names joined by "and": "Azerbaijan and Türkiye", "Georgia, Armenia and Azerbaijan".
_CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’.-]*)*"
_COORDINATED = re.compile(
    rf"(?<![\w'’.-])({_CAPITALISED})((?:,\s+{_CAPITALISED})*),?\s+(?:and|&)\s+({_CAPITALISED})"
)


def coordinated_names(text: str) -> Iterable[list[set[str]]]:
    """Each list of names a text joins with "and", as each name's canonical terms."""
    for found in _COORDINATED.finditer(text):
        parts = [found[1], *found[2].split(",")[1:], found[3]]
        names = [{canonical(t) for t in terms(part)} for part in parts]
        if all(names):
            yield names


def _capitalised_runs(text: str, joiners: bool = True) -> Iterable[list[str]]:
    """Runs of consecutive capitalised words; with `joiners`, "of" and "and" may join them.
    Punctuation between two words ends a run: "at MIT, Mr Malone" is two names."""
    run: list[str] = []
    end = 0
    for found in [*_TOKEN.finditer(text), None]:
        token = found[0] if found else ""
        if run and found and text[end : found.start()].strip():
            yield run
            run = []
        end = found.end() if found else end
        if token[:1].isupper() and is_name(token):
            run.append(token)
        elif joiners and token.lower() in _JOINERS and run:
            continue
        else:
            if run:
                yield run
            run = []


@lru_cache(maxsize=4096)
def acronyms_of(text: str) -> frozenset[str]:
    return frozenset(acronym for acronym, _ in spelled_names(text))


def spelled_names(text: str) -> Iterable[tuple[str, set[str]]]:
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


def same_place(one: str, other: str) -> bool:
    """Whether two name stems are a place and its people's adjective, either way round:
    "armenia" and "armenian", "japan" and "japanes", "greec" and "greek"."""
    return _place_and_demonym(one, other) or _place_and_demonym(other, one)


def _place_and_demonym(place: str, demonym: str) -> bool:
    if _irregular_demonyms().get(demonym) == place:
        return True
    shared = len(_common_prefix(place, demonym))
    return (
        shared >= _DEMONYM_STEM
        and place[shared:] in _PLACE_ENDINGS
        and demonym[shared:] in _DEMONYM_ENDINGS
    )


def _common_prefix(one: str, other: str) -> str:
    end = 0
    while end < min(len(one), len(other)) and one[end] == other[end]:
        end += 1
    return one[:end]


@lru_cache(maxsize=1)
def _irregular_demonyms() -> dict[str, str]:
    return {terms(demonym)[0]: terms(place)[0] for demonym, place in IRREGULAR_DEMONYMS.items()}
