"""Helpers the commands share: settings, the knowledge base, the ingest progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.settings import Settings
    from vectorstore.knowledge import KnowledgeBase, Progress


def open_kb() -> tuple[Settings, KnowledgeBase]:
    from assistant.service import open_knowledge_base
    from assistant.settings import load_settings

    settings = load_settings()
    return settings, open_knowledge_base(settings)


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

    def __call__(self, text: str) -> None:
        from vectorstore.ingest.text import safe

        self.started = True
        sys.stdout.write(safe(text))
        sys.stdout.flush()

    def end_line(self) -> bool:
        """Close the streamed line, if any was written; whether one was."""
        if self.started:
            sys.stdout.write("\n")
        return self.started
