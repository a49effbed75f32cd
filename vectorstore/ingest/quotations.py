"""Quotations in an article that are speech, not a quoted term: long ones, ones crossing a
sentence, ones after a colon or opening a line; an unclosed one runs on into the next
paragraphs, as newspapers reopen a quotation on each paragraph and close it once."""

from __future__ import annotations

from vectorstore.ingest.text import Span, paragraph_spans

_OPENING, _CLOSING = "“«„", "”»"
# A quotation longer than this, or one crossing a sentence, is speech rather than a term.
_SPEECH_CHARS = 40
# An unclosed quotation stops after this many paragraphs: its closing mark is missing.
_QUOTE_PARAGRAPHS = 6


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
