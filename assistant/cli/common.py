"""Helpers the commands share: settings, the knowledge base, the ingest progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.answering.answer import Answer
    from assistant.settings import Settings
    from vectorstore.knowledge import KnowledgeBase, Progress


def open_kb(answering: bool = False) -> tuple[Settings, KnowledgeBase]:
    """The settings and the knowledge base they name. `answering` (ask, search, chat, eval):
    say on stderr when the index holds articles an older version stored."""
    from assistant.service import open_knowledge_base
    from assistant.settings import load_settings

    settings = load_settings()
    kb = open_knowledge_base(settings)
    outdated = kb.outdated() if answering else 0
    if outdated:
        sys.stderr.write(f"note: {outdated_note(outdated)}\n")
    return settings, kb


def outdated_note(count: int) -> str:
    """What to do about articles an older version (or other chunk settings) stored."""
    articles = "1 article in the index was" if count == 1 else f"{count} articles in the index were"
    return (
        f"{articles} stored by an older version of assistant or with other "
        "chunk settings, so their chunks, speakers and outlets are as that version found them; "
        "`assistant ingest` on their files (no path: the bundled seeds) updates them, and "
        "unchanged articles are not embedded again"
    )


@contextmanager
def ingest_progress(label: str = "Ingesting") -> Iterator[Progress]:
    """A progress bar on stderr (shown on a terminal only) fed by ingest's callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from assistant.cli.render import stderr

    console = stderr()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("articles · {task.fields[chunks]} chunks embedded"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(label, total=None, chunks=0)

    def update(done: int, total: int, chunks: int) -> None:
        bar.update(task, completed=done, total=total, chunks=chunks)

    with bar:
        yield update


@contextmanager
def task_progress(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A plain progress bar on stderr (terminal only): done of total."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from assistant.cli.render import stderr

    console = stderr()
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(label, total=total)
    with bar:
        yield lambda done, _total: bar.update(task, completed=done)


def from_stdin_if_dash(value: str) -> str:
    """`-` stands for standard input, as in most command-line tools."""
    return sys.stdin.read() if value == "-" else value


class StreamPrinter:
    """Writes an answer to stdout as it arrives (ask and chat both use it), made safe for the
    terminal (a control sequence split across two pieces loses its ESC in the first, so none
    can form); remembers whether anything was written."""

    def __init__(self) -> None:
        self.started = False
        self.text = ""

    def __call__(self, text: str) -> None:
        from vectorstore.ingest.text import safe

        self.started = True
        shown = safe(text)
        self.text += shown
        sys.stdout.write(shown)
        sys.stdout.flush()

    def end_line(self) -> bool:
        """Close the streamed line, if any was written; whether one was."""
        if self.started:
            sys.stdout.write("\n")
        return self.started


def stdout_is_terminal() -> bool:
    """Stream answers only to a terminal: piped output gets the verified answer alone."""
    return hasattr(sys.stdout, "isatty") and sys.stdout.isatty()


def show_verified(answer: Answer, show: StreamPrinter, console: Console) -> None:
    """After the stream, what stays on screen is the verified answer. When verification changed
    the text (a marker removed or rewritten, echoed prompt dropped), the streamed lines are
    cleared and the answer drawn again; when they have scrolled out of reach, the verified
    answer follows under a heading."""
    from rich.text import Text

    from assistant.cli.render import render_answer, render_sources

    if not show.started:
        render_answer(answer, console)
        return
    if show.text.strip() == answer.text.strip():
        sys.stdout.write("\n")
        render_sources(answer, console)
        return
    rows = rows_taken(show.text, console.width)
    if rows <= console.height:
        up = f"\x1b[{rows - 1}A" if rows > 1 else ""
        sys.stdout.write(f"\r{up}\x1b[J")
    else:
        sys.stdout.write("\n")
        console.print(Text("Verified answer:", style="bold"))
    sys.stdout.flush()
    render_answer(answer, console)


def rows_taken(text: str, width: int) -> int:
    """Terminal rows `text` fills at `width` columns when written from a line's start."""
    from rich.cells import cell_len

    width = max(width, 1)
    return sum(max(1, -(-cell_len(line) // width)) for line in text.split("\n"))
