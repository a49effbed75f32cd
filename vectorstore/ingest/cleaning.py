"""Turn a scraped page's text into the article: boilerplate out, title, outlet and date found.

Cleaning works line by line and only ever removes whole lines, so no sentence of the article is
cut. A line goes when it is site furniture: in another script or language than the article,
navigation and share/subscribe/follow lines, link lists, lone numbers, repeated lines, the
run of short unpunctuated lines (menus, footers) before the article starts or after it ends, or
a list of sources ("Sources:" and the entries under it: an article's own list is not its news,
and a forged one must never be quoted as an answer).
A structured source (Markdown) adds what its structure says: which lines are list items or table
rows (facts such as "- Cost: £11 million" that carry no sentence punctuation, so they are never
taken for a footer) and which blocks are nothing but links or images (navigation, social links).

An outlet the text names about itself (a dateline "YEREVAN (Reuters) -", "ArmInfo. …",
"interview with News.Az") is only what the text claims: it is marked "as stated in the text",
and the loaders use it only when no metadata names the outlet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from vectorstore.ingest.text import STOPWORDS, normalize_spaces, words

_FURNITURE = re.compile(
    r"^(share( this( article| story| page| post)?)?|tweet|e-?mail|print|subscribe|sign (up|in)"
    r"|log ?in|register|follow us\b.*"
    r"|like us\b.*|join us\b.*|leave a (review|comment|reply)|comments?|\d+ comments?|social"
    r"|advertisement|sponsored|read (more|next|also)\b.*|see also\b.*|related( articles| news"
    r"| stories)?|recommended|popular|trending|most read|latest news|news line|top stories"
    r"|back to top|skip to (main )?content|menu|home|search|close|cookies?\b.*|accept( all)?"
    r"|copyright\b.*|©.*|all rights reserved\.?|privacy policy|terms of (use|service)"
    r"|sources?|tags?:?.*|photo:.*|image:.*|video|listen|download( the app)?)\W*$",
    re.IGNORECASE,
)
_RELATED_LINK = re.compile(
    r"^((news|more|read more|also read|see more) (about|on|from)\b|[\w ,'’-]{2,40}:(?=[A-Z]))", re.I
)
_SOCIAL_NETWORKS = frozenset(
    """facebook twitter x instagram linkedin youtube tiktok whatsapp telegram reddit pinterest vk
    bluesky threads mastodon flipboard email rss""".split()  # noqa: SIM905 -- a word list
)
_SOCIAL_WORDS = _SOCIAL_NETWORKS | {"share", "on", "via", "follow", "us", "and"}
_LIST_MARKER = re.compile(r"^([-*+•]|\d{1,3}[.)])\s+")
_DOMAIN = re.compile(r"^(https?://)?[\w-]+(\.[\w-]+)+(/\S*)?$")
_LONE_TOKEN = re.compile(r"^\W*(\w{1,2}|\d+\w{0,8}|\d+[\w.]*)\W*$")
_TERMINAL = re.compile(r"[.!?…:;\"”’»)]\W*$")

_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_TIME = r"(?:,?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
_DATES = [
    re.compile(_MONTH + r"\.? (?P<day>\d{1,2}),? (?P<year>(19|20)\d\d)" + _TIME),
    re.compile(r"(?P<day>\d{1,2}) " + _MONTH + r"\.?,? (?P<year>(19|20)\d\d)" + _TIME),
    re.compile(
        r"(?P<year>(19|20)\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)(?:[T ](?P<hour>\d\d):(?P<minute>\d\d))?"
    ),
]
_DATELINE_OUTLET = re.compile(
    r"^(?:(?P<camel>[A-Z][a-z]*[A-Z][\w.]*|[A-Z]{3,}|[A-Z][a-z]+\.[A-Z][a-z]+)\.\s+(?=[A-Z\"“])"
    r"|[A-Z][A-Z ,.]+\((?P<wire>[A-Z][\w. ]{1,24})\)\s*[-–—])"
)
_SOURCE_LIST = re.compile(
    r"^(?:sources?|references?|bibliography|works cited|citations|footnotes|further reading)"
    r"\s*(?P<colon>:)?(?P<rest>.*)$",
    re.IGNORECASE,
)
_LIST_ENTRY = re.compile(r"^(?:\[\d{1,3}\]|\d{1,3}[.)]\s|[-–•*]\s|https?://)")
STATED_IN_TEXT = "as stated in the text"
_STATED = f" ({STATED_IN_TEXT})"
_NAMED_OUTLET = re.compile(
    r"\b(?i:interview (?:with|to)|speaking (?:with|to)|talking to|told)\s+"
    r"(?P<name>(?:the )?[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2})\s*[,:]"
)


@dataclass(frozen=True)
class CleanedText:
    """An article's text after cleaning, with what the text said about itself (an outlet so
    found reads "ArmInfo (as stated in the text)") and the lines that were removed (in order),
    so a user can check what cleaning took away."""

    text: str
    title: str
    outlet: str | None
    published: str | None
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Structure:
    """What a structured source says about its lines (each as one line of the cleaner's input)."""

    listed: frozenset[str] = frozenset()  # list items and table rows: kept as facts
    furniture: frozenset[str] = frozenset()  # blocks of links or images only: removed


def clean_article(
    raw: str, title: str | None = None, structure: Structure | None = None
) -> CleanedText:
    """Remove boilerplate; the title is the first remaining line unless one is given."""
    structure = structure or Structure()
    lines = [line for line in normalize_spaces(raw).split("\n") if line]
    script = _dominant_script("\n".join(lines))
    english = _is_english("\n".join(lines))
    kept = [
        line
        for line in _drop_source_lists(lines)
        if line not in structure.furniture
        and not _is_furniture(_bare(line, structure), script, english)
    ]
    kept = _drop_repeats(kept)
    kept = _trim_edges(kept, structure.listed)
    published, kept = _take_date(kept)
    if title is None:
        title = kept[0] if kept else ""
    return CleanedText(
        text="\n\n".join(kept),
        title=title,
        outlet=_stated(_find_outlet(kept[1:])),
        published=published,
        removed=tuple(_removed(lines, kept)),
    )


def _bare(line: str, structure: Structure) -> str:
    """A list item without its marker: "- Share" is as much furniture as "Share"."""
    return _LIST_MARKER.sub("", line) if line in structure.listed else line


def _removed(lines: list[str], kept: list[str]) -> list[str]:
    """The lines not kept, in order (cleaning only removes lines, so `kept` is a subsequence)."""
    removed, position = [], 0
    for line in lines:
        if position < len(kept) and line == kept[position]:
            position += 1
        else:
            removed.append(line)
    return removed


def _stated(outlet: str | None) -> str | None:
    return f"{outlet}{_STATED}" if outlet else None


def outlet_name(outlet: str | None) -> str:
    """The outlet's name, without the mark of one that only the article's text gave."""
    return (outlet or "").removesuffix(_STATED)


def _drop_source_lists(lines: list[str]) -> list[str]:
    """Lines without a source list: a "Sources:"/"References" heading and the entries under
    it ("[1] …", "1. …", "- …", links, short unpunctuated lines) up to the next sentence."""
    kept: list[str] = []
    listing = False
    for line in lines:
        heading = _SOURCE_LIST.match(line)
        if heading and (heading.group("colon") or not heading.group("rest").strip()):
            listing = True
        elif listing and _is_sentence(line) and not _LIST_ENTRY.match(line):
            listing = False
        if not listing:
            kept.append(line)
    return kept


@lru_cache(maxsize=4096)  # a few hundred letters in practice; unicodedata.name is slow
def _script_of(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ")[0] if name else "OTHER"


def _word_scripts(text: str) -> list[str]:
    return [
        _script_of(next(c for c in w if c.isalpha()))
        for w in words(text)
        if any(c.isalpha() for c in w)
    ]


def _dominant_script(text: str) -> str:
    scripts = _word_scripts(text)
    return max(set(scripts), key=scripts.count) if scripts else "LATIN"


def _stopword_share(text: str) -> float:
    found = words(text)
    return sum(w in STOPWORDS for w in found) / len(found) if found else 0.0


def _is_english(text: str) -> bool:
    return _stopword_share(text) >= 0.25


def _foreign(line: str) -> bool:
    """langdetect is sure the line is not English. Asked only of lines with few English function
    words (headline-like lists are common and English), which keeps it rare and cheap."""
    from langdetect import DetectorFactory, LangDetectException, detect_langs

    DetectorFactory.seed = 0  # langdetect is random unless seeded
    try:
        best = detect_langs(line)[0]
    except LangDetectException:
        return False
    return bool(best.lang != "en" and best.prob >= 0.95)


def _is_furniture(line: str, script: str, english: bool) -> bool:
    scripts = _word_scripts(line)
    if scripts and sum(s != script for s in scripts) * 2 > len(scripts):
        return True  # another script: the Russian header and footer around an English article
    if english and len(scripts) >= 12 and _stopword_share(line) < 0.15 and _foreign(line):
        return True  # a paragraph in another language written in the same script
    short = len(line.split()) <= 8
    return bool(
        (short and (_FURNITURE.match(line) or _DOMAIN.match(line) or _LONE_TOKEN.match(line)))
        or (len(line.split()) <= 30 and _RELATED_LINK.match(line))
        or _social_links(line)
    )


def _social_links(line: str) -> bool:
    """A line naming only social networks: "Facebook | Twitter | Email"."""
    found = {word.lower() for word in words(line)}
    return len(found) <= 12 and bool(found & _SOCIAL_NETWORKS) and found <= _SOCIAL_WORDS


def _drop_repeats(lines: list[str]) -> list[str]:
    """A line seen before is a repeated title, caption or menu, not new article text."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        if line not in seen:
            kept.append(line)
        seen.add(line)
    return kept


def _is_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(line)) or len(line.split()) > 12


def _trim_edges(lines: list[str], listed: frozenset[str] = frozenset()) -> list[str]:
    """Drop short unpunctuated lines after the article's last sentence (footers, menus); a list
    item or table row of a structured source is a fact, not a footer."""
    end = len(lines)
    while end > 1 and not _is_sentence(lines[end - 1]) and len(lines[end - 1].split()) <= 6:
        if lines[end - 1] in listed:
            break
        end -= 1
    return lines[:end]


def _take_date(lines: list[str]) -> tuple[str | None, list[str]]:
    """The first date in the article's opening lines; a line that is only a date is removed."""
    for index, line in enumerate(lines[:6]):
        for pattern in _DATES:
            match = pattern.search(line)
            if match and (published := _iso_date(match)):
                rest = (line[: match.start()] + line[match.end() :]).strip(" ,|-–—")
                if not rest or (len(rest.split()) <= 2 and not _is_sentence(rest)):
                    return published, lines[:index] + lines[index + 1 :]
                if index <= 2:
                    return published, lines
    return None, lines


def _iso_date(match: re.Match[str]) -> str | None:
    parts = match.groupdict()
    try:
        month = (
            datetime.strptime(parts["month"][:3], "%b").month
            if parts.get("month")
            else int(parts["mon"])
        )
        moment = datetime(int(parts["year"]), month, int(parts["day"]))
        if parts.get("hour"):
            moment = moment.replace(hour=int(parts["hour"]), minute=int(parts["minute"]))
            return moment.strftime("%Y-%m-%dT%H:%M")
        return moment.strftime("%Y-%m-%d")
    except ValueError:
        return None


def _find_outlet(body: list[str]) -> str | None:
    """The outlet when the text names it: a dateline ("ArmInfo. …") or "interview with X,"."""
    for line in body[:2]:
        match = _DATELINE_OUTLET.match(line)
        if match:
            return match.group("camel") or match.group("wire")
        named = _NAMED_OUTLET.search(line)
        if named:
            return named.group("name").removeprefix("the ").strip()
    return None
