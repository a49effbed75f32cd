"""Markdown articles as plain text, read with markdown-it-py (which rich already brings).

Each block becomes one line: headings without `#`, links as their text, emphasis markers gone,
images dropped, list items as `- text` (or `1. text`) and table rows as `cell | cell`. A block
that is nothing but links or images (share buttons, "Facebook | Twitter", a list of related
stories) is kept as its source line and marked as furniture, so the cleaner removes it and can
show what it removed. The title is the first heading. A front-matter block (`---` lines around
`title: …`, `date: …`, as static-site and CMS exports write) is metadata, not text: its title is
used when the document has no heading, its date as the publication date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vectorstore.ingest.cleaning import Structure
from vectorstore.ingest.text import normalize_spaces

if TYPE_CHECKING:
    from markdown_it.token import Token

_FRONT_MATTER = re.compile(r"\A---[ \t\r]*\n(.*?\n)?---[ \t\r]*(\n|\Z)", re.S)
_FIELD = re.compile(r"^(\w+):[ \t]*(.*?)\s*$", re.M)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")

# Text between links that still leaves a block "links only": separators and bullets.
_SEPARATORS = set(" |·•,/-–—:;()[]")


@dataclass
class MarkdownText:
    """A Markdown document as lines of plain text, with what its structure says about them."""

    lines: list[str] = field(default_factory=list)
    title: str | None = None
    published: str | None = None  # from the front matter
    listed: set[str] = field(default_factory=set)
    furniture: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def structure(self) -> Structure:
        return Structure(listed=frozenset(self.listed), furniture=frozenset(self.furniture))


def read_markdown(source: str) -> MarkdownText:
    """The document's blocks as lines of text, in order."""
    from markdown_it import MarkdownIt

    document = MarkdownText()
    source, front_title = _take_front_matter(source, document)
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(source)
    source_lines = source.split("\n")
    for block in _blocks(tokens):
        line = normalize_spaces(block.text).replace("\n", " ")
        if block.only_links:
            line = normalize_spaces(" ".join(source_lines[block.start : block.end]))
            document.furniture.add(line.replace("\n", " "))
        elif block.listed:
            document.listed.add(line)
        if block.heading and document.title is None and line:
            document.title = line
        if line:
            document.lines.append(line)
    document.title = document.title or front_title
    return document


def _take_front_matter(source: str, document: MarkdownText) -> tuple[str, str | None]:
    """The source without its front matter, and the front matter's title. Its lines become
    furniture (shown as removed) and its date the document's publication date."""
    found = _FRONT_MATTER.match(source)
    if not found:
        return source, None
    fields = {
        key.lower(): value.strip("'\"") for key, value in _FIELD.findall(found.group(1) or "")
    }
    date = fields.get("date") or fields.get("published") or ""
    document.published = date if _ISO_DATE.match(date) else None
    for line in normalize_spaces(found.group(0)).split("\n"):
        if line:
            document.lines.append(line)
            document.furniture.add(line)
    return source[found.end() :], fields.get("title") or None


@dataclass
class _Block:
    text: str
    start: int  # the source lines it came from: [start, end)
    end: int
    listed: bool = False
    heading: bool = False
    only_links: bool = False


def _blocks(tokens: Sequence[Token]) -> Iterator[_Block]:
    """One block per heading, paragraph, list item and table row; code and HTML as written."""
    lists: list[str] = []  # per open list: "-", or the delimiter after an ordered item's number
    items: list[str] = []  # the marker of each list item we are inside, innermost last
    row: list[_Block] = []
    item_started = False
    previous = ""
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("-" if kind == "bullet_list_open" else token.markup)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            items.append(lists[-1] if lists[-1] == "-" else f"{token.info}{lists[-1]}")
            item_started = True
        elif kind == "list_item_close":
            items.pop()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row:
            yield _row(row)
        elif kind == "inline" and previous in ("th_open", "td_open"):
            row.append(_inline_block(token))
        elif kind == "inline":
            block = _inline_block(token)
            if previous == "heading_open":
                block.heading, block.only_links = True, False  # a linked headline is the title
            if items:
                block.listed = True
                if item_started:
                    block.text, item_started = f"{items[-1]} {block.text}", False
            yield block
        elif kind in ("code_block", "fence", "html_block"):
            start, end = token.map or (0, 0)
            yield from (_Block(line, start, end) for line in token.content.split("\n"))
        previous = kind


def _row(cells: list[_Block]) -> _Block:
    """A table row as one line of its cells; furniture when its cells hold only links."""
    filled = [cell for cell in cells if cell.text.strip() or cell.only_links]
    return _Block(
        " | ".join(cell.text for cell in cells),
        cells[0].start,
        cells[0].end,
        listed=True,
        only_links=bool(filled) and all(cell.only_links for cell in filled),
    )


def _inline_block(token: Token) -> _Block:
    """An inline run's text: links as their text, images and markup dropped."""
    parts: list[str] = []
    outside_links: list[str] = []
    linked = depth = 0
    for child in token.children or []:
        if child.type == "link_open":
            depth += 1
            linked += 1
        elif child.type == "link_close":
            depth = max(0, depth - 1)
        elif child.type == "image":
            linked += 1  # an image is furniture like a link
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
            if not depth:
                outside_links.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    start, end = token.map or (0, 0)
    bare = "".join(outside_links)
    return _Block("".join(parts), start, end, only_links=bool(linked) and set(bare) <= _SEPARATORS)
