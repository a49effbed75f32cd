"""A full disk under the index: ingest says so in one line, never advises deleting the index,
and stops before a write the disk cannot hold (Chroma could hang when the disk filled under a
write), so status and search still read it; once space is freed everything works and nothing
stored is lost.

Needs a small disk of its own: a tmpfs mounted by the test (root on Linux, as in CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.decode()[:80]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a command that hangs on a full disk fails here instead of stalling CI
    )


def fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


def test_a_full_disk_is_reported_and_nothing_is_lost(
    small_disk: Path, seeded_index: Path, tmp_path: Path
) -> None:
    home = small_disk / "home"
    shutil.copytree(seeded_index, home)  # the seeds as `assistant ingest` stores them
    more = tmp_path / "more"
    more.mkdir()
    story = (SEEDS / "004_248f2f0668189d86.txt").read_text()
    for n in range(25):
        (more / f"edition_{n:02}.txt").write_text(f"Edition {n}\n\n{story}\nCorrection {n}.")
    filler = fill(small_disk, leave=150_000)

    result = run(home, "ingest", str(more))
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "full" in result.stderr and "free some space" in result.stderr, result.stderr
    assert "--rebuild" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    # ingest stops before a write the disk cannot hold, so the index still reads
    for args in (["status"], ["search", "railway concession"]):
        result = run(home, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr

    filler.unlink()
    searched = run(home, "search", "South Caucasus Railways concession", "--json")
    assert searched.returncode == 0, searched.stderr
    status = json.loads(run(home, "status", "--json").stdout)["index"]
    assert status["articles"] >= 5  # the seeds survived, with whatever was written before
    meta = json.loads((home / "lexical" / "meta.json").read_text())
    assert len(meta["chunk_ids"]) == status["chunks"]  # the lexical index healed
