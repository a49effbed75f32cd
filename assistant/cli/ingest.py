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
        bool, typer.Option("--rebuild", help="Delete the index and start over.")
    ] = False,
) -> None:
    """Add new and changed articles to the index; unchanged ones cost nothing."""
    from assistant.cli.common import ingest_progress, open_kb
    from assistant.render import safe, stderr, stdout
    from assistant.service import ingest_paths

    _, kb = open_kb(rebuild=rebuild)
    with ingest_progress() as progress:
        report = ingest_paths(kb, paths or [], prune=prune, progress=progress)
    warn = stderr()
    for skipped in report.skipped:
        warn.print(f"skipped {safe(skipped.source)}: {skipped.reason}", markup=False)
    stdout().print(report.summary(), markup=False)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
