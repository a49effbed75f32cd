"""The program contacts nobody: ingest and ask run with every outbound connection except
loopback refused — by a guard inside Python that also records any attempt, and, where the
machine allows it, in a network namespace that has only loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS

SAMPLE = "What does Russia claim about South Caucasus Railways?"


def commands(home: Path) -> list[list[str]]:
    return [
        ["ingest", str(SEEDS)],
        ["ask", SAMPLE],
        ["search", "Trump Route"],
        ["status"],
    ]


def test_ingest_and_ask_succeed_and_attempt_no_outbound_connection(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    env = {
        **os.environ,
        "ASSISTANT_HOME": str(tmp_path / "home"),
        "PYTHONPATH": os.pathsep.join(
            [str(REPO / "tests" / "netguard"), os.environ.get("PYTHONPATH", "")]
        ),
        "NETGUARD_LOG": str(log),
    }
    shown = {}
    for args in commands(tmp_path / "home"):
        done = subprocess.run(
            [sys.executable, "-m", "assistant", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, (args, done.stderr)
        shown[args[0]] = done.stdout
    assert "concession" in shown["ask"]
    assert not log.exists() or log.read_text() == "", log.read_text()


def _namespace_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _namespace_works(), reason="this machine does not allow network namespaces")
def test_ingest_and_ask_succeed_in_a_namespace_with_only_loopback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = " && ".join(
        ["ip link set lo up"]
        + [
            " ".join(
                [f"ASSISTANT_HOME={home}", sys.executable, "-m", "assistant", *map(_quote, args)]
            )
            for args in commands(home)
        ]
    )
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "concession to operate Armenia's railway network" in done.stdout


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
