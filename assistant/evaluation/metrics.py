"""Run a golden set through the same call as `ask`, score it, compare it with a baseline."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.answering.answer import Answer
from assistant.evaluation.golden import GoldenCase
from assistant.settings import Settings
from vectorstore.ingest.text import fold
from vectorstore.knowledge import KnowledgeBase

# How far a metric may fall below its baseline before the run counts as a regression.
TOLERANCES = {
    "recall_at_k": 0.02,
    "mrr": 0.03,
    "citation_precision": 0.03,
    "fact_recall": 0.03,
    "refusal_accuracy": 0.02,
    "pass_rate": 0.02,
}
# Lower is better for these; they regress by rising.
RISING_IS_WORSE = {"unsupported_rate": 0.03}


@dataclass
class CaseResult:
    """What one case's answer got right and wrong."""

    id: str
    question: str
    passed: bool
    reasons: list[str]
    abstained: bool
    answerable: bool
    source_rank: int | None
    facts_covered: int
    facts_total: int
    citations: int
    citations_from_sources: int
    unsupported: int
    latency_ms: float
    tokens: int
    answer: str
    facts_found: list[str] = field(default_factory=list)  # the phrasing that covered each fact
    facts_missing: list[str] = field(default_factory=list)  # each uncovered fact's first phrasing
    grounded: bool = True  # False: no citation a passage supports (the evidence was shown instead)


@dataclass
class EvalReport:
    k: int
    mode: str
    cases: list[CaseResult] = field(default_factory=list)
    # Each case's full answer (citations, passages) for the HTML report; not saved as JSON.
    answers: dict[str, Answer] = field(default_factory=dict, repr=False)

    @property
    def metrics(self) -> dict[str, float]:
        return compute_metrics(self.cases)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "mode": self.mode,
            "metrics": self.metrics,
            "cases": {case.id: case.passed for case in self.cases},
            "details": [asdict(case) for case in self.cases],
        }


def score_case(case: GoldenCase, answer: Answer, k: int, latency_ms: float = 0.0) -> CaseResult:
    """Compare one answer with its case's expectations."""
    text = fold(answer.text)
    ranks = [p.rank for p in answer.passages[:k] if p.article_id in case.sources]
    # Per fact, the first of its phrasings the answer holds (None: the fact is missing).
    matched = [next((p for p in fact if fold(p) in text), None) for fact in case.facts]
    covered = sum(phrase is not None for phrase in matched)
    missing = [fact[0] for fact, phrase in zip(case.facts, matched, strict=True) if phrase is None]
    from_sources = sum(c.article_id in case.sources for c in answer.citations)
    unsupported = sum(not c.supported for c in answer.citations)
    reasons = []
    if case.answerable:
        if answer.abstained:
            reasons.append("refused an answerable question")
        if missing:
            reasons.append("missing facts: " + "; ".join(missing))
        if not ranks:
            reasons.append(f"no source article in the top {k}")
        if answer.citations and from_sources == 0:
            reasons.append("cites no source article")
    elif not answer.abstained:
        reasons.append("answered an unanswerable question")
    found = [phrase for phrase in case.forbidden if fold(phrase) in text]
    if found:
        reasons.append("forbidden: " + "; ".join(found))
    if unsupported:
        reasons.append(f"{unsupported} unsupported citation(s)")
    if not answer.grounded:
        reasons.append("no supported citation (the articles' evidence shown instead)")
    return CaseResult(
        id=case.id,
        question=case.question,
        passed=not reasons,
        reasons=reasons,
        abstained=answer.abstained,
        answerable=case.answerable,
        source_rank=ranks[0] if ranks else None,
        facts_covered=covered,
        facts_total=len(case.facts),
        citations=len(answer.citations),
        citations_from_sources=from_sources,
        unsupported=unsupported,
        latency_ms=answer.timings.total_ms if answer.timings else latency_ms,
        tokens=answer.usage.total if answer.usage else 0,
        answer=answer.text,
        facts_found=[phrase for phrase in matched if phrase is not None],
        facts_missing=missing,
        grounded=answer.grounded,
    )


