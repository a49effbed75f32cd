"""The case rows of the evaluation report: each case's question, answer with linked [n],
quotes highlighted inside their passages, facts found and missing, and what changed since the
baseline. Every string from outside goes through `html.escape` (see report_html.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from assistant.answering.answer import FALLBACK_REASONS, MARKER, Answer, Citation, quoted
from assistant.evaluation.metrics import CaseResult, EvalReport
from vectorstore.search.retrieval import Passage


def cases_section(
    report: EvalReport, baseline: dict[str, Any] | None, slugs: dict[str, str]
) -> str:
    """The Cases section: filter buttons, a header row, then one row per case."""
    changes = {case.id: case_change(case, baseline) for case in report.cases}
    failed = sum(not case.passed for case in report.cases)
    changed = sum(bool(change) for change in changes.values())
    no_baseline = " disabled title='no baseline given'" if baseline is None else ""
    filters = (
        "<div class=filters hidden>"
        f"<button data-filter=all aria-pressed=true>All {len(report.cases)}</button>"
        f"<button data-filter=failed aria-pressed=false>Failed {failed}</button>"
        f"<button data-filter=changed aria-pressed=false{no_baseline}>"
        f"Changed since baseline {changed}</button>"
        "<button data-open=1>Expand all</button><button data-open=0>Collapse all</button></div>"
    )
    head = (
        "<div class='row head'><span></span><span>case</span><span>question</span>"
        "<span>facts</span><span>citations</span><span>source rank</span><span>latency ms</span>"
        "<span>vs baseline</span></div>"
    )
    rows = [
        _case(case, report.answers.get(case.id), slugs[case.id], changes[case.id], baseline)
        for case in report.cases
    ]
    return "<section><h2>Cases</h2>" + filters + head + "\n".join(rows) + "</section>"


def case_change(case: CaseResult, baseline: dict[str, Any] | None) -> str:
    """How a case differs from the baseline: 'new', 'was pass', 'was FAIL', 'answer changed',
    or '' when it does not (or there is no baseline)."""
    if baseline is None:
        return ""
    verdicts = baseline.get("cases", {})
    if case.id not in verdicts:
        return "new"
    if verdicts[case.id] != case.passed:
        return "was pass" if verdicts[case.id] else "was FAIL"
    previous = _baseline_answer(case.id, baseline)
    return "answer changed" if previous is not None and previous != case.answer else ""


def _baseline_answer(case_id: str, baseline: dict[str, Any]) -> str | None:
    for detail in baseline.get("details", []):
        if isinstance(detail, dict) and detail.get("id") == case_id:
            answer = detail.get("answer")
            return answer if isinstance(answer, str) else None
    return None


def _case(
    case: CaseResult,
    answer: Answer | None,
    slug: str,
    change: str,
    baseline: dict[str, Any] | None,
) -> str:
    flags = ("" if case.passed else " data-failed") + (" data-changed" if change else "")
    verdict = "<b class=pass>pass</b>" if case.passed else "<b class=fail>FAIL</b>"
    facts = f"{case.facts_covered}/{case.facts_total}" if case.answerable else "must refuse"
    unsupported = f" ({case.unsupported} unsupported)" if case.unsupported else ""
    summary = (
        f"<summary class=row>{verdict}<code>{escape(case.id)}</code>"
        f"<span class=q>{escape(case.question)}</span><span>{facts}</span>"
        f"<span>{case.citations}{unsupported}</span>"
        f"<span>{'#' + str(case.source_rank) if case.source_rank else '—'}</span>"
        f"<span>{case.latency_ms:,.0f}</span><span class=change>{escape(change)}</span></summary>"
    )
    body = [
        f"<h3>Question</h3><p>{escape(case.question)}</p>",
        _answer_block(case, answer, slug),
        _reasons(case),
        _facts(case),
    ]
    previous = _baseline_answer(case.id, baseline) if change and baseline else None
    if previous is not None and previous != case.answer:
        body.append(f"<h3>Baseline answer</h3><p class=previous>{escape(previous)}</p>")
    if answer is not None:
        body.append(_citations(answer, slug))
        body.append(_retrieved(answer))
    return (
        f"<details class=case id='case-{escape(slug)}'{flags}>{summary}"
        f"<div class=body>{''.join(body)}</div></details>"
    )


def _answer_block(case: CaseResult, answer: Answer | None, slug: str) -> str:
    cited = {c.n for c in answer.citations} if answer else set()
    label = " <span class=tag>refused</span>" if case.abstained else ""
    notes = []
    checks = answer.verification if answer is not None else None
    if checks is not None:
        if checks.removed_markers:
            shown = ", ".join(f"[{n}]" for n in checks.removed_markers)
            notes.append(f"Removed {escape(shown)}: no such passage was given to the model.")
        if checks.uncited and checks.fallback is None:
            notes.append("This answer cites no passage.")
        if checks.fallback is not None:
            reason = FALLBACK_REASONS.get(checks.fallback.reason, checks.fallback.reason)
            quotes = " ".join(escape(quoted(c.quote)) for c in checks.fallback.citations)
            notes.append(
                f"{escape(reason)} What the articles say: {quotes or 'nothing that answers it.'}"
            )
    warnings = "".join(f"<p class=warn>{note}</p>" for note in notes)
    return (
        f"<h3>Answer{label}</h3><p class=answer>{linked_answer(case.answer, cited, slug)}</p>"
        + warnings
    )


def linked_answer(text: str, cited: set[int], slug: str) -> str:
    """The answer, escaped, with each [n] that has a citation linked to it."""
    parts, position = [], 0
    for match in MARKER.finditer(text):
        parts.append(escape(text[position : match.start()]))
        n = int(match.group(1))
        shown = escape(match.group(0))
        parts.append(
            f"<a class=ref href='#{cite_id(slug, n)}'>{shown}</a>" if n in cited else shown
        )
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def cite_id(slug: str, n: int) -> str:
    return f"c{slug}-{n}"


def _reasons(case: CaseResult) -> str:
    if not case.reasons:
        return ""
    items = "".join(f"<li>{escape(reason)}</li>" for reason in case.reasons)
    return f"<h3>Why it failed</h3><ul class=reasons>{items}</ul>"


def _facts(case: CaseResult) -> str:
    if not case.answerable:
        verdict = "refused, as it must" if case.abstained else "answered, but it must refuse"
        return f"<h3>Facts</h3><p>Unanswerable from the articles: {verdict}.</p>"
    if not case.facts_total:
        return ""
    found = "".join(f"<li class=found>{escape(fact)}</li>" for fact in case.facts_found)
    missing = "".join(f"<li class=missing>{escape(fact)}</li>" for fact in case.facts_missing)
    return f"<h3>Facts</h3><ul class=facts>{found}{missing}</ul>"


def _citations(answer: Answer, slug: str) -> str:
    """One block per cited passage: its byline and the passage with every quote highlighted."""
    if not answer.citations:
        return ""
    by_number: dict[int, list[Citation]] = {}
    for citation in answer.citations:
        by_number.setdefault(citation.n, []).append(citation)
    blocks = [
        _citation(n, group, _passage_of(group[0], answer.passages), slug)
        for n, group in sorted(by_number.items())
    ]
    return "<h3>Citations</h3>" + "".join(blocks)


def _passage_of(citation: Citation, passages: Iterable[Passage]) -> Passage | None:
    """The passage a citation quotes (the same chunk, holding the quote's offsets)."""
    return next(
        (
            p
            for p in passages
            if p.chunk_id == citation.chunk_id and p.start <= citation.start < citation.end <= p.end
        ),
        None,
    )


def _citation(n: int, group: list[Citation], passage: Passage | None, slug: str) -> str:
    first = group[0]
    speakers = ", ".join(dict.fromkeys(c.speaker for c in group if c.speaker))
    byline = [first.outlet, first.published, f"speaker: {speakers}" if speakers else None]
    details = " · ".join(escape(part) for part in byline if part)
    spans = ", ".join(f"{c.start}–{c.end}" for c in group)
    unsupported = [c for c in group if not c.supported]
    flag = " <span class='tag bad'>unsupported</span>" if unsupported else ""
    claims = "".join(
        f"<p class=claim>claim: {escape(c.claim)}</p>"
        for c in group
        if c.claim and c.claim != c.quote
    )
    return (
        f"<div class=cite id='{cite_id(slug, n)}'><p class=byline><b>[{n}]</b> "
        f"{_title(first.title, first.url)}{' — ' + details if details else ''}{flag}<br>"
        f"<small>{escape(first.article_id)} · characters {spans}</small></p>"
        f"<blockquote>{highlighted(passage, group)}</blockquote>{claims}</div>"
    )


def _title(title: str, url: str | None) -> str:
    """The article's title, linked to its web page when it has an http(s) address."""
    if url and re.match(r"https?://", url, flags=re.I):
        return f"<a href='{escape(url)}' rel='noopener noreferrer'>{escape(title)}</a>"
    return escape(title)


def highlighted(passage: Passage | None, quotes: Sequence[Citation]) -> str:
    """The passage, escaped, with each quote (article offsets) marked; the quotes alone when
    the passage is not at hand."""
    if passage is None:
        return " … ".join(f"<mark>{escape(c.quote)}</mark>" for c in quotes)
    spans = sorted((c.start - passage.start, c.end - passage.start) for c in quotes)
    parts, position = [], 0
    for start, end in spans:
        start = max(start, position)
        if end <= start:
            continue
        parts.append(escape(passage.text[position:start]))
        parts.append(f"<mark>{escape(passage.text[start:end])}</mark>")
        position = end
    parts.append(escape(passage.text[position:]))
    return "".join(parts)


def _retrieved(answer: Answer) -> str:
    if not answer.passages:
        return ""
    cited = {c.chunk_id for c in answer.citations}
    items = "".join(
        f"<li{' class=cited' if p.chunk_id in cited else ''}>{escape(p.title)} "
        f"<small>{escape(p.article_id)} · {p.start}–{p.end} · score {p.score:.4f}</small></li>"
        for p in answer.passages
    )
    return f"<h3>Retrieved passages</h3><ol class=retrieved>{items}</ol>"
