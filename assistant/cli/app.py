"""The `assistant` command: one typer app, one error boundary.

Commands live one module per group and import heavy libraries only when they run, so
`assistant --help` stays instant.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from vectorstore.errors import UserError


class ErrorBoundary(TyperGroup):
    """Turns a UserError into one line on stderr and its exit code.

    Anything else propagates: under pytest, or with ASSISTANT_DEBUG=1, a crash stays visible
    instead of hiding behind a message.
    """

    def invoke(self, ctx: Any) -> Any:  # click's Context, vendored by typer
        try:
            return super().invoke(ctx)
        except UserError as error:
            if os.environ.get("ASSISTANT_DEBUG", "").lower() in ("1", "true", "yes"):
                raise
            sys.stderr.write(f"error: {error}\n")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=ErrorBoundary,
    name="assistant",
    help="Answer questions about a collection of news articles, citing the passages used.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _register() -> None:
    from assistant.cli import ask, chat, eval, ingest, search, status

    for module in (ingest, ask, chat, search, eval, status):
        module.register(app)


_register()


def main() -> None:
    app()
