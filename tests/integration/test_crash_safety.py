"""`kill -9` at ten random moments during ingest and once between the last write and the
revision bump, then one more command: no duplicate or orphan chunks, a lexical index with every
chunk, and the index answers exactly as one built without interruptions."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEEDS

COUNT = """
import json, sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
chunks = client.get_collection("chunks").get(include=["metadatas"])
articles = client.get_collection("articles").get()
print(json.dumps({"chunks": chunks["ids"], "owners": [m["article_id"] for m in chunks["metadatas"]],
                  "articles": articles["ids"]}))
"""


def corpus(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    for n in range(15):
        text = (SEEDS / "000_cf5e9f7c17a00d14.txt").read_text()
        (folder / f"edition_{n:02}.txt").write_text(
            f"Edition {n}\n\n{text}\nCorrection number {n}."
        )
    return folder


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], env=env, capture_output=True, text=True
    )


def contents(home: Path) -> dict[str, list[str]]:
    shown = subprocess.run(
        [sys.executable, "-c", COUNT, str(home / "chroma")], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)  # type: ignore[no-any-return]


# Runs `assistant ingest` with the revision bump replaced by kill -9: the process dies after
# its last write, inside the window where the store is written but its revision is not new.
KILLED_AT_THE_BUMP = """
import os, signal, sys
from vectorstore.search.store import ChromaStore
ChromaStore.bump_revision = lambda self: os.kill(os.getpid(), signal.SIGKILL)
from assistant.cli.app import main
sys.argv = ["assistant", "ingest", sys.argv[1]]
main()
"""


# Runs `assistant ingest` in a child forked once the program is imported, and kills it with
# SIGKILL after each of the given delays: the same command and kill as `python -m assistant`,
# without paying the imports again (1.5 s of CPU) in every one of the runs.
KILLED_AT_MOMENTS = """
import json, os, signal, sys, time
import chromadb
import vectorstore.ingest.embeddings
from assistant.cli.app import main
for delay in json.loads(sys.argv[2]):
    child = os.fork()
    if child == 0:
        sys.argv = ["assistant", "ingest", sys.argv[1]]
        try:
            main()
        finally:
            os._exit(0)
    time.sleep(delay)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
"""


def lexical_chunks(home: Path) -> list[str]:
    meta = json.loads((home / "lexical" / "meta.json").read_text())
    return sorted(meta["chunk_ids"])


def test_ingest_killed_repeatedly_then_finished_matches_a_clean_build(tmp_path: Path) -> None:
    articles = corpus(tmp_path / "corpus")
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    rng = random.Random(20261123)
    env = {**os.environ, "ASSISTANT_HOME": str(crashed)}
    # the moments of ten runs of `python -m assistant ingest` killed 1.0-4.5 s after starting,
    # less the 1.0 s its imports took on a quiet machine (the runs start imported)
    moments = [rng.uniform(0.0, 3.5) for _ in range(10)]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_MOMENTS, str(articles), json.dumps(moments)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert killed.returncode == 0, killed.stderr
    (articles / "late.txt").write_text(
        "Late news\n\nThe zebra crossing in Gyumri was repainted on Friday night.\n"
    )
    window = subprocess.run(
        [sys.executable, "-c", KILLED_AT_THE_BUMP, str(articles)], env=env, capture_output=True
    )
    assert window.returncode == -signal.SIGKILL, window.stderr

    searched = run(crashed, "search", "zebra crossing Gyumri", "--json")  # the next command
    assert searched.returncode == 0, searched.stderr
    assert json.loads(searched.stdout)["results"][0]["article_id"] == "late"
    found = contents(crashed)
    assert lexical_chunks(crashed) == sorted(found["chunks"])  # healed, not short of chunks

    assert run(clean, "ingest", str(articles)).returncode == 0
    expected = contents(clean)
    assert len(found["chunks"]) == len(set(found["chunks"]))  # no duplicates
    assert set(found["owners"]) <= set(found["articles"])  # no orphans
    assert sorted(found["chunks"]) == sorted(expected["chunks"])
    assert sorted(found["articles"]) == sorted(expected["articles"])
    assert lexical_chunks(crashed) == lexical_chunks(clean)

    finished = run(crashed, "ingest", str(articles))
    assert finished.returncode == 0, finished.stderr
    assert "0 new, 0 updated" in finished.stdout
    question = "What does Russia claim about South Caucasus Railways?"
    answers = [json.loads(run(home, "ask", question, "--json").stdout) for home in (clean, crashed)]
    assert answers[0]["answer"] == answers[1]["answer"]
    assert answers[0]["citations"] == answers[1]["citations"]
