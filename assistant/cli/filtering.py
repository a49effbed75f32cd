"""The filter options `ask`, `search`, `chat` and `eval` share, declared once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from assistant.scope import Scope

_DATE = "ISO date (2025-01-31, 2025-01) or phrase (today, last week, 7 days ago)"

Since = Annotated[
    str | None, typer.Option("--since", help=f"Only articles published on or after: {_DATE}.")
]
Until = Annotated[
    str | None, typer.Option("--until", help="Only articles published on or before this date.")
]
Outlet = Annotated[
    list[str] | None,
    typer.Option("--outlet", help="Only articles from this outlet, any case (repeatable)."),
]
Article = Annotated[
    list[str] | None, typer.Option("--article", help="Only this article id (repeatable).")
]
DatedOnly = Annotated[
    bool, typer.Option("--dated-only", help="Leave out articles without a publication date.")
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Ask as of this day: relative dates and recency count from it (default: today "
        "for dates, the newest article for recency).",
    ),
]


def scope_options(
    since: str | None,
    until: str | None,
    outlet: list[str] | None,
    article: list[str] | None,
    dated_only: bool,
    as_of: str | None,
) -> dict[str, Any]:
    """The options as `make_scope` takes them."""
    return {
        "since": since,
        "until": until,
        "outlets": list(outlet or []),
        "articles": list(article or []),
        "dated_only": dated_only,
        "as_of": as_of,
    }


def scope_from(*options: Any) -> Scope:
    """The scope the options describe (checked: a bad date is one error line)."""
    from assistant.scope import make_scope

    return make_scope(**scope_options(*options))
