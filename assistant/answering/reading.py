"""A text read word by word for the contradiction rules: words folded, their search terms,
numbers, capitals that mark names, and clauses ended by punctuation and contrast words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from assistant.answering.evidence import visible_text
from vectorstore.ingest.text import fold, terms


def word_list(text: str, separator: str | None = None) -> list[str]:
    """A list of words (or phrases, with a separator) written as text."""
    return text.split(separator)


_CLAUSE_WORDS = frozenset(word_list("but however although though whereas while"))
MONTHS = {
    name: n
    for n, names in enumerate(
        word_list(
            "january jan|february feb|march mar|april apr|may|june jun|july jul|august aug"
            "|september sep sept|october oct|november nov|december dec",
            "|",
        ),
        start=1,
    )
    for name in word_list(names)
}
WEEKDAYS = frozenset(word_list("monday tuesday wednesday thursday friday saturday sunday"))
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
