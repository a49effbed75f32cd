"""Text primitives shared by cleaning, chunking, lexical search and answering.

All Unicode whitespace is treated alike: the seeds carry non-breaking spaces
("South Caucasus\u00a0Railways") that must match an ordinary space.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# Any run of horizontal whitespace, including NBSP, thin spaces and tabs (not newlines).
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")


def _marks(first: int, last: int) -> str:
    """The combining marks between two code points, as a regex character class's body."""
    return "".join(
        re.escape(chr(c)) for c in range(first, last + 1) if unicodedata.category(chr(c))[0] == "M"
    )


# The marks that are part of a letter in scripts that write vowels and conjuncts with them
# (Bengali "হাসিনুর", Devanagari, Thai): a word goes on through them. Python's \w does not
# take them, so without this "হাসিনুর" would be four words of one letter each.
_LETTER_MARKS = _marks(0x0300, 0x1DFF)
_LETTER = rf"(?:[^\W_]|[{_LETTER_MARKS}])"
_WORD = re.compile(rf"[^\W_]{_LETTER}*(?:['’]{_LETTER}+)*", re.UNICODE)


# Words that carry no topic: function words plus the verbs and nouns questions are framed with
# ("what does X claim about Y"), so that only the subject of a question has to be found.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t don ll ve re d m o y ain aren couldn didn doesn hadn hasn haven isn mightn mustn needn
    shan shouldn wasn weren wouldn according claim claims claimed say says said tell tells
    told think thinks thought believe believes view views describe describes explain explains
    mention mentions mentioned stated statement statements regarding concerning
    article articles news report reports reported per whose""".split()  # noqa: SIM905 -- a word list reads better as text
)


def valid_unicode(text: str) -> str:
    """The text with lone surrogates (from a JSON "\\ud800" or an undecodable file name)
    replaced by U+FFFD, so it can be stored, hashed and printed as UTF-8."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def path_text(path: Path) -> str:
    """A path as text that is always valid Unicode: bytes a file name holds that are not
    UTF-8 are shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


_URL_SECRET = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s:@]+):([^/\s@]+)@")


def hide_url_secrets(text: str) -> str:
    """`http://user:PASSWORD@host` becomes `http://user:***@host` wherever it appears."""
    return _URL_SECRET.sub(r"\1\2:***@", text)


def normalize_spaces(text: str) -> str:
    """Every run of horizontal whitespace becomes one ordinary space; lines are stripped."""
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


# Answering reads the same sentences and words again for every candidate and every question:
# the folded forms, words and terms of recent texts are kept (strings are immutable; the
# lists handed out are copies).
_RECENT = 8192


@lru_cache(maxsize=_RECENT)
def fold(text: str) -> str:
    """Case- and accent-insensitive form for comparisons (never for stored text)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


_DOTTED_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}")


def words(text: str) -> list[str]:
    """The words of a text, folded; dotted acronyms count as one word (U.S. = US)."""
    return list(_words(text))


@lru_cache(maxsize=_RECENT)
def _words(text: str) -> tuple[str, ...]:
    undotted = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    return tuple(_WORD.findall(fold(undotted)))


