"""How an article lays out speech: quotations, and interviews.

A quotation is speech, not a quoted term, when it is long, crosses a sentence, or stands after
a colon or opens a line; an unclosed one runs on into the next paragraphs, as newspapers reopen
a quotation on each paragraph and close it once. An interview alternates an interviewer's
questions with the interviewee's answers: dashed or "Q:"/"A:" lines, name labels, or question
paragraphs in an article that calls itself an interview."""

from __future__ import annotations

import re
from typing import Protocol

from vectorstore.ingest.text import Span, paragraph_spans

# The speaker of an interviewer's questions.
INTERVIEWER = "Interviewer"

_OPENING, _CLOSING = "“«„", "”»"
# A quotation longer than this, or one crossing a sentence, is speech rather than a term.
_SPEECH_CHARS = 40
# An unclosed quotation stops after this many paragraphs: its closing mark is missing.
_QUOTE_PARAGRAPHS = 6
# Interview lines: a dash, or a "Q:"/"A:" label, before the text.
_DASH = re.compile(r"^[–—-]\s*")
_QUESTION_LABEL = re.compile(r"^(?:Q|Question)\s*[:.]\s*", re.I)
_ANSWER_LABEL = re.compile(r"^(?:A|Answer)\s*[:.]\s*", re.I)
# "Thomas Malone: …", "The Economist: …": a speaker's label before what they say.
_LABEL = re.compile(r"((?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*)\s*:\s+\S")
_CAPTION = re.compile(r"\(?\bPhoto\s*:", re.I)


class Names(Protocol):
    """What finding an interview's speakers asks of the article's reader."""

    def name(self, words: list[str]) -> str | None: ...

    def label(self, words: list[str]) -> str | None: ...

    def reported(self, sentence: str, topic_too: bool = False) -> str | None: ...

    def first_full_name(self, text: str) -> str | None: ...


def speech_quotes(text: str, sentences: list[Span]) -> list[Span]:
    """Quotations long enough to be speech, from opening to closing mark; an unclosed one
    runs on into the next paragraphs (a new paragraph may open it again)."""
    quotes: list[Span] = []
    lines = list(paragraph_spans(text))
    opened: int | None = None
    opened_line = depth = 0
    for number, line in enumerate(lines):
        for offset in range(line.start, line.end):
            mark = _mark(text, offset, line.start)
            if mark == "open" and opened is None:
                opened, opened_line, depth = offset, number, 1
            elif mark == "open" and number > opened_line and offset == line.start:
                continue  # a quotation running on into a new paragraph is opened again
            elif mark and opened is not None:
                depth += 1 if mark == "open" else -1  # a quotation inside one
                if depth == 0 and _is_speech(text, sentences, opened, offset):
                    quotes.append(Span(opened, offset))
                opened = None if depth == 0 else opened
        if opened is not None and number - opened_line >= _QUOTE_PARAGRAPHS:
            opened = None
    return quotes


def _mark(text: str, offset: int, line_start: int) -> str | None:
    """Whether a double quotation mark opens or closes a quotation (a straight one opens
    after a space or at the start of a line)."""
    char = text[offset]
    if char in _OPENING:
        return "open"
    if char in _CLOSING:
        return "close"
    if char != '"':
        return None
    before = text[offset - 1] if offset > line_start else " "
    return "open" if before.isspace() or before in "([:–—-" else "close"


def _is_speech(text: str, sentences: list[Span], start: int, end: int) -> bool:
    """Long, or crossing a sentence, or standing after a colon or at the start of a line."""
    crosses = any(start < s.start < end for s in sentences)
    led = text[text.rfind("\n", 0, start) + 1 : start].rstrip()[-1:] in (":", "", "–", "—")
    return crosses or led or end - start >= _SPEECH_CHARS


def inside(sentence: Span, quote: Span) -> bool:
    """Whether most of a sentence lies inside a quotation."""
    overlap = min(sentence.end, quote.end + 1) - max(sentence.start, quote.start)
    return overlap * 2 > sentence.end - sentence.start


def interview_roles(text: str, sentences: list[Span], reader: Names) -> dict[int, str]:
    """Sentence index → INTERVIEWER or the interviewee, for articles laid out as questions
    and answers; empty for other articles."""
    lines = list(paragraph_spans(text))
    if not lines:
        return {}
    kinds = [_line_kind(text[line.start : line.end]) for line in lines]
    labelled = [i for i, kind in enumerate(kinds) if kind == "label" and i > 0]
    interview = re.search(r"\binterview", text[: lines[min(3, len(lines) - 1)].end], re.I)
    questions = [i for i, kind in enumerate(kinds) if kind == "question"]
    if len(questions) < 2 and len(labelled) < 2:
        questions = [i for i, kind in enumerate(kinds) if kind == "bare question"]
        if not interview or len(questions) < 2:
            return {}
    first = min(questions + labelled)
    interviewee = _interviewee(text, lines[:first], reader)
    roles: dict[int, str] = {}
    speaker: str | None = None
    for number in range(first, len(lines)):
        line, kind = lines[number], kinds[number]
        if number in questions:
            speaker = INTERVIEWER
        elif number in labelled:
            label = _LABEL.match(text, line.start)
            speaker = reader.label(label.group(1).split()) if label else None
            speaker = speaker or INTERVIEWER
        elif kind in ("answer", "prose", "bare question"):
            speaker = interviewee if speaker else None
        else:
            continue  # captions, headings and repeated titles are nobody's words
        for index, sentence in enumerate(sentences):
            if speaker and line.start <= sentence.start < line.end:
                roles[index] = speaker
    return roles


def _line_kind(line: str) -> str:
    if _QUESTION_LABEL.match(line):
        return "question"
    if _ANSWER_LABEL.match(line):
        return "answer"
    if _CAPTION.search(line) or line.rstrip()[-1:] not in ".!?…\"”»'’":
        return "other"
    if _LABEL.match(line):
        return "label"
    if _DASH.match(line):
        return "question" if line.rstrip().endswith("?") else "answer"
    asks = line.rstrip().endswith("?") and not re.search(r"[.!…](?:\s|$)", line)
    return "bare question" if asks else "prose"


def _interviewee(text: str, intro: list[Span], reader: Names) -> str | None:
    """The person the introduction presents: named in the title ("NAME: …", "… – NAME"),
    else the first one it reports as speaking, else the first full name."""
    if not intro:
        return None
    title = text[intro[0].start : intro[0].end]
    for part in (title.split(":")[0], re.split(r"\s[–—-]\s", title)[-1]):
        if len(part.split()) <= 4 and (who := reader.name(part.split())):
            return who
    for line in intro[1:]:
        if who := reader.reported(text[line.start : line.end], topic_too=True):
            return who
    return reader.first_full_name(" ".join(text[line.start : line.end] for line in intro[1:]))
