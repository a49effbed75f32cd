"""The `assistant` command: one typer app, one error boundary.

Commands live one module per group and import heavy libraries only when they run, so
`assistant --help` stays instant.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from assistant.errors import UserError, user_error
from vectorstore.errors import KnowledgeBaseError


class ErrorBoundary(TyperGroup):
    """Turns a known error (the assistant's, or the knowledge base's given its hint), or a
    mistyped option, into one line on stderr and its exit code.

    Anything else propagates: under pytest, or with ASSISTANT_DEBUG=1 (then known errors too),
    a crash stays visible instead of hiding behind a message.
    """

    def invoke(self, ctx: Any) -> Any:  # click's Context, vendored by typer
        from typer._click.exceptions import UsageError  # typer vendors click

        try:
            return super().invoke(ctx)
        except (UserError, KnowledgeBaseError) as error:
            from assistant.settings import debug_enabled

            if debug_enabled():
                raise
            shown = user_error(error)
            _fail(str(shown), shown.exit_code)
        except UsageError as error:
            command = error.ctx.command_path if error.ctx else "assistant"
            _fail(f"{error.format_message()} — see `{command} --help`", error.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """The top level's own options (`assistant --bogus`) fail in one line too."""
        from typer._click.exceptions import NoArgsIsHelpError, UsageError  # vendored click

        try:
            return super().make_context(*args, **kwargs)
        except NoArgsIsHelpError:
            raise  # plain `assistant` shows the help
        except UsageError as error:
            _fail(f"{error.format_message()} — see `assistant --help`", error.exit_code)


def _fail(message: str, code: int) -> None:
    """One line on stderr, safe for the terminal and with no password from a URL."""
    from vectorstore.ingest.text import hide_url_secrets, safe

    line = " ".join(safe(hide_url_secrets(message)).split())
    sys.stderr.write(f"error: {line}\n")
    raise typer.Exit(code)


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        sys.stdout.write(f"assistant {version('assistant')}\n")
        raise typer.Exit()


app = typer.Typer(
    cls=ErrorBoundary,
    name="assistant",
    help="Answer questions about a collection of news articles, citing the passages used.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Answer questions about a collection of news articles, citing the passages used."""


def _register() -> None:
    from assistant.cli import articles, ask, chat, eval, ingest, search, status

    for module in (ingest, ask, chat, search, eval, status, articles):
        module.register(app)


_register()


def main() -> None:
    app()
