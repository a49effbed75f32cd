"""A question's scope: which articles it is asked of (filters) and the day it is asked as of.

Dates are ISO days (2025-01-31), months (2025-01), years, or phrases (today, yesterday, this
week, last week, this month, last month, 7 days ago), resolved against `as_of` when given, else
today. A phrase names a span of days: `since` takes its first day, `until` its last, so
`since "last week"` and `until "last week"` together are exactly last week.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from assistant.errors import InputError
from vectorstore.search.dates import EXAMPLES, parse_span
from vectorstore.search.filters import Filters


@dataclass(frozen=True)
class Scope:
    """The filters retrieval applies and the day recency counts from (None: the newest
    article in the index)."""

    filters: Filters = field(default_factory=Filters)
    as_of: date | None = None

    def describe(self) -> str:
        as_of = f"; as of {self.as_of.isoformat()}" if self.as_of else ""
        return f"filters: {self.filters.describe()}{as_of}"

    def to_dict(self) -> dict[str, Any]:
        return {**self.filters.to_dict(), "as_of": self.as_of.isoformat() if self.as_of else None}


def make_scope(
    since: str | None = None,
    until: str | None = None,
    outlets: Iterable[str] = (),
    articles: Iterable[str] = (),
    dated_only: bool = False,
    as_of: str | None = None,
    today: date | None = None,
    names: dict[str, str] | None = None,
) -> Scope:
    """The scope that option values describe; a value that is not a date, or a range that
    ends before it starts, is an InputError naming the option (`names` maps a field to how
    the user wrote it: `--since`, `/since`, `filters.since`)."""
    label = {"since": "--since", "until": "--until", "as_of": "--as-of", **(names or {})}
    anchor = parse_day(as_of, today or date.today(), label["as_of"]) if as_of else None
    reference = anchor or today or date.today()
    filters = Filters(
        since=parse_day(since, reference, label["since"]) if since else None,
        until=parse_day(until, reference, label["until"], last=True) if until else None,
        outlets=_names(outlets),
        articles=_names(articles),
        dated_only=dated_only,
    )
    check_range(filters, label)
    return Scope(filters, anchor)


def parse_day(text: str, today: date, name: str, last: bool = False) -> date:
    """The first (or last) day a date or phrase names."""
    try:
        first, final = parse_span(text, today)
    except ValueError as error:
        raise InputError(f"{name} {text!r} is not a date", f"use e.g. {EXAMPLES}") from error
    return final if last else first


def check_range(filters: Filters, names: dict[str, str] | None = None) -> None:
    if filters.since and filters.until and filters.until < filters.since:
        label = {"since": "--since", "until": "--until", **(names or {})}
        raise InputError(
            f"{label['until']} {filters.until.isoformat()} is before "
            f"{label['since']} {filters.since.isoformat()}",
            "give an end date on or after the start date",
        )


def with_changes(scope: Scope, **changes: Any) -> Scope:
    """The scope with some filters replaced (a chat command changes one at a time)."""
    as_of = changes.pop("as_of", scope.as_of)
    filters = replace(scope.filters, **changes)
    check_range(filters, {"since": "/since", "until": "/until"})
    return Scope(filters, as_of)


def _names(values: Iterable[str]) -> tuple[str, ...]:
    """Each name once, trimmed, in the order given."""
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


# The keys a JSON line of `search --batch` may carry beside its query, as make_scope names them.
BATCH_KEYS = {
    "since": "since",
    "until": "until",
    "outlet": "outlets",
    "article": "articles",
    "dated_only": "dated_only",
    "as_of": "as_of",
}


def batch_query(line: str, defaults: dict[str, Any]) -> tuple[str, Scope]:
    """A query and its scope from one line of a batch: plain text, or a JSON object such as
    {"query": "…", "since": "last week", "outlet": ["ArmInfo"], "as_of": "2025-01-10"}, whose
    keys replace the command line's filters for that line."""
    text = line.strip()
    if not text.startswith("{"):
        return text, make_scope(**defaults)
    import json

    try:
        item = json.loads(text)
    except ValueError as error:
        raise InputError("The line is not valid JSON", "write one JSON object a line") from error
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        raise InputError('The line has no "query" string', 'write {"query": "…", …}')
    unknown = sorted(set(item) - set(BATCH_KEYS) - {"query"})
    if unknown:
        raise InputError(
            f"Unknown key {unknown[0]!r} in the line", f"use query, {', '.join(BATCH_KEYS)}"
        )
    options = dict(defaults)
    for key, name in BATCH_KEYS.items():
        if key in item:
            options[name] = _batch_value(key, item[key])
    names = {"since": "since", "until": "until", "as_of": "as_of"}
    return item["query"], make_scope(**options, names=names)


def _batch_value(key: str, value: Any) -> Any:
    """A batch line's value for a key, checked: dates are strings, outlets and articles a
    string or a list of them, dated_only true or false."""
    if key == "dated_only":
        if isinstance(value, bool):
            return value
    elif key in ("outlet", "article"):
        values = [value] if isinstance(value, str) else value
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            return values
    elif value is None or isinstance(value, str):
        return value
    raise InputError(f"The line's {key!r} has the wrong type", _BATCH_TYPES)


_BATCH_TYPES = "dates are strings, outlet and article a string or a list, dated_only true/false"