def compute_metrics(cases: Sequence[CaseResult]) -> dict[str, float]:
    answerable = [c for c in cases if c.answerable]
    citations = sum(c.citations for c in cases)
    latencies = sorted(c.latency_ms for c in cases) or [0.0]
    return {
        "recall_at_k": _share(sum(c.source_rank is not None for c in answerable), len(answerable)),
        "mrr": _share(sum(1 / c.source_rank for c in answerable if c.source_rank), len(answerable)),
        "citation_precision": _share(
            sum(c.citations_from_sources for c in answerable), sum(c.citations for c in answerable)
        ),
        "fact_recall": _share(
            sum(c.facts_covered for c in answerable), sum(c.facts_total for c in answerable)
        ),
        "refusal_accuracy": _share(sum(c.abstained != c.answerable for c in cases), len(cases)),
        "unsupported_rate": _share(sum(c.unsupported for c in cases), citations, empty=0.0),
        "pass_rate": _share(sum(c.passed for c in cases), len(cases)),
        "latency_p50_ms": statistics.median(latencies),
        "latency_p95_ms": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        "tokens": float(sum(c.tokens for c in cases)),
    }


def _share(part: float, whole: float, empty: float = 1.0) -> float:
    return round(part / whole, 4) if whole else empty


def run_eval(
    kb: KnowledgeBase,
    cases: Sequence[GoldenCase],
    settings: Settings,
    ask: Callable[..., Answer],
    k: int,
    use_llm: bool,
    progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Every case through `ask` (the same call as `assistant ask`), scored."""
    report = EvalReport(k=k, mode="llm" if use_llm and settings.llm.configured else "extractive")
    for done, case in enumerate(cases, start=1):
        began = time.perf_counter()
        answer = ask(kb, case.question, settings, k=k, use_llm=use_llm, scope=case.filters.scope())
        measured = (time.perf_counter() - began) * 1000
        report.cases.append(score_case(case, answer, k, measured))
        report.answers[case.id] = answer
        if progress:
            progress(done, len(cases))
    return report


@dataclass(frozen=True)
class Regression:
    """What got worse than the baseline (or than a --fail-under threshold)."""

    metrics: list[str]
    cases: list[str]

    def __bool__(self) -> bool:
        return bool(self.metrics or self.cases)


def compare(
    report: EvalReport, baseline: dict[str, Any], fail_under: dict[str, float]
) -> Regression:
    """Metrics fallen beyond tolerance, cases that passed before and fail now, missed minimums."""
    metrics = report.metrics
    worse = []
    for name, tolerance in TOLERANCES.items():
        before = baseline.get("metrics", {}).get(name)
        if before is not None and metrics[name] < before - tolerance:
            worse.append(f"{name} {before:.3f} -> {metrics[name]:.3f}")
    for name, tolerance in RISING_IS_WORSE.items():
        before = baseline.get("metrics", {}).get(name)
        if before is not None and metrics[name] > before + tolerance:
            worse.append(f"{name} {before:.3f} -> {metrics[name]:.3f}")
    for name, minimum in fail_under.items():
        if metrics[name] < minimum:
            worse.append(f"{name} {metrics[name]:.3f} < {minimum:.3f}")
    passed_before = baseline.get("cases", {})
    now = {case.id: case.passed for case in report.cases}
    failing = [case_id for case_id, ok in passed_before.items() if ok and now.get(case_id) is False]
    return Regression(worse, failing)


def parse_thresholds(items: Sequence[str]) -> dict[str, float]:
    """`recall=0.9` style thresholds; short names are accepted (recall, mrr, facts, …)."""
    from assistant.errors import InputError

    aliases = {
        "recall": "recall_at_k",
        "facts": "fact_recall",
        "precision": "citation_precision",
        "refusal": "refusal_accuracy",
        "pass": "pass_rate",
    }
    known = set(TOLERANCES) | {"unsupported_rate"}
    thresholds = {}
    for item in items:
        name, _, value = item.partition("=")
        name = aliases.get(name.strip(), name.strip())
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if name not in known or not 0 <= number <= 1:
            raise InputError(
                f"--fail-under {item!r} is not METRIC=NUMBER",
                f"use one of {', '.join(sorted(known | set(aliases)))} with a number from 0 to 1",
            )
        thresholds[name] = number
    return thresholds
