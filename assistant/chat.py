"""The chat session: conversation state, one turn (rewrite, ask, record), slash commands.

Everything here is pure or takes its collaborators as arguments, so tests drive it directly;
the terminal loop (reading input, rendering) lives in cli/chat.py.

Follow-ups are rewritten into a standalone question before retrieval: by the LLM with
prompts/condense.txt when one is configured, otherwise by this heuristic:
  1. A question that refers back — a pronoun (he, she, it, they, his, her, its, their, there,
     that, this, those, these), "the same", or an opening "and"/"what about"/"how about" — gets
     the names of the previous standalone question that it does not already contain appended
     ("and who operates the railway there? (Kalugin, Trump Route)"), so retrieval and answer
     scoring see the subject.
  2. Relative dates ("today", "yesterday", "this week", "last week", "last month") are resolved
     against the newest publication date among the articles the last answer drew on, not today.
  3. A period the question names ("this week", "yesterday") also narrows the search to its days
     (period_scope), unless the session sets dates of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from assistant.answering.answer import FALLBACK_REASONS, Answer, Citation, byline, quoted
from assistant.answering.llm import ChatModel, OnText, complete
from assistant.answering.prompts import load_prompt
from assistant.errors import InputError
from assistant.scope import Scope, parse_day, with_changes
from assistant.service import ask, check_question
from assistant.settings import Settings
from vectorstore.ingest.text import is_name
from vectorstore.knowledge import KnowledgeBase
from vectorstore.search.dates import parse_span

_REFERS_BACK = re.compile(
    r"\b(he|she|it|they|him|his|her|hers|its|their|them|there|that|this|those|these|the same)\b"
    r"|^\s*(and|what about|how about)\b",
    re.IGNORECASE,
)
# A run of capitalised words or numbered formats ("Trump Route", "3+3"): a candidate name.
_NAME = re.compile(r"\b(?:[A-Z][\w'’.-]*|\d\+\d)(?:\s+(?:[A-Z][\w'’.-]*|\d\+\d))*")
HELP = """Commands:
  /help            this list
  /sources         the full passages behind the last answer
  /show N          the article around citation N, the quote highlighted
  /new             forget the conversation
  /k N             retrieve N passages per question
  /llm on|off      answer with the LLM (when configured) or extractively
  /since DATE      only articles from DATE on (2025-01-31, last week, 7 days ago); off
  /until DATE      only articles up to DATE; off
  /outlet NAME     only this outlet (again for more); off
  /article ID      only this article (again for more); off
  /dated on|off    leave out articles without a date
  /as-of DATE      ask as of DATE: relative dates and recency count from it; off
  /filters [off]   show the filters, or clear them all
  /save FILE       the transcript with citations, as Markdown
  /exit            leave (Ctrl-D too; Ctrl-C cancels an answer in progress)"""


@dataclass(frozen=True)
class Rewrite:
    """A follow-up made standalone: what is answered, and what retrieval searches for."""

    question: str
    search: str


@dataclass
class Turn:
    question: str
    standalone: str
    answer: Answer


@dataclass
class ChatSession:
    """What the conversation so far holds."""

    k: int
    use_llm: bool = True
    turns: list[Turn] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


def names_in(text: str) -> list[str]:
    """Names and numbered formats ("Trump Route", "Kalugin", "3+3"), question words left out."""
    found = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group(0).split() if w[:1].isdigit() or is_name(w)]
        if words:
            found.append(" ".join(words).rstrip("?.,'’s"))
    return list(dict.fromkeys(n for n in found if n))


def rewrite_heuristically(question: str, session: ChatSession) -> str:
    """The standalone form of a follow-up (see the module docstring)."""
    standalone = resolve_relative_dates(question, session)
    if session.last is None or not _REFERS_BACK.search(question):
        return standalone
    present = question.casefold()
    carried = [n for n in names_in(session.last.standalone) if n.casefold() not in present]
    return f"{standalone} ({', '.join(carried)})" if carried else standalone


def resolve_relative_dates(question: str, session: ChatSession) -> str:
    anchor = session.scope.as_of or articles_date(session)
    if anchor is None:
        return question
    spans = {
        "today": anchor.isoformat(),
        "yesterday": (anchor - timedelta(days=1)).isoformat(),
        "this week": f"the week of {(anchor - timedelta(days=anchor.weekday())).isoformat()}",
        "last week": f"the week of {(anchor - timedelta(days=anchor.weekday() + 7)).isoformat()}",
        "last month": (anchor.replace(day=1) - timedelta(days=1)).strftime("%B %Y"),
    }
    for phrase, value in spans.items():
        question = re.sub(rf"\b{phrase}\b", f"{phrase} ({value})", question, flags=re.IGNORECASE)
    return question


def articles_date(session: ChatSession) -> date | None:
    """The newest publication date among the passages the last answer drew on."""
    if session.last is None:
        return None
    dates = [p.published[:10] for p in session.last.answer.passages if p.published]
    try:
        return max(date.fromisoformat(d) for d in dates) if dates else None
    except ValueError:
        return None


def take_turn(
    question: str,
    session: ChatSession,
    kb: KnowledgeBase,
    settings: Settings,
    on_text: OnText | None = None,
    on_search: Callable[[str], None] | None = None,
    chat: ChatModel | None = None,
) -> Turn:
    """One question of the conversation: made standalone, answered through `ask` (streamed to
    `on_text`), and recorded. `on_search` hears what is searched when it differs from what was
    typed. A failed turn raises and leaves the session as it was."""
    rewrite = standalone_question(question, session, settings, chat)
    scope = period_scope(question, session.scope, kb.lexical().newest_day)
    if on_search and (rewrite.search != question or scope != session.scope):
        dates = scope.filters
        period = f" [{dates.since} to {dates.until}]" if scope != session.scope else ""
        on_search(rewrite.search + period)
    answer = ask(
        kb,
        rewrite.question,
        settings,
        k=session.k,
        use_llm=session.use_llm,
        on_text=on_text,
        search_query=rewrite.search,
        chat=chat,
        scope=scope,
    )
    turn = Turn(question, rewrite.search, answer)
    session.turns.append(turn)
    return turn


# A period a question names in words: "what happened this week?"
_PERIOD = re.compile(
    r"\b(today|yesterday|this week|last week|this month|last month)\b", re.IGNORECASE
)


def period_scope(question: str, scope: Scope, newest: date | None) -> Scope:
    """The scope narrowed to the period the question names ("this week", "yesterday"), when
    the scope sets no dates of its own: counted from its as-of day, else from the newest
    article in the index (a collection is read after the fact, so not from today)."""
    found = _PERIOD.search(question)
    anchor = scope.as_of or newest
    if not found or anchor is None or scope.filters.since or scope.filters.until:
        return scope
    since, until = parse_span(found[1], anchor)
    return replace(scope, filters=replace(scope.filters, since=since, until=until))


def standalone_question(
    question: str, session: ChatSession, settings: Settings, chat: ChatModel | None = None
) -> Rewrite:
    """A follow-up made to stand alone: by the LLM when configured and on (then it is both
    asked and searched), else by the heuristic in the module docstring, whose carried-over
    names only widen the search: the answer must still fit the user's own words."""
    question = check_question(question)
    if session.last is None or not (session.use_llm and settings.llm.configured):
        return Rewrite(
            resolve_relative_dates(question, session), rewrite_heuristically(question, session)
        )
    prompt = load_prompt("condense").render(history=history_text(session), question=question)
    reply = complete(settings.llm, [("user", prompt)], chat=chat).text
    rewritten = " ".join(reply.strip().strip('"').split())
    return Rewrite(rewritten or question, rewritten or question)


