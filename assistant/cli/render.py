"""Terminal rendering of answers, passages and reports.

Article text is never treated as markup, and control characters (ANSI escapes included) are
stripped, so an article cannot style or take over the terminal. Output to a pipe is plain.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from assistant.answering.answer import (
    FALLBACK_REASONS,
    MARKER,
    Answer,
    Citation,
    Fallback,
    byline,
    excerpt_around,
    quoted,
)
from vectorstore.ingest.text import safe
from vectorstore.search.retrieval import Passage

if TYPE_CHECKING:
    from rich.table import Table

    from assistant.evaluation.metrics import EvalReport, Regression
    from vectorstore.search.manifest import ArticleText
    from vectorstore.search.records import StoredArticle

# What JSON leaves raw with ensure_ascii=False but a terminal may still act on.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def stdout() -> Console:
    return _console(stderr=False)


def stderr() -> Console:
    return _console(stderr=True)


def _console(stderr: bool) -> Console:
    """On a terminal rich wraps at its width (nothing is cut); a pipe gets every line whole."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not (hasattr(stream, "isatty") and stream.isatty())
    return Console(stderr=stderr, highlight=False, soft_wrap=piped)


def print_json(data: Any) -> None:
    sys.stdout.write(json_text(data, indent=2) + "\n")


def json_text(data: Any, indent: int | None = None) -> str:
    """JSON with non-ASCII text readable, and every character a terminal could act on
    escaped (JSON already escapes C0 controls; C1 and bidi ones are escaped here)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def render_answer(answer: Answer, console: Console) -> None:
    console.print(_answer_text(answer.text))
    render_sources(answer, console)


def render_sources(answer: Answer, console: Console) -> None:
    """The verified sources under an answer, and what verification removed or doubts; under a
    model's answer that keeps no supported citation, what the articles do say."""
    checks = answer.verification
    removed = checks.removed_markers if checks else []
    if removed:
        shown = ", ".join(f"[{n}]" for n in removed)
        console.print(
            Text(f"Removed {shown}: no such passage was given to the model.", style="yellow")
        )
    if checks and checks.truncated:
        console.print(
            Text(
                "Warning: the answer was cut off at its length budget (ASSISTANT_LLM_MAX_TOKENS).",
                style="yellow",
            )
        )
    if checks and checks.uncited and answer.fallback is None:
        console.print(Text("Warning: this answer cites no passage.", style="yellow"))
    render_citations(answer.citations, console, answer.passages)
    if answer.fallback is not None:
        render_fallback(answer.fallback, console, answer.passages)


def render_fallback(fallback: Fallback, console: Console, passages: Sequence[Passage] = ()) -> None:
    """The extractive answer's cited sentences as the evidence the articles hold."""
    console.print()
    console.print(Text(FALLBACK_REASONS.get(fallback.reason, fallback.reason), style="bold yellow"))
    if not fallback.citations:
        console.print(Text("No sentence of the retrieved passages answers it either."))
        return
    console.print(Text("What the articles say (quoted, not written by the model):", style="bold"))
    console.print(_answer_text(fallback.text))
    render_citations(fallback.citations, console, passages)


def render_citations(
    citations: Sequence[Citation], console: Console, passages: Sequence[Passage] = ()
) -> None:
    """Each cited passage once, with every quote backing its claims (each quote once), shown
    where it stands: the sentences around it from its passage, the quote highlighted."""
    if not citations:
        return
    console.print()
    console.print(Text("Sources", style="bold"))
    by_passage: dict[int, list[Citation]] = {}
    for citation in citations:
        by_passage.setdefault(citation.n, []).append(citation)
    for n, cited in by_passage.items():
        first = cited[0]
        line = Text(f"[{n}] ", style="bold cyan")
        line.append(safe(byline(first.title, first.outlet, first.published)))
        line.append(f"  ({safe(first.article_id)})", style="dim")
        console.print(line)
        quotes: dict[str, list[Citation]] = {}
        for citation in cited:
            quotes.setdefault(citation.quote, []).append(citation)
        for backing in quotes.values():
            excerpt = excerpt_around(backing[0], passages)
            # the quote in quotation marks (and highlighted on a terminal), its context around
            text, start, end = excerpt.text, excerpt.quote_start, excerpt.quote_end
            shown = Text(f"    {safe(text[:start])}", style="dim")
            shown.append(f"“{safe(text[start:end])}”", style="bold")
            shown.append(safe(text[end:]), style="dim")
            if backing[0].said_by:
                shown.append(f" {safe(backing[0].said_by)}")
            console.print(shown)
            if not any(citation.supported for citation in backing):
                claims = "; ".join(dict.fromkeys(quoted(safe(c.claim)) for c in backing))
                console.print(
                    Text(f"    UNSUPPORTED: the passage does not back {claims}", style="bold red")
                )


def render_excerpt(text: str, start: int, end: int, console: Console) -> None:
    """An article excerpt with text[start:end] (the quote) highlighted."""
    console.print(excerpt_text(text, start, end))


def excerpt_text(text: str, start: int, end: int) -> Text:
    shown = Text(safe(text[:start]))
    shown.append(safe(text[start:end]), style="bold reverse")
    shown.append(safe(text[end:]))
    return shown


def render_details(answer: Answer, console: Console) -> None:
    usage = answer.usage
    tokens = (
        f"prompt_tokens {usage.prompt_tokens}, completion_tokens {usage.completion_tokens}"
        if usage
        else "no LLM call"
    )
    timings = answer.timings.to_dict() if answer.timings else {}
    spent = ", ".join(f"{name} {ms:.0f}" for name, ms in timings.items())
    console.print(Text(f"mode {answer.mode}; {tokens}; {spent}", style="dim"))


