"""Shared fixtures. Every test runs with ASSISTANT_HOME in a temporary folder, no OpenAI
settings, and (see pyproject) the network blocked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.fakes import HashEmbeddings
from vectorstore.knowledge import KnowledgeBase, Layout

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# The local embedding model on one thread in every test and the commands they start: pytest
# runs a worker per core, and a thread per core in each of them made every embedding wait for
# a core (72 seed chunks: 20 s on a busy machine, 6 s on one thread).
os.environ["ASSISTANT_EMBEDDING_THREADS"] = "1"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per core and one more. Many tests wait on processes they started
    (kill -9 at random moments, servers, time-outs), and the extra worker keeps the cores busy
    meanwhile: 3.4 min instead of 3.9 on a quiet 2-core machine (bench/suite.py)."""
    from vectorstore.ingest.embedding_config import usable_cores

    return usable_cores() + 1


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ASSISTANT_DEBUG",
        "ASSISTANT_EMBEDDING_MODEL",
        "ASSISTANT_EMBEDDING_URL",
        "ASSISTANT_EMBEDDING_API_KEY",
        "ASSISTANT_EMBEDDING_BATCH_SIZE",
        "ASSISTANT_EMBEDDING_CONCURRENCY",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def fake_kb(tmp_path: Path) -> KnowledgeBase:
    """An empty knowledge base on the fake embedder."""
    embeddings = HashEmbeddings()
    return KnowledgeBase.open(Layout(tmp_path / "kb"), embeddings, embeddings.model_name)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def seeded_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the seeds ingested by the real embedding model, built once per test run:
    under pytest-xdist the first worker builds it and the others wait for it."""
    from filelock import FileLock

    from assistant.service import ingest_paths, open_knowledge_base
    from assistant.settings import Settings

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    home, ready = shared / "seeded-index", shared / "seeded-index.ready"
    with FileLock(str(shared / "seeded-index.lock")):
        if not ready.exists():
            shutil.rmtree(home, ignore_errors=True)
            ingest_paths(open_knowledge_base(Settings(home=home)), [SEEDS])
            ready.touch()
    return home


@pytest.fixture
def seeded_home(seeded_index: Path, tmp_path: Path) -> Path:
    """A copy of the seeded index for one test (a few MB, milliseconds): tests may write to
    it, and none sees another's changes."""
    home = tmp_path / "seeded-home"
    shutil.copytree(seeded_index, home)
    return home
