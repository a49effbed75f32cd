"""The sentences of retrieved passages an extractive answer may quote, with what stands
before each: the sentences just before it (they may name its subject) and the question it
answers, when it opens the reply to one (an interview's "– How do you assess …?" followed by
"– This was a landmark, historic event").

Only a statement is quotable: never a question (one reported too: "“Are you concerned?” King
asked."), a headline or other line without a sentence's end, a byline, a caption or a fragment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.evidence import evidence_spans
from vectorstore.ingest.text import (
    QUESTION_MARKS,
    SENTENCE_ENDS,
    Span,
    fold,
    paragraph_spans,
)
from vectorstore.search.retrieval import Passage

MIN_WORDS = 4
# How many sentences before a sentence may give its subject's name ("The effort may have …").
CONTEXT_SENTENCES = 2

# How a statement ends: . ! … possibly inside closing quotes or brackets.
_STATEMENT_ENDS = "".join(mark for mark in SENTENCE_ENDS if mark not in QUESTION_MARKS)
_STATEMENT_END = re.compile(rf"[{_STATEMENT_ENDS}:;][\"'”’»)\]」』]*$")
# A byline ("By Nada Tawfik, BBC News, New York") or a caption or credit line.
_BYLINE = re.compile(
    r"^(?:by|photo|photos|image|images|picture|video|credit|caption|featured image|source)"
    r"\b[^.!?]{0,80}$|^(?:photo|image|picture|video|credit|source)s?\s*:",
    re.IGNORECASE,
)
# A speech tag standing alone after its quotation has at most this many words.
_TAG_WORDS = 6
CLOSING = "\"'”’»)]"
# Where a statement turns into a question: ", but when will …?", "; why …?".
_ASKING_CLAUSE = re.compile(
    r"(?:,|;|\s[—–-])\s+(?:(?:but|and|so|yet|or)\s+)?(?:what|when|why|how|who|where|which|is|are"
    r"|was|were|do|does|did|can|could|will|would|should|has|have|had)\b[^,;]*\?\W*$",
    re.IGNORECASE,
)


# A question reported with its speech tag: the sentence opens with a quotation that ends in
# "?", and only a few unquoted words follow ("“Are you concerned?” King asked Scott.").
_REPORTED_QUESTION = re.compile(
    r"^[\"“«„][^\"“”«»]*\?[\"”»]\s*,?\s*(?:[^\s\"“”«».!?]+\s+){0,7}[^\s\"“”«».!?]+[.!]?$"
)


@dataclass(frozen=True)
class Sentence:
    """A quotable sentence of a passage, in article offsets."""

    passage: Passage
    start: int
    end: int
    before: str  # the sentences just before it, nearest last
    answers: str = ""  # the question it replies to: the line before, when that line asks

    @property
    def text(self) -> str:
        return self.passage.text[self.start - self.passage.start : self.end - self.passage.start]


def quotable_sentences(passages: Sequence[Passage]) -> list[Sentence]:
    """Quotable sentences in article offsets, each with the sentences before it; one repeated
    by overlapping chunks is kept once."""
    seen: set[tuple[str, int]] = set()
    found = []
    for passage in passages:
        lines = [(p.start, p.end) for p in paragraph_spans(passage.text)]
        line_starts = {start for start, _ in lines}
        recent = sentences_before(passage, passages)  # the sentences before, nearest last
        previous = ""  # the whole sentence before, a question included
        for whole in evidence_spans(passage.text):  # never text addressed to an AI
            span = statement_part(passage.text, whole)
            start, end = passage.start + span.start, passage.start + span.end
            text = passage.text[span.start : span.end]
            whole_line = span == whole and (whole.start, whole.end) in lines
            if (passage.article_id, start) not in seen and is_statement(
                text, passage.title, whole_line
            ):
                seen.add((passage.article_id, start))
                answers = previous if whole.start in line_starts and _asks(previous) else ""
                found.append(Sentence(passage, start, end, "\n".join(recent), answers))
            recent = [*recent, text][-CONTEXT_SENTENCES:]
            whole_text = passage.text[whole.start : whole.end]
            tag = whole.start not in line_starts and _speech_tag(whole_text)
            if not (tag and _asks(previous)):
                previous = whole_text  # "King asked." after the question leaves it the question
    return found


def sentences_before(passage: Passage, passages: Sequence[Passage]) -> list[str]:
    """The last sentences before a passage's start that another retrieved passage of its
    article holds (the chunk before it): a chunk's first sentences may name their subject
    only there ("… a campaign launch by Lynda Bennett" ¶ "Online records revealed her
    campaign website domain …")."""
    for other in passages:
        if other.article_id == passage.article_id and other.start < passage.start <= other.end:
            head = other.text[: passage.start - other.start]
            spans = evidence_spans(head)[-CONTEXT_SENTENCES:]
            return [head[span.start : span.end] for span in spans]
    return []


def _speech_tag(sentence: str) -> bool:
    """A few unquoted words alone ("King asked Scott."): the tag of the quotation before."""
    return len(sentence.split()) <= _TAG_WORDS and not re.search(r"[\"“”«»]", sentence)


def _asks(sentence: str) -> bool:
    """Whether a sentence asks: it ends in "?", or it reports a question put in its
    quotation ("“Are you concerned?” King asked.")."""
    return sentence.rstrip(CLOSING).endswith(tuple(QUESTION_MARKS)) or bool(
        _REPORTED_QUESTION.match(sentence.strip())
    )


def statement_part(text: str, span: Span) -> Span:
    """A sentence that states something and then asks ("The European Union is not a military
    force, they are trying now, but when will this happen?"): its statement, up to the clause
    that asks. Any other sentence whole."""
    sentence = text[span.start : span.end]
    if not _asks(sentence):
        return span
    cut = _ASKING_CLAUSE.search(sentence)
    if cut is None or len(sentence[: cut.start()].split()) < MIN_WORDS:
        return span
    return Span(span.start, span.start + cut.start())


def is_statement(sentence: str, title: str = "", whole_line: bool = False) -> bool:
    """Whether a sentence may be quoted as an answer: not a question, not the headline, not a
    line standing alone without a sentence's end (a heading, a standfirst, a caption), not a
    byline or credit, not a fragment of a few words."""
    text = " ".join(sentence.split())
    if len(text.split()) < MIN_WORDS or _asks(text):
        return False
    if fold(text) == " ".join(fold(title).split()) or _BYLINE.match(text):
        return False
    return not (whole_line and not _STATEMENT_END.search(text))
