"""`assistant ask`: one cited answer, streamed when an LLM writes it."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.filtering import Article, AsOf, DatedOnly, Outlet, Since, Until
from assistant.cli.options import AsJSON, NoLLM, Passages


def ask(
    question: Annotated[
        str, typer.Argument(help="The question, in quotes; - reads it from standard input.")
    ],
    k: Passages = None,
    as_json: AsJSON = False,
    no_llm: NoLLM = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show mode, token usage and timings.")
    ] = False,
    since: Since = None,
    until: Until = None,
    outlet: Outlet = None,
    article: Article = None,
    dated_only: DatedOnly = False,
    as_of: AsOf = None,
) -> None:
    """Answer a question from the articles, citing the passages used."""
    from assistant.cli import common
    from assistant.cli.common import (
        StreamPrinter,
        from_stdin_if_dash,
        ingest_progress,
        open_kb,
        show_verified,
    )
    from assistant.cli.filtering import scope_from
    from assistant.cli.render import (
        print_json,
        render_details,
        render_passages,
        stdout,
    )
    from assistant.errors import LLMError
    from assistant.service import ask as answer_question
    from assistant.service import check_question, ensure_articles
    from vectorstore.ingest.text import hide_url_secrets

    scope = scope_from(since, until, outlet, article, dated_only, as_of)
    question = check_question(from_stdin_if_dash(question))
    settings, kb = open_kb(answering=True)
    with ingest_progress("Ingesting the bundled seeds") as progress:
        ensure_articles(kb, progress=progress)
    console = stdout()
    show = StreamPrinter()

    try:
        answer = answer_question(
            kb,
            question,
            settings,
            k=k,
            use_llm=not no_llm,
            on_text=show if common.stdout_is_terminal() and not as_json else None,
            scope=scope,
        )
    except LLMError as error:
        show.end_line()
        if as_json:
            print_json(
                {
                    "error": hide_url_secrets(str(error)),
                    "passages": [p.to_dict() for p in error.passages],
                }
            )
        else:
            console.print("The LLM failed; the retrieved passages:\n", markup=False)
            render_passages(error.passages, console)
        raise
    if as_json:
        shown = answer.to_dict()
        if scope.filters or scope.as_of:
            shown["scope"] = scope.to_dict()
        print_json(shown)
        return
    show_verified(answer, show, console)
    if verbose:
        render_details(answer, console)


def register(app: typer.Typer) -> None:
    app.command()(ask)