def history_text(session: ChatSession, turns: int = 3) -> str:
    return "\n".join(
        f"User: {t.question}\nAssistant: {t.answer.text}" for t in session.turns[-turns:]
    )


@dataclass(frozen=True)
class Reply:
    """What a slash command says, and whether the chat should end."""

    text: str = ""
    exit: bool = False
    show: tuple[str, int, int] | None = None  # (article text excerpt, quote start, quote end)


def handle_command(
    line: str,
    session: ChatSession,
    llm_available: bool,
    article_text: Callable[[str], str | None],
    today: date | None = None,
) -> Reply:
    """Run one slash command against the session."""
    name, _, argument = line.strip().partition(" ")
    argument = argument.strip()
    if name in FILTER_COMMANDS:
        return _filter(name, argument, session, today or date.today())
    if name in ("/exit", "/quit"):
        return Reply(exit=True)
    if name == "/help":
        return Reply(HELP)
    if name == "/new":
        session.turns.clear()
        return Reply("Started a new conversation.")
    if name == "/k":
        if not argument.isdigit() or not 1 <= int(argument) <= 50:
            return Reply("Usage: /k N, with N from 1 to 50.")
        session.k = int(argument)
        return Reply(f"Retrieving {session.k} passages per question.")
    if name == "/llm":
        return _llm(argument, session, llm_available)
    if name == "/sources":
        return _sources(session)
    if name == "/show":
        return _show(argument, session, article_text)
    if name == "/save":
        return _save(argument, session)
    return Reply(f"Unknown command {name}. Type /help for the list.")


FILTER_COMMANDS = ("/since", "/until", "/outlet", "/article", "/dated", "/as-of", "/filters")


