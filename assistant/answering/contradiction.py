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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.answering.actor_order import actors_swapped
from assistant.answering.reading import MONTHS, WEEKDAYS, Reading, Word, read, word_list

NEGATION = "negation"
NUMBER = "number"
DATE = "date"
ACTOR_ORDER = "actor order"

_NEGATIONS = frozenset(
    word_list("not no never neither nor cannot without none nobody nothing nowhere")
)
# Negations that stand for a missing object: "loses nothing" negates the verb before them.
_PRONOUN_NEGATIONS = frozenset(word_list("none nobody nothing nowhere"))
# Phrases that start with a negation but do not deny: "not only", "no doubt", "nothing but".
_NOT_DENIALS = frozenset(
    word_list(
        "not only|not just|not merely|not simply|not least|not to mention|no doubt|no matter"
        "|no sooner|no less than|no more than|nothing but|none other|nothing less|nothing short",
        "|",
    )
)
_BEFORE, _AFTER = 2, 3  # content words a negation governs, before and after it
_UNITS = {
    word: n
    for n, word in enumerate(
        word_list(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen"
            " fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    word: 10 * n
    for n, word in enumerate(word_list("twenty thirty forty fifty sixty seventy eighty ninety"), 2)
}
_ORDINALS = {
    word: n
    for n, word in enumerate(
        word_list(
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
    if actors_swapped(said, source):
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
        if word.text in WEEKDAYS:
            found.add(word.text)
        elif word.capital and word.text in MONTHS:
            beside = words[max(i - 1, 0) : i + 2]
            if word.text != "may" or any(w.number is not None for w in beside):
                found.add(MONTHS[word.text])
    return found
