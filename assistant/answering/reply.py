"""A model's reply made ready for verification: the prompt scaffolding it echoed removed, and
the citation forms real models write that unambiguously name passages rewritten as [n].

Normalised: [1, 2] and [1][2] and [1-3] (ranges of at most MAX_RANGE passages), 【1】,
[Passage 1], (Passage 1), [Source 1], (Sources 1 and 2), [^1]. Left alone: a bare (1), which
could be anything in a sentence, and numbers outside brackets.
"""

from __future__ import annotations

import re

MAX_RANGE = 10

_NUMBER_LIST = r"\d{1,3}(?:\s*(?:,|;|and|&|-|–|—)\s*\d{1,3})*"
_CITATION_FORMS = (
    # [1, 2]  [1-3]  [1; 2]  (a lone [1] is already the canonical form)
    re.compile(rf"\[\s*(?P<list>{_NUMBER_LIST})\s*\]"),
    # 【1】 【1, 2】
    re.compile(rf"【\s*(?P<list>{_NUMBER_LIST})\s*】"),
    # [Passage 1]  (Passages 1 and 2)  [Source 1]  (source 2)
    re.compile(rf"[\[(]\s*(?:passages?|sources?)\s*(?P<list>{_NUMBER_LIST})\s*[\])]", re.I),
    # [^1] footnote style
    re.compile(r"\[\^(?P<list>\d{1,3})\]"),
)
_MARKER_RUN = re.compile(r"(?:\[\d{1,3}\])+")
_SPLIT = re.compile(r"\s*(?:,|;|and|&)\s*")
_RANGE = re.compile(r"^(\d{1,3})\s*[-–—]\s*(\d{1,3})$")

# Echoed prompt: whole passage blocks (or one the reply was cut inside), stray tags, and the
# user message's labels on a line of their own.
_PASSAGE_BLOCK = re.compile(r"<passage\b[^>]*>.*?(?:</passage\s*>|\Z)", re.S | re.I)
_STRAY_TAG = re.compile(r"</?passage\b[^>]*>?", re.I)
_LABEL_LINE = re.compile(r"^\s*(?:passages:\s*|question:.*)$", re.M | re.I)
_ANSWER_LABEL = re.compile(r"^\s*answer:\s*", re.I)
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def prepare_reply(text: str) -> str:
    """The reply as the user should see it before verification."""
    return normalise_markers(strip_scaffolding(text))


def strip_scaffolding(text: str) -> str:
    """The reply without the prompt it echoed; empty when that was all it held."""
    text = _PASSAGE_BLOCK.sub("", text)
    text = _STRAY_TAG.sub("", text)
    text = _LABEL_LINE.sub("", text)
    text = _ANSWER_LABEL.sub("", text.strip())
    return _BLANK_LINES.sub("\n\n", text).strip()


def normalise_markers(text: str) -> str:
    """Every unambiguous citation form rewritten as [n] markers ([1, 2] -> [1][2])."""
    for form in _CITATION_FORMS:
        text = form.sub(_as_markers, text)
    return _MARKER_RUN.sub(_without_repeats, text)


def _without_repeats(run: re.Match[str]) -> str:
    """[1][1][2] -> [1][2]."""
    return "".join(f"[{n}]" for n in dict.fromkeys(re.findall(r"\d+", run.group(0))))


def _as_markers(match: re.Match[str]) -> str:
    numbers = passage_numbers(match.group("list"))
    return "".join(f"[{n}]" for n in numbers) if numbers else match.group(0)


def passage_numbers(listed: str) -> list[int]:
    """ "1, 2 and 4-5" gives [1, 2, 4, 5]; [] for a range backwards or too wide for passages."""
    numbers: list[int] = []
    for part in _SPLIT.split(listed.strip()):
        span = _RANGE.match(part)
        if span:
            first, last = int(span.group(1)), int(span.group(2))
            if not first <= last < first + MAX_RANGE:
                return []
            numbers.extend(range(first, last + 1))
        elif part.isdigit():
            numbers.append(int(part))
        else:
            return []
    return list(dict.fromkeys(numbers))
