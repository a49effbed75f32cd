"""`assistant chat`: a conversation with follow-ups, streaming and slash commands."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from assistant.cli.filtering import Article, AsOf, DatedOnly, Outlet, Since, Until
from assistant.cli.options import NoLLM, Passages

if TYPE_CHECKING:
    from assistant.chat import ChatSession
    from assistant.settings import Settings
    from vectorstore.knowledge import KnowledgeBase

PROMPT = "› "


def chat(
    k: Passages = None,
    no_llm: NoLLM = False,
    since: Since = None,
    until: Until = None,
    outlet: Outlet = None,
    article: Article = None,
    dated_only: DatedOnly = False,
    as_of: AsOf = None,
) -> None:
    """Ask questions in a conversation; follow-ups are understood. Type /help for commands."""
    from assistant.chat import ChatSession
    from assistant.cli.common import open_kb
    from assistant.cli.filtering import scope_from
    from assistant.service import ensure_articles

    scope = scope_from(since, until, outlet, article, dated_only, as_of)
    settings, kb = open_kb(answering=True)
    ensure_articles(kb)
    k = k or settings.retrieval.top_k
    session = ChatSession(k=k, use_llm=settings.llm.configured and not no_llm, scope=scope)
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
        if line.strip() and not _respond(line.strip(), session, settings, kb):
            break


def _respond(line: str, session: ChatSession, settings: Settings, kb: KnowledgeBase) -> bool:
    """Run a command or answer a question; False when the chat should end. A failed turn is
    reported and the session goes on."""
    from assistant.chat import handle_command, take_turn
    from assistant.cli import common
    from assistant.cli.common import StreamPrinter, show_verified
    from assistant.cli.render import render_excerpt, safe, stdout
    from assistant.errors import UserError, user_error
    from vectorstore.errors import KnowledgeBaseError
    from vectorstore.ingest.text import hide_url_secrets

    console = stdout()
    if line.startswith("/"):
        reply = handle_command(line, session, settings.llm.configured, kb.article_text)
        if reply.text:
            console.print(safe(reply.text), markup=False)
        if reply.show:
            render_excerpt(*reply.show, console)
        return not reply.exit
    show = StreamPrinter()

    def searching(query: str) -> None:
        console.print(f"(searching: {safe(query)})", style="dim", markup=False)

    try:
        turn = take_turn(
            line,
            session,
            kb,
            settings,
            on_text=show if common.stdout_is_terminal() else None,
            on_search=searching,
        )
    except KeyboardInterrupt:
        print("\n(answer cancelled)")
        return True
    except (UserError, KnowledgeBaseError) as error:
        show.end_line()
        sys.stderr.write(f"error: {safe(hide_url_secrets(str(user_error(error))))}\n")
        return True
    show_verified(turn.answer, show, console)
    print()
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
