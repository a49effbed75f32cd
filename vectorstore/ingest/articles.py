"""Read articles from files and folders: .txt, .md (parsed as Markdown), .html, .json, .jsonl."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from vectorstore.errors import PathNotFound
from vectorstore.ingest.cleaning import clean_article, outlet_name
from vectorstore.ingest.markdown import read_markdown
from vectorstore.ingest.text import path_text, valid_unicode

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Article:
    """A cleaned news article with its metadata; `id` is stable across runs."""

    id: str
    title: str
    text: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    source: str = ""
    # True when the id was made from the file's path (text, Markdown, HTML): such an article
    # must not silently replace one of the same id that came from another file.
    id_from_file: bool = False
    # The lines cleaning removed, in order: what a user checks when the text looks short.
    removed: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        fields = [self.title, self.text, self.outlet, self.published, self.url]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file or record that could not be read as an article, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Doubt:
    """An article that was stored but may not be what the user meant to store, and why."""

    source: str
    article_id: str
    reason: str


# An article shorter than this after cleaning is more likely a caption, a teaser or a page
# whose text the cleaner (or the HTML extractor) could not find than a news story.
SHORT_ARTICLE_CHARS = 400


def doubts(article: Article) -> list[Doubt]:
    """Why an article looks like something other than a news story: too short after
    cleaning, or a title that is a template or site name (`escenic`, the outlet's name)."""
    found = []
    if len(article.text) < SHORT_ARTICLE_CHARS:
        found.append(f"only {len(article.text)} characters left after cleaning")
    if _template_title(article):
        found.append(f"its title '{article.title}' looks like a template or site name")
    return [Doubt(article.source, article.id, reason) for reason in found]


# A site's name is a few words; a long title equal to the "site name" means the page's metadata
# gave the headline as its site name (seen on msn.com), not that the title is the site's name.
SITE_NAME_WORDS = 4


def _template_title(article: Article) -> bool:
    title = article.title.strip()
    one_lowercase_word = (
        any(c.isalpha() for c in title) and not title.split()[1:] and title == title.lower()
    )
    site_names = {outlet_name(article.outlet), urlparse(article.url or "").hostname or ""}
    site_names |= {name.removeprefix("www.") for name in site_names}
    site_name = title.casefold() in {name.casefold() for name in site_names if name}
    return one_lowercase_word or (site_name and len(title.split()) <= SITE_NAME_WORDS)


# What reading one file may raise on hostile content; it skips that file, never the run.
_UNREADABLE = (ValueError, LookupError, RecursionError, OSError, TypeError)


def load_articles(paths: Iterable[Path], prefix: str | None = None) -> Iterator[Article | Skipped]:
    """Every article under the given files and folders; unreadable ones come back as Skipped.
    Every path is checked before the first file is read. Sources are absolute paths; `prefix`
    goes before every article id (`prefix/story`)."""
    roots = [root.absolute() for root in paths]
    for root in roots:
        if not root.exists():
            raise PathNotFound(root, shown=path_text(root))
    for root in roots:
        for path in _files_under(root):
            if isinstance(path, Skipped):
                yield path
                continue
            file_id = _file_id(root, path)
            yield from _read_file_safely(path, f"{prefix}/{file_id}" if prefix else file_id, prefix)


def _files_under(root: Path) -> Iterator[Path | Skipped]:
    """The files to read, in order; a folder that cannot be listed is a Skipped."""
    if root.is_file():
        yield root
        return
    unreadable: list[Skipped] = []

    def report(error: OSError) -> None:
        where = path_text(Path(error.filename)) if error.filename else path_text(root)
        unreadable.append(Skipped(where, f"folder cannot be read ({error.strerror or error})"))

    # followlinks=False: a symlink loop cannot make the walk endless.
    for folder, dirs, files in os.walk(root, onerror=report):
        yield from unreadable
        unreadable.clear()
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name
    yield from unreadable


def _file_id(root: Path, path: Path) -> str:
    relative = path.relative_to(root) if root.is_dir() else Path(path.name)
    return valid_unicode(path_text(relative.with_suffix("")).replace(os.sep, "/"))


def _read_file_safely(path: Path, file_id: str, prefix: str | None) -> list[Article | Skipped]:
    """One file's articles; content that breaks a parser skips the file, not the ingest."""
    try:
        return list(_read_file(path, file_id, prefix))
    except _UNREADABLE as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else _brief(error)
        return [Skipped(path_text(path), f"cannot be read ({reason})")]


def _brief(error: BaseException) -> str:
    text = valid_unicode(str(error)).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:120]}" if text else type(error).__name__


def _read_file(path: Path, file_id: str, prefix: str | None) -> Iterator[Article | Skipped]:
    suffix = path.suffix.lower()
    source = path_text(path)
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(source, f"unsupported file type '{valid_unicode(suffix or source)}'")
        return
    text = _read_text(path)
    if isinstance(text, Skipped):
        yield text
    elif suffix in JSON_SUFFIXES:
        yield from _json_articles(path, text, prefix)
    elif suffix in HTML_SUFFIXES:
        yield _html_article(path, file_id, text)
    else:
        yield _text_article(path, file_id, text, markdown=suffix in MARKDOWN_SUFFIXES)