def _filter(name: str, argument: str, session: ChatSession, today: date) -> Reply:
    """Set or clear one filter (`off` clears), then say what the filters are."""
    scope, off = session.scope, argument.casefold() == "off"
    if name != "/filters" and not argument:
        return Reply(f"Usage: {name} {'on|off' if name == '/dated' else 'VALUE|off'}")
    try:
        if name == "/filters":
            scope = Scope() if off else scope
        elif name == "/dated":
            if argument not in ("on", "off"):
                return Reply("Usage: /dated on|off")
            scope = with_changes(scope, dated_only=argument == "on")
        elif name in ("/outlet", "/article"):
            field_name = "outlets" if name == "/outlet" else "articles"
            added = () if off else (*getattr(scope.filters, field_name), argument)
            scope = with_changes(scope, **{field_name: tuple(dict.fromkeys(added))})
        else:
            scope = _with_day(scope, name, None if off else argument, today)
    except InputError as error:
        return Reply(str(error))
    session.scope = scope
    shown = scope.describe()
    return Reply(shown[0].upper() + shown[1:] + ".")


def _with_day(scope: Scope, name: str, value: str | None, today: date) -> Scope:
    """The scope with /since, /until or /as-of set (relative to as-of, else today) or cleared."""
    if name == "/as-of":
        day = parse_day(value, today, name) if value else None
        return with_changes(scope, as_of=day)
    reference = scope.as_of or today
    day = parse_day(value, reference, name, last=name == "/until") if value else None
    return with_changes(scope, **{name[1:]: day})


def _llm(argument: str, session: ChatSession, llm_available: bool) -> Reply:
    if argument not in ("on", "off"):
        return Reply("Usage: /llm on|off")
    if argument == "on" and not llm_available:
        return Reply("No LLM is configured: set OPENAI_API_KEY or OPENAI_BASE_URL.")
    session.use_llm = argument == "on"
    return Reply(f"LLM answers {argument}.")


def _sources(session: ChatSession) -> Reply:
    if session.last is None:
        return Reply("No answer yet.")
    blocks = [
        f"[{p.rank}] {byline(p.title, p.outlet, p.published)} ({p.article_id})\n{p.text}"
        for p in session.last.answer.passages
    ]
    return Reply("\n\n".join(blocks) or "The last answer drew on no passages.")


def _show(argument: str, session: ChatSession, article_text: Callable[[str], str | None]) -> Reply:
    if session.last is None or not session.last.answer.citations:
        return Reply("The last answer has no citations.")
    citations = {c.n: c for c in session.last.answer.citations}
    if not argument.isdigit() or int(argument) not in citations:
        return Reply(f"Usage: /show N, with N one of {', '.join(map(str, sorted(citations)))}.")
    citation = citations[int(argument)]
    text = article_text(citation.article_id)
    if text is None:
        return Reply(f"Article {citation.article_id} is no longer in the index.")
    start, end = max(0, citation.start - 600), min(len(text), citation.end + 600)
    heading = f"[{citation.n}] {byline(citation.title, citation.outlet, citation.published)}"
    return Reply(heading, show=(text[start:end], citation.start - start, citation.end - start))


def _save(argument: str, session: ChatSession) -> Reply:
    if not argument:
        return Reply("Usage: /save FILE")
    path = Path(argument).expanduser()
    try:
        path.write_text(transcript_markdown(session), encoding="utf-8")
    except OSError as error:
        return Reply(f"Cannot write {path}: {error.strerror}")
    return Reply(f"Saved {len(session.turns)} turns to {path}.")


def transcript_markdown(session: ChatSession) -> str:
    """The conversation with its citations, as Markdown."""
    parts = ["# Conversation\n"]
    for number, turn in enumerate(session.turns, start=1):
        parts.append(f"## {number}. {turn.question}\n")
        if turn.standalone != turn.question:
            parts.append(f"*Searched as:* {turn.standalone}\n")
        parts.append(f"{turn.answer.text}\n")
        parts += citation_lines(turn.answer.citations)
        fallback = turn.answer.fallback
        if fallback is not None:
            reason = FALLBACK_REASONS.get(fallback.reason, fallback.reason)
            parts.append(f"\n*{reason}* What the articles say (quoted):\n\n{fallback.text}\n")
            parts += citation_lines(fallback.citations)
        parts.append("")
    return "\n".join(parts)


def citation_lines(citations: list[Citation]) -> list[str]:
    lines = []
    for c in citations:
        flag = "" if c.supported else " **(unsupported)**"
        lines.append(
            f"- [{c.n}] {byline(c.title, c.outlet, c.published)} (`{c.article_id}`, "
            f"characters {c.start}–{c.end}){flag}: {quoted(c.quote)}"
            + (f" {c.said_by}" if c.said_by else "")
        )
    return lines
