"""`assistant search`: the ranked passages, no answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.filtering import Article, AsOf, DatedOnly, Outlet, Since, Until
from assistant.cli.options import AsJSON, Passages


def search(
    query: Annotated[
        str | None, typer.Argument(help="What to look for; - reads it from standard input.")
    ] = None,
    k: Passages = None,
    as_json: AsJSON = False,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="A file with one query per line, or one JSON object such as "
            '{"query": "…", "since": "…", "outlet": […], "as_of": "…"}; '
            "prints one JSON line per query.",
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    outlet: Outlet = None,
    article: Article = None,
    dated_only: DatedOnly = False,
    as_of: AsOf = None,
) -> None:
    """Show the passages that best match a query (hybrid dense + BM25 retrieval)."""
    from assistant.cli.common import from_stdin_if_dash, open_kb
    from assistant.cli.filtering import scope_options
    from assistant.cli.render import json_text, print_json, render_passages, stdout
    from assistant.errors import InputError
    from assistant.scope import make_scope
    from assistant.service import check_question, search_many
    from assistant.service import search as find

    if (query is None) == (batch is None):
        raise InputError(
            "Give a query or --batch FILE, not both or neither", "see assistant search --help"
        )
    if batch is not None and not batch.is_file():
        raise InputError(f"No such file: {batch}", "give a text file with one query per line")
    options = scope_options(since, until, outlet, article, dated_only, as_of)
    scope = make_scope(**options)  # checked before anything is opened or read
    if query is not None:
        query = check_question(from_stdin_if_dash(query))
    settings, kb = open_kb(answering=True)
    top = k or settings.retrieval.top_k
    if batch is not None:
        lines = batch.read_text(encoding="utf-8", errors="replace").splitlines()
        for text, line_scope, found in search_many(kb, lines, top, options, settings):
            line: dict[str, object] = (
                {"query": text[:200], "error": str(found)}
                if isinstance(found, InputError)
                else {"query": text, "results": [passage.to_dict() for passage in found]}
            )
            if line_scope and (line_scope.filters or line_scope.as_of):
                line["scope"] = line_scope.to_dict()
            sys.stdout.write(json_text(line) + "\n")
        return
    passages = find(kb, query or "", top, scope=scope, settings=settings)
    if as_json:
        shown: dict[str, object] = {"query": query, "results": [p.to_dict() for p in passages]}
        if scope.filters or scope.as_of:
            shown["scope"] = scope.to_dict()
        print_json(shown)
    elif not passages and scope.filters:
        stdout().print(f"No passage matches the {scope.describe()}.", markup=False)
    else:
        render_passages(passages, stdout())


def register(app: typer.Typer) -> None:
    app.command()(search)