# Byte-order marks of the Unicode encodings other than UTF-8; the longest first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _read_text(path: Path) -> str | Skipped:
    source = path_text(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Skipped(source, f"larger than {MAX_FILE_BYTES // 2**20} MB")
        data = path.read_bytes()
    except OSError as error:
        return Skipped(source, f"cannot be read ({error.strerror or error})")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8-sig")
    if encoding == "utf-8-sig" and b"\x00" in data[:8192]:
        return Skipped(source, "binary file, not text")
    try:
        text = valid_unicode(data.decode(encoding))
    except UnicodeDecodeError:
        return Skipped(source, f"not {encoding.upper().removesuffix('-SIG')} text")
    return text if text.strip() else Skipped(source, "empty file")


def _text_article(path: Path, article_id: str, raw: str, markdown: bool) -> Article | Skipped:
    published = None
    if markdown:
        document = read_markdown(raw)
        cleaned = clean_article(document.text, document.title, document.structure)
        published = document.published
    else:
        cleaned = clean_article(raw)
    return _article_or_skip(
        path_text(path),
        id_from_file=True,
        id=article_id,
        title=cleaned.title,
        text=cleaned.text,
        outlet=cleaned.outlet,
        published=published or cleaned.published,
        removed=cleaned.removed,
    )


def _html_article(path: Path, article_id: str, html: str) -> Article | Skipped:
    import trafilatura

    extracted = trafilatura.extract(html, include_comments=False, include_tables=False)
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta and meta.title else None
    body = f"{title}\n\n{extracted}" if title and extracted else extracted or ""
    cleaned = clean_article(body, title=title)
    return _article_or_skip(
        path_text(path),
        id_from_file=True,
        id=article_id,
        title=cleaned.title,
        text=cleaned.text,
        outlet=(meta.sitename if meta and meta.sitename else None) or cleaned.outlet,
        published=(meta.date if meta and meta.date else None) or cleaned.published,
        url=meta.url if meta and meta.url else None,
        removed=cleaned.removed,
    )


def _json_articles(path: Path, raw: str, prefix: str | None) -> Iterator[Article | Skipped]:
    source = path_text(path)
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                yield _json_record(path, f"{source}:{number}", line, prefix)
        return
    data = _parse_json(raw)
    if isinstance(data, _Invalid):
        yield Skipped(source, f"invalid JSON ({data.reason})")
        return
    records = data.get("articles", [data]) if isinstance(data, dict) else data
    if not isinstance(records, list):
        yield Skipped(source, "JSON must be an article object or a list of them")
        return
    for number, record in enumerate(records, start=1):
        yield _record_article(path, f"{source}[{number}]", record, prefix)


@dataclass(frozen=True)
class _Invalid:
    reason: str


def _parse_json(raw: str) -> Any:
    """The parsed JSON, or why it is not valid: a syntax error, or nesting so deep that the
    parser would exhaust the stack (`[` repeated 100,000 times)."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        return _Invalid(f"{error.msg} at line {error.lineno}")
    except RecursionError:
        return _Invalid("nested too deeply")


def _json_record(path: Path, where: str, line: str, prefix: str | None) -> Article | Skipped:
    record = _parse_json(line)
    if isinstance(record, _Invalid):
        return Skipped(where, f"invalid JSON ({record.reason.split(' at line ')[0]})")
    return _record_article(path, where, record, prefix)


def _record_article(path: Path, where: str, record: Any, prefix: str | None) -> Article | Skipped:
    """One JSON article; `where` names the record in messages, `path` is its source file."""
    if not isinstance(record, dict):
        return Skipped(where, "not a JSON object")
    text, title = _optional_str(record.get("text")), _optional_str(record.get("title"))
    if not isinstance(record.get("text"), str) or not text or not text.strip():
        return Skipped(where, "no 'text' field")
    cleaned = clean_article(text, title=title if isinstance(record.get("title"), str) else None)
    url = _optional_str(record.get("url"))
    article_id = (
        _optional_str(record.get("id")) or url or hashlib.sha256(text.encode()).hexdigest()[:16]
    )
    return _article_or_skip(
        path_text(path),
        id=f"{prefix}/{article_id}" if prefix else article_id,
        title=cleaned.title,
        text=cleaned.text,
        outlet=_optional_str(record.get("outlet")) or cleaned.outlet,
        published=_optional_str(record.get("published")) or cleaned.published,
        url=url,
        removed=cleaned.removed,
    )


def _optional_str(value: Any) -> str | None:
    """A JSON field as valid text, or None when absent or empty."""
    return valid_unicode(str(value)) if value not in (None, "") else None


def _article_or_skip(source: str, **fields: Any) -> Article | Skipped:
    if not fields["text"].strip():
        return Skipped(source, "no article text left after removing boilerplate")
    return Article(source=source, **fields)