@lru_cache(maxsize=_RECENT)
def is_name(word: str) -> bool:
    """Whether a word of running text names someone or something: capitalised ("Georgia",
    "SCO", "Kalugin's") and not a function or question word ("What", "The", "According").
    The one rule for names: in questions, in answer claims and in chat follow-ups."""
    return word[:1].isupper() and any(w not in STOPWORDS for w in words(word))


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # PyStemmer ships no type hints
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Stemmed content words: the vocabulary of lexical search and answer scoring."""
    return list(_terms(text))


@lru_cache(maxsize=_RECENT)
def _terms(text: str) -> tuple[str, ...]:
    content = [w.split("'")[0] for w in _words(text) if w not in STOPWORDS]
    content = [w for w in content if w and w not in STOPWORDS]
    return tuple(_stemmer().stemWords(content))


@dataclass(frozen=True)
class Span:
    """A piece of a text by character offsets: ``text[start:end]``."""

    start: int
    end: int


def paragraph_spans(text: str) -> Iterator[Span]:
    """Non-empty lines of the text with their offsets."""
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            yield Span(offset + lead, offset + len(line.rstrip()))
        offset += len(line) + 1


def sentence_spans(text: str) -> list[Span]:
    """Sentences of the text as offsets, never crossing a line break.

    syntok keeps quoted passages apart sentence by sentence (pysbd folds a whole quoted
    paragraph into one sentence). A sentence runs up to where the next one starts, so every
    character of a line belongs to exactly one sentence, closing quotes included.
    """
    return list(_sentence_spans(text))


@lru_cache(maxsize=2048)  # answering splits the same passages again for every question
def _sentence_spans(text: str) -> tuple[Span, ...]:
    import syntok.segmenter as segmenter

    spans: list[Span] = []
    for para in paragraph_spans(text):
        line = text[para.start : para.end]
        starts = [
            sentence[0].offset for paragraph in segmenter.analyze(line) for sentence in paragraph
        ]
        starts += [
            m.end()
            for m in _FOOTNOTED_END.finditer(line)
            if line[m.end() :].lstrip('"“‘(')[:1].isupper()
        ]
        starts += [m.end() for m in _SCRIPT_END.finditer(line)]
        starts = [start for start in sorted({0, *starts}) if not _false_break(line, start)]
        for start, end in zip(starts, [*starts[1:], len(line)], strict=True):
            piece = line[start:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append(
                    Span(para.start + start + lead, para.start + start + len(piece.rstrip()))
                )
    return tuple(spans)


# How a question ends, and any sentence. Besides Latin marks, those syntok does not split at:
# the danda of Bengali and Devanagari ("… এ ঘটনা ঘটে।হামলাকারী …", often with no space after
# it), Chinese and Japanese full stops, the Arabic question mark and the Urdu full stop.
QUESTION_MARKS = "?？؟"
_SCRIPT_ENDS = "।॥。！？؟۔"
SENTENCE_ENDS = ".!…" + QUESTION_MARKS + _SCRIPT_ENDS
_SCRIPT_END = re.compile(rf"[{_SCRIPT_ENDS}][\"'”’」』)]*\s*")
# A sentence's end with a footnote mark after it ("… is being restored.* This latest …"),
# which syntok does not take for one.
_FOOTNOTED_END = re.compile(r"[.!?…][\"'”’)]*[*†‡]+\s+")


# Titles and abbreviations after which a name goes on the sentence ("Gov. Newsom"), and those
# after which only a number does ("Jan. 2025", "No. 5"); "etc." is left out, as it often ends one.
_TITLES = frozenset(
    """mr mrs ms dr prof st jr sr gov sen rep gen col lt capt sgt maj adm cmdr amb hon rev pres
    supt insp det mt ft inc corp ltd co bros dept univ approx vs""".split()  # noqa: SIM905
)
_BEFORE_NUMBERS = frozenset(
    "no nos vol jan feb mar apr jun jul aug sep sept oct nov dec".split()  # noqa: SIM905
)
# What a sentence ends with, closing quotes, brackets and footnote marks after it.
_ENDED = re.compile(rf"[{SENTENCE_ENDS}:;][\"'”’»)\]」』*†‡]*\s*$")
_LAST_WORD = re.compile(r"([^\W\d_]+)\.[\"'”’)]*\s*$")
_NEXT_WORD = re.compile(r"[^\W_]+")


def _false_break(line: str, start: int) -> bool:
    """Whether a sentence boundary syntok found at `start` is none: inside a name written
    with a dot and no space ("News.Az"), or after a title, an abbreviation or an initial
    followed by a name or number ("Gov. Newsom", "Jan. 2025", "J. R. Tolkien")."""
    if start == 0:
        return False
    before = line[:start]
    if not _ENDED.search(before) and not line[start : start + 1].isupper():
        # "কুষ্টিয়া-১ (দৌলতপুর) আসনের …": no sentence ends without its mark ("London (CNN)It
        # was …" does: a dateline, then a capital)
        return True
    if not before[-1:].isspace() and before.rstrip()[-1:] == ".":
        return True  # "News.Az": a dot inside a word is not the end of a sentence
    last, upcoming = _LAST_WORD.search(before), _NEXT_WORD.match(line, start)
    if last is None or upcoming is None:
        return False
    word, following = last.group(1), upcoming.group(0)
    if following[0].isdigit():
        return word.lower() in _TITLES | _BEFORE_NUMBERS
    if following.lower() in STOPWORDS or not following[0].isupper():
        return False  # "… the U.S. The talks": a new sentence begins
    initial = len(word) == 1 and word.isupper() and before[last.start() - 1 : last.start()] != "."
    return word.lower() in _TITLES or initial


_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


# Characters that reorder or hide what follows them (the right-to-left override U+202E makes
# "txt.exe" read "exe.txt"): bidi embeddings, overrides, isolates and marks.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Text from outside (articles, ids, file names, model output, server messages) made safe
    to print or to put in a prompt: terminal control sequences, control characters and bidi
    overrides removed. Print it as plain text (rich Text or markup=False), never as markup."""
    return _BIDI.sub("", _CONTROL.sub("", text))
