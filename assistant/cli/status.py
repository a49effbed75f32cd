"""`assistant status`: what is indexed, where, and the effective settings (secrets masked)."""

from __future__ import annotations

from typing import Annotated

import typer


def status(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Show the index (location, embedding model, counts) and the effective settings."""
    from assistant.cli.common import open_kb
    from assistant.render import print_json, stdout

    settings, kb = open_kb()
    report = {"index": kb.describe(), "settings": _masked(settings.model_dump())}
    if as_json:
        print_json(report)
        return
    console = stdout()
    for section, values in report.items():
        console.print(f"{section}:", markup=False)
        for name, value in values.items():
            console.print(f"  {name}: {value}", markup=False)


def _masked(settings: dict[str, object]) -> dict[str, object]:
    """Secret values show only whether they are set."""
    from pydantic import SecretStr

    return {
        name: ("set (hidden)" if value.get_secret_value() else "not set")
        if isinstance(value, SecretStr)
        else str(value)
        if value is not None
        else None
        for name, value in settings.items()
    }


def register(app: typer.Typer) -> None:
    app.command()(status)
