"""What a search is restricted to: a range of publication days, outlets, articles.

Filters apply inside both searches, before fusion: the dense search as a Chroma `where` on
each chunk's metadata (its article id, outlet and `day`, the publication date as a day
number), the lexical search as a mask over its chunks. So `k` passages come back whenever `k`
passages pass. Articles without a date pass a date range unless `dated_only` is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from vectorstore.ingest.cleaning import outlet_name

# The `day` stored for an article without a publication date (real days are 1 and up).
UNDATED = 0


@dataclass(frozen=True)
class Filters:
    """Passages only from these days, outlets (any case; "ArmInfo" also matches an outlet only
    the text named, "ArmInfo (as stated in the text)") and articles; empty means all."""

    since: date | None = None
    until: date | None = None
    outlets: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    dated_only: bool = False

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.outlets or self.articles or self.dated_only)

    @property
    def dates(self) -> bool:
        """Whether the filter looks at publication dates."""
        return bool(self.since or self.until or self.dated_only)

    def allows(self, article_id: str, outlet: str | None, day: date | None) -> bool:
        """Whether a chunk of this article passes."""
        if self.articles and article_id not in self.articles:
            return False
        if self.outlets and outlet_key(outlet) not in _folded(self.outlets):
            return False
        if day is None:
            return not self.dated_only
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def where(self, known_outlets: Iterable[str]) -> dict[str, Any] | None:
        """The Chroma `where` clause on chunk metadata; outlet names are matched against the
        outlets in the index in any case (Chroma compares exactly)."""
        clauses: list[dict[str, Any]] = []
        if self.articles:
            clauses.append({"article_id": {"$in": list(self.articles)}})
        if self.outlets:
            wanted = _folded(self.outlets)
            exact = sorted({o for o in known_outlets if outlet_key(o) in wanted})
            clauses.append({"outlet": {"$in": exact or list(self.outlets)}})
        if self.dates:
            clauses.append(self._days())
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _days(self) -> dict[str, Any]:
        lowest = self.since.toordinal() if self.since else UNDATED + 1
        bounds: list[dict[str, Any]] = [{"day": {"$gte": lowest}}]
        if self.until:
            bounds.append({"day": {"$lte": self.until.toordinal()}})
        dated = bounds[0] if len(bounds) == 1 else {"$and": bounds}
        return dated if self.dated_only else {"$or": [dated, {"day": UNDATED}]}

    def describe(self) -> str:
        """One line a person reads: `since 2025-01-01, outlet ArmInfo`; "none" when empty."""
        parts = []
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        if self.outlets:
            parts.append("outlet " + " or ".join(self.outlets))
        if self.articles:
            parts.append("article " + " or ".join(self.articles))
        if self.dated_only:
            parts.append("dated articles only")
        return ", ".join(parts) or "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "outlets": list(self.outlets),
            "articles": list(self.articles),
            "dated_only": self.dated_only,
        }


def outlet_key(outlet: str | None) -> str:
    """How an outlet is compared: its name in any case, stated-in-the-text or not."""
    return outlet_name(outlet).casefold()


def _folded(names: Iterable[str]) -> set[str]:
    return {outlet_key(name) for name in names}
