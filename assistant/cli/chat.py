"""`assistant chat`: a conversation with follow-ups, streaming and slash commands."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

PROMPT = "› "


def chat(
    k: Annotated[
        int | None, typer.Option("-k", min=1, max=50, help="Passages per question.")
    ] = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Answer extractively even with an LLM set.")
    ] = False,
) -> None:
    """Ask questions in a conversation; follow-ups are understood. Type /help for commands."""
    from assistant.chat import ChatSession
    from assistant.cli.common import open_kb
    from assistant.service import ensure_articles

    settings, kb = open_kb()
    ensure_articles(kb)
    session = ChatSession(k=k or settings.top_k, use_llm=settings.llm_configured and not no_llm)
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_history(settings.home / "chat_history")
        print("Ask about the articles. /help lists commands; Ctrl-D leaves.")
    while True:
        try:
            line = input(PROMPT if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            print()
            continue
        if line.strip() and not _take_turn(line.strip(), session, settings, kb, interactive):
            break


def _take_turn(line: str, session: Any, settings: Any, kb: Any, interactive: bool) -> bool:
    """One command or question; False when the chat should end. A failed turn is reported and
    the session goes on."""
    from assistant.chat import Turn, handle_command
    from assistant.cli.common import StreamPrinter
    from assistant.cli.render import (
        render_answer,
        render_excerpt,
        render_sources,
        safe,
        stderr,
        stdout,
    )
    from assistant.service import ask, standalone_question
    from vectorstore.errors import UserError
    from vectorstore.ingest.text import hide_url_secrets

    console = stdout()
    if line.startswith("/"):
        reply = handle_command(line, session, settings.llm_configured, kb.store.article_text)
        if reply.text:
            console.print(safe(reply.text), markup=False)
        if reply.show:
            render_excerpt(*reply.show, console)
        return not reply.exit
    show = StreamPrinter()

    try:
        rewrite = standalone_question(line, session, settings)
        if rewrite.search != line:
            console.print(f"(searching: {safe(rewrite.search)})", style="dim", markup=False)
        answer = ask(
            kb,
            rewrite.question,
            settings,
            k=session.k,
            use_llm=session.use_llm,
            on_text=show,
            search_query=rewrite.search,
        )
    except KeyboardInterrupt:
        print("\n(answer cancelled)")
        return True
    except UserError as error:
        if show.started:
            print()
        stderr().print(f"error: {safe(hide_url_secrets(str(error)))}", markup=False)
        return True
    if show.started:
        print()
        render_sources(answer, console)
    else:
        render_answer(answer, console)
    print()
    session.turns.append(Turn(line, rewrite.search, answer))
    return True


def _enable_history(path: Path) -> None:
    """Line editing and a persistent history (GNU readline, where Python has it)."""
    try:
        import atexit
        import readline
    except ImportError:  # readline is missing on some platforms; chat works without it
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)
    atexit.register(readline.write_history_file, path)


def register(app: typer.Typer) -> None:
    app.command()(chat)
