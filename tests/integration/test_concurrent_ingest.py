"""Two `assistant ingest` processes at once on the embedded store: one waits its turn or is
refused with a clear message; the index ends up whole, with no chunk twice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEEDS


def test_two_ingests_at_once_do_not_corrupt_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for n in range(20):  # enough articles that the two runs overlap in time
        text = (SEEDS / "004_248f2f0668189d86.txt").read_text()
        (corpus / f"copy_{n:02}.txt").write_text(f"Copy {n}\n\n{text}\nEdition {n}.")
    env = {**os.environ, "ASSISTANT_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "assistant", "ingest", str(corpus)]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]  # type: ignore[union-attr]

    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 3]), results
    for code, _, err in results:
        if code == 3:
            assert "Another `assistant ingest` is writing" in err or "is busy" in err, results
            assert len(err.strip().splitlines()) == 1, results
    status = subprocess.run(
        [sys.executable, "-m", "assistant", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    index = json.loads(status.stdout)["index"]
    assert index["articles"] == 25, results
    check = subprocess.run(
        [sys.executable, "-c", _COUNT_DUPLICATES, str(tmp_path / "home" / "chroma")],
        capture_output=True,
        text=True,
        check=True,
    )
    total, distinct = map(int, check.stdout.split())
    assert total == distinct == index["chunks"], results


_COUNT_DUPLICATES = """
import sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
got = client.get_collection("chunks").get(include=["metadatas"])
keys = [(m["article_id"], m["start"], m["end"]) for m in got["metadatas"]]
print(len(keys), len(set(keys)))
"""


def test_two_first_questions_at_once_both_get_answers(tmp_path: Path) -> None:
    """On a fresh install both create the index and find it empty; one ingests the seeds, the
    other waits for it instead of failing or being sent to --rebuild."""
    env = {**os.environ, "ASSISTANT_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "assistant", "ask", "Who operates Armenia's railways?"]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]  # type: ignore[union-attr]
    assert [code for code, _, _ in results] == [0, 0], results
    assert all("South Caucasus Railways" in out for _, out, _ in results), results
