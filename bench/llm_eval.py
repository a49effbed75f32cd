"""Extractive answers against a real local model's: the golden set through `assistant eval` in
both modes, metrics side by side.

    python bench/llm_eval.py [--cases N] [-k 3] [--max-tokens 200] [--base-url URL]

Without --base-url it starts llama-cpp-python's server with Qwen2.5-Coder-0.5B-Instruct
(scripts/local-llm, which must have been installed) in a run folder of its own, and stops it by
its PID at the end. Both runs use a fresh ASSISTANT_HOME holding the bundled seeds. On a busy
2-core machine the 0.5B model takes about one to two minutes a question; --cases N evaluates N
cases spread evenly over the golden set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "seeds.yaml"
LOCAL_LLM = REPO / "scripts" / "local-llm"
ASSISTANT = [sys.executable, "-m", "assistant"]
LOWER_IS_BETTER = {"unsupported_rate", "latency_p50_ms", "latency_p95_ms"}


@contextmanager
def local_server(run_dir: Path) -> Iterator[str]:
    """A local model server of this run's own; its OPENAI_BASE_URL."""
    env = {**os.environ, "ASSISTANT_LLM_RUN_DIR": str(run_dir)}
    started = subprocess.run(
        [str(LOCAL_LLM), "start"], env=env, capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        sys.exit(f"could not start the local model: {started.stderr.strip()}")
    try:
        yield started.stdout.strip().split("=", 1)[1]
    finally:
        subprocess.run([str(LOCAL_LLM), "stop"], env=env, capture_output=True, check=False)


def golden_subset(cases: int | None, folder: Path) -> Path:
    if cases is None:
        return GOLDEN
    import yaml

    data = yaml.safe_load(GOLDEN.read_text())
    key = next(name for name, value in data.items() if isinstance(value, list))
    every = data[key]
    data[key] = every[:: max(1, len(every) // cases)][:cases]  # spread over the articles
    subset = folder / "golden.yaml"
    subset.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return subset


def run_eval(golden: Path, report: Path, env: dict[str, str], k: int, llm: bool) -> float:
    """One `assistant eval` run; its seconds. The report lands in `report` (JSON)."""
    command = [*ASSISTANT, "eval", str(golden), "-k", str(k), "--json", str(report)]
    began = time.perf_counter()
    done = subprocess.run(
        command if llm else [*command, "--no-llm"], env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):  # 1: a gate failed, the report is still written
        sys.exit(f"assistant eval failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return time.perf_counter() - began


def table(extractive: dict[str, float], llm: dict[str, float]) -> str:
    rows = [f"{'metric':<20} {'extractive':>11} {'llm':>11} {'llm - extr.':>12}"]
    for name, value in extractive.items():
        other = llm.get(name)
        if other is None:
            continue
        worse = other > value if name in LOWER_IS_BETTER else other < value
        flag = "  (worse)" if worse and abs(other - value) > 1e-9 else ""
        rows.append(f"{name:<20} {value:>11.3f} {other:>11.3f} {other - value:>+12.3f}{flag}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, help="Only N cases, spread over the golden set.")
    parser.add_argument("-k", type=int, default=3, help="Passages per question (default 3).")
    parser.add_argument("--max-tokens", type=int, default=200, help="LLM answer budget.")
    parser.add_argument("--base-url", help="An OpenAI-compatible server already running.")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="llm-eval-") as scratch:
        folder = Path(scratch)
        golden = golden_subset(args.cases, folder)
        env = {
            **os.environ,
            "ASSISTANT_HOME": str(folder / "home"),
            "ASSISTANT_LLM_MODEL": args.model,
            "ASSISTANT_LLM_MAX_TOKENS": str(args.max_tokens),
        }
        env.pop("OPENAI_API_KEY", None)
        seconds = {"extractive": run_eval(golden, folder / "extr.json", env, args.k, llm=False)}
        with (
            local_server(folder / "run") if args.base_url is None else _given(args.base_url) as url
        ):
            env["OPENAI_BASE_URL"] = url
            seconds["llm"] = run_eval(golden, folder / "llm.json", env, args.k, llm=True)
        extractive = json.loads((folder / "extr.json").read_text())
        llm = json.loads((folder / "llm.json").read_text())
    print(
        f"{len(llm['cases'])} cases of {golden.name}, k={args.k}, model {args.model}, "
        f"answer budget {args.max_tokens} tokens"
    )
    print(table(extractive["metrics"], llm["metrics"]))
    print(
        f"wall time: extractive {seconds['extractive']:.0f} s, llm {seconds['llm']:.0f} s; "
        f"LLM answers without a supported citation: "
        f"{sum(not c.get('grounded', True) for c in llm['details'])}"
    )


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    main()
