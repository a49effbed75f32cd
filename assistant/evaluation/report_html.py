"""An evaluation run as one self-contained HTML page, to look at what the numbers summarise.

The page holds a header (golden file, mode, k, date, commit), metric cards and a bar chart
against the baseline, and one row per case that opens onto the question, the answer with each
[n] linked to its quote, the quote highlighted inside the passage it comes from, the facts found
and missing and the reasons a case failed. It loads nothing: CSS and SVG are inline, and a small
inline script filters the rows (all / failed / changed since the baseline).

Every string from outside (questions, answers, article text and titles, ids, file names) goes
through `html.escape`, and the page's Content-Security-Policy lets only its own script run, so a
hostile article shows as text.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import CaseResult, EvalReport, Regression
from assistant.evaluation.report_cases import cases_section

# (metric, label, is a share from 0 to 1); shares are also drawn in the chart.
METRICS = [
    ("pass_rate", "pass rate", True),
    ("recall_at_k", "recall@k", True),
    ("mrr", "MRR", True),
    ("citation_precision", "citation precision", True),
    ("fact_recall", "fact recall", True),
    ("refusal_accuracy", "refusal accuracy", True),
    ("unsupported_rate", "unsupported rate", True),
    ("latency_p50_ms", "latency p50 (ms)", False),
    ("latency_p95_ms", "latency p95 (ms)", False),
    ("tokens", "tokens", False),
]
LOWER_IS_BETTER = {"unsupported_rate", "latency_p50_ms", "latency_p95_ms", "tokens"}


@dataclass(frozen=True)
class RunInfo:
    """What the header says about the run, beyond the report itself."""

    golden: str  # the golden file as given
    mode: str  # "extractive", or "LLM <model>"
    created: str  # when the run happened, as shown
    commit: str | None = None  # the checkout's commit, when there is one
    baseline: str | None = None  # the baseline file compared with


def git_commit(folder: Path, timeout: float = 2.0) -> str | None:
    """The short commit of the git checkout holding `folder`, saying so when tracked files
    have changed since; None outside a checkout or without git."""
    head = _git(folder, timeout, "rev-parse", "--short", "HEAD")
    if not head:
        return None
    dirty = _git(folder, timeout, "status", "--porcelain", "--untracked-files=no")
    return f"{head} (uncommitted changes)" if dirty else head


def _git(folder: Path, timeout: float, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def render_report(
    report: EvalReport,
    info: RunInfo,
    baseline: dict[str, Any] | None = None,
    regression: Regression | None = None,
) -> str:
    """The whole page for one evaluation run, compared with `baseline` when given."""
    regression = regression or Regression([], [])
    slugs = case_slugs(report.cases)
    passed = sum(case.passed for case in report.cases)
    title = f"Eval {Path(info.golden).name}: {passed}/{len(report.cases)} passed"
    script = _SCRIPT.strip()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    body = "\n".join(
        [
            _header(report, info, passed),
            _verdict(regression, baseline, slugs),
            "<div class=overview>",
            _cards(report.metrics, baseline, regression),
            _chart(report.metrics, (baseline or {}).get("metrics", {})),
            "</div>",
            cases_section(report, baseline, slugs),
        ]
    )
    return (
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name=viewport content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{script}</script>\n</body>\n</html>\n"
    )


def case_slugs(cases: Sequence[CaseResult]) -> dict[str, str]:
    """Each case id as a safe, unique fragment for element ids."""
    slugs: dict[str, str] = {}
    for index, case in enumerate(cases, start=1):
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", case.id).strip("-") or "case"
        while slug in slugs.values():  # "a b" and "a-b" are two cases, two slugs
            slug = f"{slug}-{index}"
        slugs[case.id] = slug
    return slugs


def _header(report: EvalReport, info: RunInfo, passed: int) -> str:
    facts = [
        ("golden file", info.golden),
        ("mode", info.mode),
        ("k", str(report.k)),
        ("date", info.created),
        ("commit", info.commit),
        ("baseline", info.baseline),
    ]
    shown = "".join(
        f"<div><dt>{escape(name)}</dt><dd>{escape(value)}</dd></div>"
        for name, value in facts
        if value
    )
    failed = len(report.cases) - passed
    return (
        f"<header><h1>Evaluation of {escape(Path(info.golden).name)}</h1>"
        f"<p class=summary>{len(report.cases)} cases: <b class=pass>{passed} passed</b>, "
        f"<b class={'fail' if failed else 'pass'}>{failed} failed</b></p>"
        f"<dl class=run>{shown}</dl></header>"
    )


def _verdict(regression: Regression, baseline: dict[str, Any] | None, slugs: dict[str, str]) -> str:
    """A banner saying whether the run regressed (what the exit code says)."""
    if not regression:
        if baseline is None:
            return ""
        return "<p class='verdict ok'>No regression against the baseline.</p>"
    parts = []
    if regression.metrics:
        parts.append("Regressed metrics: " + escape(", ".join(regression.metrics)))
    if regression.cases:
        links = ", ".join(
            f"<a href='#case-{escape(slugs.get(case_id, ''))}'>{escape(case_id)}</a>"
            for case_id in regression.cases
        )
        parts.append("Cases that passed before and fail now: " + links)
    return "<p class='verdict bad'>" + "<br>".join(parts) + "</p>"


def _cards(
    metrics: dict[str, float], baseline: dict[str, Any] | None, regression: Regression
) -> str:
    before = (baseline or {}).get("metrics", {})
    regressed = {entry.split(" ")[0] for entry in regression.metrics}
    cards = []
    for name, label, share in METRICS:
        value, old = metrics.get(name), before.get(name)
        if value is None or (name == "tokens" and not value and not old):
            continue  # no LLM call, now or before: nothing to count
        lines = [f"<h3>{escape(label)}</h3><p class=value>{_number(value, share)}</p>"]
        if old is not None:
            state = _delta_state(name, value - old, name in regressed)
            lines.append(
                f"<p class=was>baseline {_number(old, share)} "
                f"<span class='delta {state}'>{_delta(value - old, share)}</span></p>"
            )
        cards.append(
            f"<div class='card{' regressed' if name in regressed else ''}'>{''.join(lines)}</div>"
        )
    return "<section class=cards>" + "".join(cards) + "</section>"


def _number(value: float, share: bool) -> str:
    return f"{value:.3f}" if share else f"{value:,.0f}"


def _delta(change: float, share: bool) -> str:
    if abs(change) < (0.0005 if share else 0.5):
        return "±0"
    return f"{change:+.3f}" if share else f"{change:+,.0f}"


def _delta_state(name: str, change: float, regressed: bool) -> str:
    """regressed (beyond tolerance, red), better, worse (within tolerance) or same."""
    if regressed:
        return "regressed"
    if name.startswith("latency") or name == "tokens" or abs(change) < 0.0005:
        return "same"  # latency and tokens vary with the machine and model: no verdict
    return "worse" if (change > 0) == (name in LOWER_IS_BETTER) else "better"


def _chart(metrics: dict[str, float], before: dict[str, float]) -> str:
    """Horizontal bars, one pair per share metric: the baseline (grey) above this run."""
    shares = [(name, label) for name, label, share in METRICS if share and name in metrics]
    left, width, row = 150, 360, 36
    height = row * len(shares) + 30
    parts = [
        f"<svg class=chart role=img viewBox='0 0 {left + width + 70} {height}' "
        f"width='{left + width + 70}' height='{height}'>"
        "<title>Metrics of this run against the baseline</title>"
    ]
    for index, (name, label) in enumerate(shares):
        y = 10 + index * row
        parts.append(f"<text x='{left - 8}' y='{y + 18}' text-anchor=end>{escape(label)}</text>")
        bars = [("base", before.get(name), y + 2), ("run", metrics[name], y + 14)]
        for kind, value, top in bars:
            if value is None:
                continue
            length = max(1.0, width * min(max(value, 0.0), 1.0))
            parts.append(
                f"<rect class={kind} x='{left}' y='{top}' width='{length:.1f}' height='11'>"
                f"<title>{escape(label)} {'baseline' if kind == 'base' else 'this run'} "
                f"{value:.3f}</title></rect>"
                f"<text class=num x='{left + length + 5:.1f}' y='{top + 10}'>{value:.3f}</text>"
            )
    legend = height - 8
    parts.append(
        f"<rect class=run x='{left}' y='{legend - 9}' width='10' height='10'/>"
        f"<text x='{left + 15}' y='{legend}'>this run</text>"
    )
    if before:
        parts.append(
            f"<rect class=base x='{left + 90}' y='{legend - 9}' width='10' height='10'/>"
            f"<text x='{left + 105}' y='{legend}'>baseline</text>"
        )
    return (
        "<section class=metrics><h2>Metrics against the baseline</h2>"
        + "".join(parts)
        + "</svg></section>"
    )


_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--pass:#1a7f37;
--fail:#cf222e;--warn:#9a6700;--run:#0969da;--base:#a8b1ba;--mark:#fff1a8}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;padding:24px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
h3{font-size:13px;margin:14px 0 4px;color:var(--muted);text-transform:uppercase;
letter-spacing:.04em}
code,small{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
small{color:var(--muted)}
.pass{color:var(--pass)}.fail{color:var(--fail)}
dl.run{display:flex;flex-wrap:wrap;gap:4px 24px;margin:8px 0 0}dl.run div{display:flex;gap:6px}
dt{color:var(--muted)}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.verdict{padding:8px 12px;border-radius:6px;margin:16px 0 0}
.verdict.ok{background:#dafbe1;color:var(--pass)}.verdict.bad{background:#ffebe9;color:var(--fail)}
.overview{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:8px 28px;align-items:start}
@media (max-width:900px){.overview{grid-template-columns:1fr}}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px;margin-top:20px}
.metrics h2{margin-top:20px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.card.regressed{border-color:var(--fail);background:#fff5f5}
.card h3{margin:0}.card p{margin:2px 0}.value{font-size:24px;font-weight:600}
.was{color:var(--muted);font-size:12px}
.delta{font-weight:600;margin-left:4px}.delta.regressed{color:var(--fail)}
.delta.better{color:var(--pass)}.delta.worse{color:var(--warn)}
svg.chart{max-width:100%;height:auto;font-size:12px}svg text{fill:var(--fg)}
svg text.num{fill:var(--muted);font-size:11px}rect.run{fill:var(--run)}rect.base{fill:var(--base)}
.filters{display:flex;gap:6px;margin-bottom:8px;flex-wrap:wrap}
button{font:inherit;border:1px solid var(--line);background:var(--soft);border-radius:6px;
padding:3px 10px;cursor:pointer}button[aria-pressed=true]{background:var(--run);color:#fff}
button:disabled{opacity:.5;cursor:default}
.row{display:grid;grid-template-columns:48px 190px 1fr 80px 110px 90px 60px 110px;gap:8px;
padding:6px 8px;align-items:baseline}
.row.head{font-weight:600;color:var(--muted);border-bottom:2px solid var(--line)}
details.case{border-bottom:1px solid var(--line)}details.case[open]{background:var(--soft)}
summary{cursor:pointer;list-style:none}summary::-webkit-details-marker{display:none}
summary:hover{background:var(--soft)}
.q{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.change{color:var(--warn);font-size:12px}
.body{padding:0 16px 14px 56px}.body p{margin:4px 0}
.answer{font-size:15px}a.ref{font-weight:600;text-decoration:none;color:var(--run)}
.tag{font-size:11px;border:1px solid var(--line);border-radius:10px;padding:0 6px;
text-transform:none;letter-spacing:0;color:var(--muted)}.tag.bad{color:var(--fail);border-color:var(--fail)}
.warn{color:var(--warn)}.reasons{color:var(--fail);margin:4px 0}
ul.facts{list-style:none;padding:0;margin:4px 0}
li.found::before{content:"✓ ";color:var(--pass)}li.missing::before{content:"✗ ";color:var(--fail)}
li.missing{color:var(--fail)}
.cite{border-left:3px solid var(--run);background:var(--bg);padding:4px 12px;margin:8px 0}
.cite:target{outline:2px solid var(--run)}
blockquote{margin:6px 0;white-space:pre-wrap;color:var(--muted)}
mark{background:var(--mark);color:var(--fg);padding:1px 0}
.claim{font-style:italic;color:var(--muted)}.previous{color:var(--muted)}
ol.retrieved{margin:4px 0;padding-left:22px}li.cited{font-weight:600}
"""

# Filters rows, opens them all or none, and opens the row a link points into. The page's
# Content-Security-Policy allows this script by its hash and no other.
_SCRIPT = """
(function () {
  var cases = Array.prototype.slice.call(document.querySelectorAll("details.case"));
  var buttons = document.querySelectorAll("[data-filter]");
  function show(filter) {
    cases.forEach(function (row) {
      row.hidden = filter !== "all" && !row.hasAttribute("data-" + filter);
    });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
    });
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      show(button.dataset.filter);
      try { history.replaceState(null, "", "#" + button.dataset.filter); } catch (e) {}
    });
  });
  document.querySelectorAll("[data-open]").forEach(function (button) {
    button.addEventListener("click", function () {
      cases.forEach(function (row) { if (!row.hidden) row.open = button.dataset.open === "1"; });
    });
  });
  function reveal() {
    var name = decodeURIComponent(location.hash.slice(1));
    if (name === "all" || name === "failed" || name === "changed") return show(name);
    var target = name && document.getElementById(name);
    var row = target && target.closest("details.case");
    if (row) { row.hidden = false; row.open = true; target.scrollIntoView(); }
  }
  document.querySelector(".filters").hidden = false;
  window.addEventListener("hashchange", reveal);
  reveal();
})();
"""
