"""Options several commands share, defined once with one help text each."""

from __future__ import annotations

from typing import Annotated

import typer

Passages = Annotated[
    int | None,
    typer.Option(
        "-k", min=1, max=50, help="Passages to retrieve per question (default: ASSISTANT_TOP_K)."
    ),
]
NoLLM = Annotated[
    bool, typer.Option("--no-llm", help="Answer extractively even when an LLM is configured.")
]
AsJSON = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
