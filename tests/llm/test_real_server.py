"""Against a real model: llama-cpp-python's server with Qwen2.5-Coder-0.5B-Instruct, started on
127.0.0.1 by scripts/local-llm and stopped by its PID. Skipped, saying why, where
`scripts/local-llm install` has not been run. Few and short: the 0.5B model on two busy cores
reads about 12-60 prompt tokens a second."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.llm import LLMConfig, complete
from assistant.cli.app import app
from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]
SCRIPT = REPO / "scripts" / "local-llm"
LONG_WINDED = "Write a long, detailed essay on the history of railways in the Caucasus."


def local_llm(command: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_LLM_RUN_DIR": str(run_dir)}
    return subprocess.run(
        [str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a server of this module's own (not a user's running one)."""
    run_dir = tmp_path_factory.mktemp("local-llm")
    if not local_llm("status", run_dir).stdout.startswith("installed"):
        pytest.skip("no local model: run scripts/local-llm install (builds llama-cpp-python)")
    started = local_llm("start", run_dir)
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip().split("=", 1)[1]
    assert url.startswith("http://127.0.0.1:")
    try:
        yield url
    finally:
        stopped = local_llm("stop", run_dir)
        pid = stopped.stderr.split("PID ")[-1].rstrip(")\n")
        assert stopped.returncode == 0 and pid.isdigit(), stopped.stderr
        assert not Path(f"/proc/{pid}").exists()


def config(url: str, max_tokens: int) -> LLMConfig:
    return LLMConfig(
        model="qwen2.5-coder-0.5b-instruct",
        base_url=url,
        max_tokens=max_tokens,
        timeout=60.0,
        max_retries=0,
        context_window=8192,
    )


def test_the_real_server_stops_a_long_winded_answer_at_the_budget(
    real_server: str, tmp_path: Path
) -> None:
    from vectorstore.ingest.tokens import get_encoding, install_encodings

    install_encodings(tmp_path)  # what opening the knowledge base does in the application

    completion = complete(config(real_server, 16), [("user", LONG_WINDED)])
    # The server itself stopped at the budget (it reads max_tokens), not the client's backstop.
    assert completion.finish_reason == "length"
    assert completion.truncated
    assert 0 < len(get_encoding("cl100k_base").encode(completion.text)) <= 16 + 16


def test_a_real_answer_streams_through_ask_to_json(
    real_server: str, seeded_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    monkeypatch.setenv("OPENAI_BASE_URL", real_server)
    monkeypatch.setenv("ASSISTANT_LLM_MAX_TOKENS", "24")
    result = CliRunner().invoke(
        app, ["ask", "What does Russia claim about South Caucasus Railways?", "-k", "1", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["mode"] == "llm" and answer["answer"].strip()
    assert answer["usage"]["completion_tokens"] <= 24 + 16
    from assistant.service import open_knowledge_base
    from assistant.settings import Settings

    store = open_knowledge_base(Settings(home=seeded_home)).store
    for citation in answer["citations"]:  # whatever this model cites is verified like any
        text = store.article_text(citation["article_id"])
        assert text[citation["start"] : citation["end"]] == citation["quote"]