def _answer_text(text: str) -> Text:
    """The answer with its [n] markers highlighted."""
    rendered = Text()
    position = 0
    for match in MARKER.finditer(text):
        rendered.append(safe(text[position : match.start()]))
        rendered.append(match.group(0), style="bold cyan")
        position = match.end()
    rendered.append(safe(text[position:]))
    return rendered


def render_passages(passages: Sequence[Passage], console: Console) -> None:
    if not passages:
        console.print("No passages found. Ingest articles first: assistant ingest [PATH…]")
        return
    for passage in passages:
        head = Text(f"{passage.rank}. ", style="bold")
        head.append(safe(byline(passage.title, passage.outlet, passage.published)), style="bold")
        head.append(f"  score {passage.score:.4f}  ({safe(passage.article_id)})", style="dim")
        console.print(head)
        console.print(Text(safe(passage.text)))
        console.print()


def render_eval(
    report: EvalReport, baseline: dict[str, Any] | None, regression: Regression, console: Console
) -> None:
    """The per-case table, the metrics (with deltas against a baseline), and what regressed."""
    from rich.table import Table

    cases = Table("case", "result", "why", box=None, pad_edge=False)
    for case in report.cases:
        verdict = Text("pass", style="green") if case.passed else Text("FAIL", style="bold red")
        cases.add_row(safe(case.id), verdict, safe("; ".join(case.reasons)))
    console.print(cases)
    console.print()
    before = (baseline or {}).get("metrics", {})
    metrics = Table("metric", "value", "baseline", "delta", box=None, pad_edge=False)
    for name, value in report.metrics.items():
        old = before.get(name)
        delta = "" if old is None else f"{value - old:+.3f}"
        metrics.add_row(name, f"{value:.3f}", "" if old is None else f"{old:.3f}", delta)
    console.print(
        Text(f"{len(report.cases)} cases, k={report.k}, mode {report.mode}", style="bold")
    )
    console.print(metrics)
    if regression.metrics:
        console.print(
            Text(safe("Regressed metrics: " + ", ".join(regression.metrics)), style="bold red")
        )
    if regression.cases:
        console.print(
            Text(
                safe("Cases that passed before and fail now: " + ", ".join(regression.cases)),
                style="bold red",
            )
        )


ARTICLE_COLUMNS = ("id", "title", "outlet", "date", "chunks", "characters", "source")


# Narrower than this, a terminal shows one block of lines per article instead of a table.
TABLE_MIN_WIDTH = 100


def render_article_list(articles: Sequence[StoredArticle], console: Console) -> None:
    """The articles as a table on a terminal (cells wrap, nothing is cut; one block per article
    on a narrow one) or, piped, as tab-separated lines under a header, one article a line."""
    if console.is_terminal and console.width >= TABLE_MIN_WIDTH:
        console.print(_article_table(articles))
        return
    if console.is_terminal:
        for article in articles:
            _print_article_block(article, console)
        return
    for row in [ARTICLE_COLUMNS, *map(_article_row, articles)]:  # rich would expand the tabs
        console.file.write("\t".join(" ".join(cell.split()) for cell in row) + "\n")


def _article_row(article: StoredArticle) -> tuple[str, ...]:
    characters = "" if article.characters is None else f"{article.characters}"
    return (
        safe(article.id),
        safe(article.title),
        safe(article.outlet or ""),
        safe(article.published or ""),
        str(article.chunks),
        characters,
        safe(article.source),
    )


# How the width left by the numbers is shared among the wrapping columns.
_COLUMN_SHARE = {"id": 2, "title": 4, "source": 3}


def _article_table(articles: Sequence[StoredArticle]) -> Table:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    for name in ARTICLE_COLUMNS:
        if name in ("chunks", "characters"):
            table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
        else:
            table.add_column(name, overflow="fold", ratio=_COLUMN_SHARE.get(name))
    for article in articles:
        table.add_row(*(Text(cell) for cell in _article_row(article)))
    return table


def _print_article_block(article: StoredArticle, console: Console) -> None:
    """One article as its id, then its other columns indented, one a line."""
    from rich.padding import Padding
    from rich.table import Table

    cells = dict(zip(ARTICLE_COLUMNS, _article_row(article), strict=True))
    console.print(Text(cells.pop("id"), "bold"), overflow="fold")
    fields = Table.grid(padding=(0, 1))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column(overflow="fold")
    for name, value in cells.items():
        if value:
            fields.add_row(name, Text(value))
    console.print(Padding(fields, (0, 0, 0, 2)))


def render_article(shown: ArticleText, console: Console, removed: bool = False) -> None:
    """An article's header, then its stored text, or (`removed`) the lines cleaning removed."""
    article = shown.article
    console.print(Text(safe(byline(article.title, article.outlet, article.published)), "bold"))
    chunks = f"{article.chunks} chunk{'' if article.chunks == 1 else 's'}"
    size = f"{chunks}, {article.characters or 0:,} characters"
    console.print(Text(f"{safe(article.id)} · {size} · {safe(article.source)}", "dim"))
    console.print()
    if not removed:
        console.print(Text(safe(shown.text)))
    elif shown.removed is None:
        console.print(
            "The lines cleaning removed were not recorded for this article: an earlier version "
            "ingested it (`assistant ingest --rebuild` records them).",
            markup=False,
        )
    elif shown.removed:
        console.print(Text(f"Cleaning removed {len(shown.removed)} lines:", "bold"))
        for line in shown.removed:
            console.print(Text(safe(line)))
    else:
        console.print("Cleaning removed nothing from this article.", markup=False)
