"""`assistant ingest`: load, clean, chunk, embed and store articles, incrementally."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders of .txt, .md, .html, .json or .jsonl articles "
            "(default: the bundled seeds)."
        ),
    ] = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove articles whose files are gone.")
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Start over: read the articles, then replace the whole index with them "
            "(the index is kept when they cannot be read).",
        ),
    ] = False,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            help="Put NAME/ before every article id of this run, so files of the same name "
            "in different folders stay apart (e.g. --prefix reuters).",
            metavar="NAME",
        ),
    ] = None,
) -> None:
    """Add new and changed articles to the index; unchanged ones cost nothing."""
    from assistant.cli.common import ingest_progress, open_kb
    from assistant.cli.render import safe, stderr, stdout
    from assistant.errors import InputError
    from assistant.service import check_prefix, ingest_paths, rebuild_index

    prefix = check_prefix(prefix)
    if prune and rebuild:
        raise InputError("--prune and --rebuild do not go together", "use one of them")
    with ingest_progress() as progress:
        if rebuild:
            from assistant.settings import load_settings

            report = rebuild_index(load_settings(), paths or [], prefix, progress)
        else:
            _, kb = open_kb()
            report = ingest_paths(kb, paths or [], prune=prune, progress=progress, prefix=prefix)
    warn = stderr()
    for skipped in report.skipped:
        warn.print(f"skipped {safe(skipped.source)}: {safe(skipped.reason)}", markup=False)
    for doubt in report.doubts:
        article_id = safe(doubt.article_id)
        warn.print(
            f"warning {safe(doubt.source)}: {safe(doubt.reason)}; stored as '{article_id}' "
            f"(check it: assistant articles show {article_id})",
            markup=False,
        )
    stdout().print(report.summary(), markup=False)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
