"""`assistant ask`: one cited answer."""

from __future__ import annotations

from typing import Annotated

import typer


def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    k: Annotated[
        int | None, typer.Option("-k", min=1, max=50, help="Passages to retrieve.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question from the articles, citing the passages used."""
    from assistant.cli.common import ingest_progress, open_kb
    from assistant.render import print_json, render_answer, stdout
    from assistant.service import ask as answer_question
    from assistant.service import check_question, ensure_articles

    check_question(question)
    settings, kb = open_kb()
    with ingest_progress("Ingesting the bundled seeds") as progress:
        ensure_articles(kb, progress=progress)
    answer = answer_question(kb, question, settings, k=k)
    if as_json:
        print_json(answer.to_dict())
    else:
        render_answer(answer, stdout())


def register(app: typer.Typer) -> None:
    app.command()(ask)
