"""Dates: an article's publication day, and the days a phrase such as "last week" names.

A phrase names a span of days, so a filter can take either end: `since "last week"` starts on
the Monday of last week, `until "last week"` ends on its Sunday. Relative phrases are resolved
against a given day (today, or the day a question is asked "as of").
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_DAY = re.compile(r"\s*(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?!\d)")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"(\d{4})")
_AGO = re.compile(r"(\d+|a|an|one)\s+(day|week|month|year)s?\s+ago")
EXAMPLES = "2025-01-31, 2025-01, 2025, today, yesterday, this week, last month, 7 days ago"

Span = tuple[date, date]


def day_of(published: str | None) -> date | None:
    """The day at the start of a publication date ("2025-01-10", "2025/01/10T08:00",
    "20250110"); None when there is none or it is not a real day."""
    found = _DAY.match(published or "")
    if not found:
        return None
    try:
        return date(*map(int, found.groups()))
    except ValueError:
        return None


def parse_span(text: str, today: date) -> Span:
    """The first and last day a date or phrase names; ValueError when it names none."""
    phrase = " ".join(text.casefold().split())
    span = _absolute(phrase) or _relative(phrase, today) or _ago(phrase, today)
    if span is None:
        raise ValueError(f"{text!r} is not a date (use e.g. {EXAMPLES})")
    return span


def _absolute(phrase: str) -> Span | None:
    try:
        if _DAY.fullmatch(phrase):
            day = day_of(phrase)
            return (day, day) if day else None
        if found := _MONTH.fullmatch(phrase):
            year, month = int(found[1]), int(found[2])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if found := _YEAR.fullmatch(phrase):
            return date(int(found[1]), 1, 1), date(int(found[1]), 12, 31)
    except ValueError:
        return None
    return None


def _relative(phrase: str, today: date) -> Span | None:
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    spans = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1),) * 2,
        "this week": (monday, today),
        "last week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "this month": (first_of_month, today),
        "last month": (last_month_end.replace(day=1), last_month_end),
        "this year": (today.replace(month=1, day=1), today),
        "last year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    return spans.get(phrase)


def _ago(phrase: str, today: date) -> Span | None:
    found = _AGO.fullmatch(phrase)
    if not found:
        return None
    count = 1 if found[1] in ("a", "an", "one") else int(found[1])
    try:
        day = shift(today, count, found[2])
    except (ValueError, OverflowError):
        return None  # before the year 1
    return day, day


def shift(today: date, count: int, unit: str) -> date:
    """The day `count` units before `today` (a month back from March 31 is February's last)."""
    if unit == "day":
        return today - timedelta(days=count)
    if unit == "week":
        return today - timedelta(weeks=count)
    months = count * (12 if unit == "year" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
