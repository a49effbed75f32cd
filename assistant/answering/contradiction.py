"""Whether a claim says otherwise than the sentence it cites.

Shared terms find the sentence a claim rests on, but they cannot tell "holds a concession" from
"does not hold a concession", 2040 from 2050, or who did what to whom. A claim contradicts its
sentence when
- negation: a negation in one of them (not, no, never, n't, without, nothing, …) governs a word
  that the other says without a negation near it;
- number: a number of the claim ("2040", "17th", "100 million", "twenty") is not in the sentence
  (a rounded one matches: "1.5 million" for 1,512,000);
- date: a month or weekday of the claim is not in the sentence;
- actor order: two names that the claim relates through a word of the sentence ("Kallas cited
  … Kalugin") stand the other way round around that word in the sentence, in the same voice
  (a passive, "was received by", turns the order round).
The rules read the form of the text only: no list of the articles' own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from assistant.answering.evidence import visible_text
from vectorstore.ingest.text import fold, terms

NEGATION = "negation"
NUMBER = "number"
DATE = "date"
ACTOR_ORDER = "actor order"


def _words(text: str, separator: str | None = None) -> list[str]:
    """A list of words (or phrases, with a separator) written as text."""
    return text.split(separator)


_NEGATIONS = frozenset(
    _words("not no never neither nor cannot without none nobody nothing nowhere")
)
# Negations that stand for a missing object: "loses nothing" negates the verb before them.
_PRONOUN_NEGATIONS = frozenset(_words("none nobody nothing nowhere"))
# Phrases that start with a negation but do not deny: "not only", "no doubt", "nothing but".
_NOT_DENIALS = frozenset(
    _words(
        "not only|not just|not merely|not simply|not least|not to mention|no doubt|no matter"
        "|no sooner|no less than|no more than|nothing but|none other|nothing less|nothing short",
        "|",
    )
)
_CLAUSE_WORDS = frozenset(_words("but however although though whereas while"))
_BEFORE, _AFTER = 2, 3  # content words a negation governs, before and after it
_MONTHS = {
    name: n
    for n, names in enumerate(
        _words(
            "january jan|february feb|march mar|april apr|may|june jun|july jul|august aug"
            "|september sep sept|october oct|november nov|december dec",
            "|",
        ),
        start=1,
    )
    for name in _words(names)
}
_WEEKDAYS = frozenset(_words("monday tuesday wednesday thursday friday saturday sunday"))
_UNITS = {
    word: n
    for n, word in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen"
            " fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    word: 10 * n
    for n, word in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"), 2)
}
_ORDINALS = {
    word: n
    for n, word in enumerate(
        _words(
            "third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth"
            " fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
        ),
        start=3,
    )
}
_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bln": 1e9,
    "trillion": 1e12,
}
# "one" and "first"/"second" are pronouns and adverbs too often to count as numbers.
_NUMBER_WORDS = (_UNITS.keys() - {"one", "zero"}) | _TENS.keys() | _ORDINALS.keys()
_BE = frozenset(_words("is are was were be been being get gets got gotten"))
_TOKEN = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)*)(?:st|nd|rd|th|s)?(?![^\W_])"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
    r"|(?P<stop>[,;:.!?()\[\]{}\"“”«»—–]|\s-\s)"
)
_DOTTED_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")
# Words after which a capital letter marks the start of a sentence, not a name.
_OPENERS = frozenset('.!?:"“«(')


@dataclass(frozen=True)
class Word:
    """A word of a text, with its clause and its search term (None for function words);
    `capital`: it begins with a capital letter, `name`: it does so inside a sentence."""

    text: str
    clause: int
    term: str | None = None
    capital: bool = False
    name: bool = False
    number: float | None = None


@dataclass(frozen=True)
class Reading:
    """A text read word by word, clauses numbered."""

    words: list[Word]

    @cached_property
    def terms(self) -> set[str]:
        return {w.term for w in self.words if w.term}


def _number_value(written: str) -> float:
    """ "1,200" is 1200; with several dots ("19.01.2020", "1.234.567") its digits."""
    plain = written.replace(",", "")
    return float(plain) if plain.count(".") <= 1 else float(plain.replace(".", ""))


def read(text: str) -> Reading:
    """The words of a text in order; punctuation and contrast words ("but") end a clause."""
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), visible_text(text))
    words: list[Word] = []
    clause, previous = 0, "."
    for match in _TOKEN.finditer(text):
        if match.group("stop"):
            clause, previous = clause + 1, match.group("stop").strip()
            continue
        if match.group("number"):
            value = _number_value(match.group("number"))
            words.append(Word(match.group(0), clause, number=value))
        else:
            original = match.group("word")
            folded = fold(original)
            if folded in _CLAUSE_WORDS:
                clause += 1
            found = terms(original)
            capital = original[:1].isupper()
            name = capital and previous not in _OPENERS
            words.append(Word(folded, clause, found[0] if found else None, capital, name))
        previous = match.group(0)
    return Reading(words)


def contradiction(claim: str, sentence: str, related: Sequence[str] = ()) -> str | None:
    """Why the claim says otherwise than the sentence (NEGATION, NUMBER, DATE or ACTOR_ORDER),
    or None when it does not. A claim that joins two sentences ("three meetings …, the latest
    in October 2024") may take its negations, numbers and dates from the `related` ones too."""
    said, source = read(claim), read(sentence)
    near = [source, *(read(text) for text in related)]
    if _negation_differs(said, source, near) or _negation_differs(source, said, [said]):
        return NEGATION
    if not _numbers_found(numbers(said), [n for reading in near for n in numbers(reading)]):
        return NUMBER
    if not dates(said) <= {day for reading in near for day in dates(reading)}:
        return DATE
    if _actors_swapped(said, source):
        return ACTOR_ORDER
    return None


# Negation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Negation:
    """A negation and what it governs: `head`, the word it denies, `denied`, the words it
    denies (the head first), and `scope`, every word near it."""

    head: str | None
    denied: tuple[str, ...]
    scope: frozenset[str]

    def denied_in(self, other: Reading) -> set[str]:
        """The words of `other` this negation denies: its head, or two of its words."""
        shared = {term for term in self.denied if term in other.terms}
        return shared if self.head in shared or len(shared) >= 2 else set()


def negations(reading: Reading) -> Iterator[Negation]:
    words = reading.words
    for i, word in enumerate(words):
        if not _is_negation(words, i):
            continue
        clause = [(k, w.term) for k, w in enumerate(words) if w.clause == word.clause and w.term]
        before = [term for k, term in clause if k < i][-_BEFORE:]
        after = [term for k, term in clause if k > i][:_AFTER]
        denied = after
        if word.text in _PRONOUN_NEGATIONS and before:
            denied = [before[-1], *after]
        yield Negation(denied[0] if denied else None, tuple(denied), frozenset(before + after))


def _is_negation(words: list[Word], i: int) -> bool:
    text = words[i].text
    following = [w.text for w in words[i + 1 : i + 3]]
    if any(" ".join([text, *following[:n]]) in _NOT_DENIALS for n in (1, 2)):
        return False
    return text in _NEGATIONS or text.endswith("n't")


def _negation_differs(first: Reading, second: Reading, near: list[Reading]) -> bool:
    """A negation of `first` denies words that `second` says, and no negation of the texts
    `near` it (itself and what else the claim draws on) is near them."""
    others = [negation for reading in near for negation in negations(reading)]
    for negation in negations(first):
        denied = negation.denied_in(second)
        if denied and not any(denied & other.scope for other in others):
            return True
    return False


# Numbers and dates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A number as written: its value and how exactly the writer gave it."""

    value: float
    precision: float = 0.0

    def matches(self, other: float) -> bool:
        return abs(self.value - other) <= self.precision / 2


def numbers(reading: Reading) -> list[Number]:
    """Numbers in digits or words, with their scale ("100 million", "1.5 billion")."""
    found: list[Number] = []
    words = reading.words
    i = 0
    while i < len(words):
        word = words[i]
        if word.number is not None:
            decimals = len(word.text.split(".")[1]) if "." in word.text else 0
            value, scale, i = word.number, 1.0, i + 1
        elif word.text in _NUMBER_WORDS:
            value, i = _spelled(words, i)
            decimals, scale = 0, 1.0
        else:
            i += 1
            continue
        if i < len(words) and words[i].text in _SCALES:
            scale, i = _SCALES[words[i].text], i + 1
        precision = 10.0**-decimals * scale if scale > 1 else 0.0
        found.append(Number(value * scale, precision))
    return found


def _spelled(words: list[Word], i: int) -> tuple[float, int]:
    """A number in words from words[i] ("twenty five", "three hundred"), and where it ends."""
    value = 0.0
    while i < len(words):
        text = words[i].text
        if text in _UNITS or text in _TENS or text in _ORDINALS:
            value += _UNITS.get(text) or _TENS.get(text) or _ORDINALS[text]
        elif text == "hundred" and value:
            value *= 100
        else:
            break
        i += 1
    return value, i


def _numbers_found(claimed: list[Number], source: list[Number]) -> bool:
    return all(any(n.matches(s.value) for s in source) for n in claimed)


def dates(reading: Reading) -> set[int | str]:
    """Months (as numbers) and weekdays named; "May" only beside a number (else a verb)."""
    found: set[int | str] = set()
    words = reading.words
    for i, word in enumerate(words):
        if word.text in _WEEKDAYS:
            found.add(word.text)
        elif word.capital and word.text in _MONTHS:
            beside = words[max(i - 1, 0) : i + 2]
            if word.text != "may" or any(w.number is not None for w in beside):
                found.add(_MONTHS[word.text])
    return found


# Actors -------------------------------------------------------------------------------------

# Prepositions of place and time: a name after them is where or when, not who.
_SETTINGS = frozenset(
    _words(
        "in at on during near within across throughout inside outside around over under via"
        " through since until"
    )
)
_TOWARDS, _AWAY = frozenset({"to", "into", "toward", "towards"}), frozenset({"from"})


def cast(*readings: Reading) -> frozenset[str]:
    """The names of the texts (capitalised words inside a sentence), months and weekdays
    left out; a name counts in every text, at the start of a sentence too."""
    return frozenset(
        w.term
        for reading in readings
        for w in reading.words
        if w.term and w.name and w.text not in _MONTHS and w.text not in _WEEKDAYS
    )


def actors(reading: Reading, names: frozenset[str]) -> dict[int, str]:
    """Who acts in a text: its names by position, leaving out places and times ("in Baku")."""
    words = reading.words
    return {
        i: w.term
        for i, w in enumerate(words)
        if w.term in names and not (i and words[i - 1].text in _SETTINGS)
    }


def _actors_swapped(said: Reading, source: Reading) -> bool:
    names = cast(said, source)
    return (
        _order_swapped(said, source, names)
        or _bindings_swapped(said, source, names)
        or _directions_swapped(said, source, names)
    )


def _order_swapped(said: Reading, source: Reading, names: frozenset[str]) -> bool:
    """Two actors the claim relates through a word of the sentence ("Kallas cited …
    Kalugin") stand the other way round around that word in the sentence, in the same voice,
    and never in the claim's order."""
    placed = sorted(actors(said, names).items())
    for x, (i, first) in enumerate(placed):
        for j, second in placed[x + 1 :]:
            if first == second or said.words[i].clause != said.words[j].clause:
                continue
            region = said.words[i + 1 : j]
            linking = {w.term for w in region if w.term and w.term not in names} & source.terms
            if not linking:
                continue
            voice = _passive(region)
            same = _voices(source, names, (first, second), linking)
            reverse = _voices(source, names, (second, first), linking)
            consistent = voice in same or (not voice) in reverse
            if (voice in reverse or (not voice) in same) and not consistent:
                return True
    return False


def _voices(
    reading: Reading, names: frozenset[str], pair: tuple[str, str], linking: set[str]
) -> set[bool]:
    """The voices (passive or not) of every stretch from one actor of the pair to the other,
    in that order, that holds a linking word."""
    first, second = pair
    named = actors(reading, names)
    found = set()
    for i in (k for k, term in named.items() if term == first):
        for j in (k for k, term in named.items() if term == second and k > i):
            region = reading.words[i + 1 : j]
            if any(w.term in linking for w in region):
                found.add(_passive(region))
    return found


def _passive(region: list[Word]) -> bool:
    """A passive agent: "was received by", "met by" (not "the call by")."""
    for k, word in enumerate(region):
        if word.text == "by" and k:
            auxiliary = any(w.text in _BE for w in region[:k])
            if auxiliary or region[k - 1].text.endswith(("ed", "en")):
                return True
    return False


def _bindings_swapped(said: Reading, source: Reading, names: frozenset[str]) -> bool:
    """What the claim says of one actor, the sentence says of another actor that the claim
    names elsewhere ("Russia emphasizes the economy, while China …" for "China emphasizes
    the economy, while Russia …")."""
    claimed, sourced = _clauses(said, names), _clauses(source, names)
    everyone = {term for who, _ in claimed for term in who}
    for who, what in claimed:
        matched = [
            (len(what & said_there), there_who)
            for there_who, said_there in sourced
            if what & said_there
        ]
        if not who or not matched:
            continue
        best = max(count for count, _ in matched)
        holders = set().union(*(there for count, there in matched if count == best))
        if holders and not holders & who and holders & (everyone - who):
            return True
    return False


def _clauses(reading: Reading, names: frozenset[str]) -> list[tuple[set[str], set[str]]]:
    """Each clause's actors and its other content words."""
    named = actors(reading, names)
    clauses: dict[int, tuple[set[str], set[str]]] = {}
    for i, word in enumerate(reading.words):
        who, what = clauses.setdefault(word.clause, (set(), set()))
        if i in named:
            who.add(named[i])
        elif word.term and word.term not in names:
            what.add(word.term)
    return list(clauses.values())


def _directions_swapped(said: Reading, source: Reading, names: frozenset[str]) -> bool:
    """An actor the claim has something go to, the sentence has it come from, or the other
    way round ("came to Iran from Azerbaijan" for "came to Azerbaijan from Iran")."""
    going, coming = _directions(said, names)
    there_going, there_coming = _directions(source, names)
    turned = (going & there_coming) - there_going
    return bool(turned or (coming & there_going) - there_coming)


def _directions(reading: Reading, names: frozenset[str]) -> tuple[set[str], set[str]]:
    named = actors(reading, names)
    words = reading.words
    before = {i: words[i - 1].text for i in named if i}
    going = {named[i] for i, word in before.items() if word in _TOWARDS}
    coming = {named[i] for i, word in before.items() if word in _AWAY}
    return going, coming
