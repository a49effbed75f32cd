"""`assistant status`: what is indexed, where, and the effective settings (secrets masked)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from assistant.cli.options import AsJSON

if TYPE_CHECKING:
    from assistant.settings import Settings


def status(as_json: AsJSON = False) -> None:
    """Show the index (location, embedding model, counts) and the effective settings."""
    from assistant.cli.common import open_kb
    from assistant.cli.render import print_json, safe, stdout
    from vectorstore.ingest.text import hide_url_secrets

    settings, kb = open_kb()
    report = {"index": kb.describe(), "settings": shown_settings(settings)}
    report["index"]["location"] = hide_url_secrets(str(report["index"]["location"]))
    if as_json:
        print_json(report)
        return
    console = stdout()
    for section, values in report.items():
        console.print(f"{section}:", markup=False)
        for name, value in values.items():
            console.print(f"  {name}: {safe(_as_text(value))}", markup=False)


def shown_settings(settings: Settings) -> dict[str, Any]:
    """Each documented setting by its variable's name (lower case, without ASSISTANT_), as a
    JSON value: a secret shows only whether it is set, a URL never shows its password, and an
    unset value is null."""
    from pydantic import SecretStr

    from vectorstore.ingest.text import hide_url_secrets

    shown: dict[str, Any] = {}
    for variable, value in settings.documented().items():
        name = variable.lower().removeprefix("assistant_")
        if isinstance(value, SecretStr):
            shown[name] = "set (hidden)" if value.get_secret_value() else None
        elif isinstance(value, str):
            shown[name] = hide_url_secrets(value)
        elif value is None or isinstance(value, bool | int | float):
            shown[name] = value
        else:
            shown[name] = str(value)
    return shown


def _as_text(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def register(app: typer.Typer) -> None:
    app.command()(status)
