"""`assistant eval`: a golden-set regression run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli.options import NoLLM, Passages

if TYPE_CHECKING:
    from assistant.evaluation.metrics import EvalReport, Regression


def evaluate(
    golden: Annotated[Path, typer.Argument(help="The golden file (YAML).")],
    k: Passages = None,
    no_llm: NoLLM = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Compare with this saved run; exit 1 on regression."),
    ] = None,
    save_baseline: Annotated[
        Path | None, typer.Option("--save-baseline", help="Save this run as a baseline.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full report as JSON.")
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML (one test per case).")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write a self-contained HTML report to look at in a browser."),
    ] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under", help="METRIC=MIN, e.g. recall=0.9 (repeatable); exit 1 below it."
        ),
    ] = None,
) -> None:
    """Run a golden set through `ask`; print a table and metrics; gate on a baseline."""
    from assistant.cli.common import open_kb, task_progress
    from assistant.cli.render import render_eval, stdout
    from assistant.errors import InputError
    from assistant.evaluation.golden import load_golden
    from assistant.evaluation.junit import write_junit
    from assistant.evaluation.metrics import compare, parse_thresholds, run_eval
    from assistant.service import ask, ensure_articles

    thresholds = parse_thresholds(fail_under or [])
    cases = load_golden(golden)
    previous = None
    if baseline is not None:
        try:
            previous = json.loads(baseline.read_text())
        except (OSError, ValueError) as error:
            raise InputError(
                f"Cannot read the baseline {baseline}", "give a file written by --save-baseline"
            ) from error
    settings, kb = open_kb(answering=True)
    ensure_articles(kb)
    with task_progress("Evaluating", len(cases)) as progress:
        report = run_eval(
            kb, cases, settings, ask, k or settings.retrieval.top_k, not no_llm, progress
        )
    regression = compare(report, previous or {}, thresholds)
    render_eval(report, previous, regression, stdout())
    for target in (save_baseline, json_out):
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    if junit is not None:
        write_junit(report, junit)
    if html is not None:
        write_html(html, report, previous, regression, golden, baseline, settings.llm.model)
    if regression:
        raise typer.Exit(1)


def write_html(
    target: Path,
    report: EvalReport,
    previous: dict[str, Any] | None,
    regression: Regression,
    golden: Path,
    baseline: Path | None,
    model: str,
) -> None:
    from datetime import datetime

    from assistant.evaluation.report_html import RunInfo, git_commit, render_report

    info = RunInfo(
        golden=str(golden),
        mode=f"LLM {model}" if report.mode == "llm" else report.mode,
        created=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        commit=git_commit(golden.resolve().parent),
        baseline=str(baseline) if baseline else None,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_report(report, info, previous, regression), encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)
