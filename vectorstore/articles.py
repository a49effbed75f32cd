"""Read articles from files and folders: .txt/.md, .html, .json and .jsonl."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vectorstore.cleaning import clean_article
from vectorstore.errors import InputError

TEXT_SUFFIXES = {".txt", ".md"}
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

    @property
    def content_hash(self) -> str:
        fields = [self.title, self.text, self.outlet, self.published, self.url]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file or record that could not be read as an article, and why."""

    source: str
    reason: str


def load_articles(paths: Iterable[Path]) -> Iterator[Article | Skipped]:
    """Every article under the given files and folders; unreadable ones come back as Skipped."""
    roots = list(paths)
    for root in roots:
        if not root.exists():
            raise InputError(
                f"No such file or folder: {root}",
                "check the path, or run `assistant ingest` with no path for the bundled seeds",
            )
    for root in roots:
        for path in _files_under(root):
            yield from _read_file(path, _file_id(root, path))


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    # followlinks=False: a symlink loop cannot make the walk endless.
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def _file_id(root: Path, path: Path) -> str:
    relative = path.relative_to(root) if root.is_dir() else Path(path.name)
    return relative.with_suffix("").as_posix()


def _read_file(path: Path, file_id: str) -> Iterator[Article | Skipped]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(str(path), f"unsupported file type '{suffix or path.name}'")
        return
    text = _read_text(path)
    if isinstance(text, Skipped):
        yield text
    elif suffix in JSON_SUFFIXES:
        yield from _json_articles(path, text)
    else:
        html = suffix in HTML_SUFFIXES
        yield _html_article(path, file_id, text) if html else _text_article(path, file_id, text)


def _read_text(path: Path) -> str | Skipped:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Skipped(str(path), f"larger than {MAX_FILE_BYTES // 2**20} MB")
        data = path.read_bytes()
    except OSError as error:
        return Skipped(str(path), f"cannot be read ({error.strerror or error})")
    if b"\x00" in data[:8192]:
        return Skipped(str(path), "binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Skipped(str(path), "not UTF-8 text")
    return text if text.strip() else Skipped(str(path), "empty file")


def _text_article(path: Path, article_id: str, raw: str) -> Article | Skipped:
    cleaned = clean_article(raw)
    return _article_or_skip(
        str(path),
        id=article_id,
        title=cleaned.title,
        text=cleaned.text,
        outlet=cleaned.outlet,
        published=cleaned.published,
    )


def _html_article(path: Path, article_id: str, html: str) -> Article | Skipped:
    import trafilatura

    extracted = trafilatura.extract(html, include_comments=False, include_tables=False)
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta and meta.title else None
    body = f"{title}\n\n{extracted}" if title and extracted else extracted or ""
    cleaned = clean_article(body, title=title)
    return _article_or_skip(
        str(path),
        id=article_id,
        title=cleaned.title,
        text=cleaned.text,
        outlet=(meta.sitename if meta and meta.sitename else None) or cleaned.outlet,
        published=(meta.date if meta and meta.date else None) or cleaned.published,
        url=meta.url if meta and meta.url else None,
    )


def _json_articles(path: Path, raw: str) -> Iterator[Article | Skipped]:
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                yield _json_record(path, f"{path}:{number}", line)
        return
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        yield Skipped(str(path), f"invalid JSON ({error.msg} at line {error.lineno})")
        return
    records = data.get("articles", [data]) if isinstance(data, dict) else data
    if not isinstance(records, list):
        yield Skipped(str(path), "JSON must be an article object or a list of them")
        return
    for number, record in enumerate(records, start=1):
        yield _record_article(path, f"{path}[{number}]", record)


def _json_record(path: Path, where: str, line: str) -> Article | Skipped:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return Skipped(where, f"invalid JSON ({error.msg})")
    return _record_article(path, where, record)


def _record_article(path: Path, where: str, record: Any) -> Article | Skipped:
    """One JSON article; `where` names the record in messages, `path` is its source file."""
    if not isinstance(record, dict):
        return Skipped(where, "not a JSON object")
    text, title = record.get("text"), record.get("title")
    if not isinstance(text, str) or not text.strip():
        return Skipped(where, "no 'text' field")
    cleaned = clean_article(text, title=title if isinstance(title, str) and title else None)
    url = _optional_str(record.get("url"))
    article_id = (
        _optional_str(record.get("id")) or url or hashlib.sha256(text.encode()).hexdigest()[:16]
    )
    return _article_or_skip(
        str(path),
        id=article_id,
        title=cleaned.title,
        text=cleaned.text,
        outlet=_optional_str(record.get("outlet")) or cleaned.outlet,
        published=_optional_str(record.get("published")) or cleaned.published,
        url=url,
    )


def _optional_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _article_or_skip(source: str, **fields: Any) -> Article | Skipped:
    if not fields["text"].strip():
        return Skipped(source, "no article text left after removing boilerplate")
    return Article(source=source, **fields)
