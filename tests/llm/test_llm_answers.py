"""The LLM path end to end over real HTTP, against the scripted OpenAI-compatible server:
citations verified, invented markers removed, unsupported claims flagged, streaming, refusal,
and every failure as one line with a distinct exit code and the passages still shown."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answer import REFUSAL
from assistant.cli.app import app
from tests.openai_stub import StubServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]
SAMPLE = "What does Russia claim about South Caucasus Railways?"
GROUNDED = (
    "Mikhail Kalugin of Russia's foreign ministry said that South Caucasus Railways, a subsidiary "
    "of Russian Railways, holds a concession to operate Armenia's railway network [1]."
)
runner = CliRunner()


@pytest.fixture
def stub(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    with StubServer() as server:
        monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("ASSISTANT_LLM_MODEL", "stub-model")
        monkeypatch.setenv("ASSISTANT_REQUEST_TIMEOUT", "3")
        monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
        yield server


def ask_json(*args: str) -> tuple[int, dict[str, object], str]:
    result = runner.invoke(app, ["ask", *args, "--json"])
    return (
        result.exit_code,
        json.loads(result.stdout) if result.stdout.strip() else {},
        result.stderr,
    )


def first_passage_number(stub: StubServer, article_id: str) -> int:
    user = stub.script.requests[-1]["messages"][1]["content"]
    for block in user.split("<passage ")[1:]:
        if f'article="{article_id}"' in block:
            return int(block.split('n="')[1].split('"')[0])
    raise AssertionError(f"{article_id} not in the prompt")


def test_sample_question_through_the_llm_cites_001_verified(stub: StubServer) -> None:
    stub.then(GROUNDED)
    code, answer, _ = ask_json(SAMPLE)
    assert code == 0
    assert answer["mode"] == "llm" and answer["abstained"] is False
    citations = answer["citations"]
    assert isinstance(citations, list) and len(citations) == 1
    cited = citations[0]
    # The scripted reply cites [1]; the prompt's first passage is 001's railway passage.
    assert first_passage_number(stub, "001_50972318ba77ce19") == 1
    assert cited["article_id"] == "001_50972318ba77ce19"
    assert cited["supported"] is True
    assert "holds a concession to operate Armenia's railway network" in cited["quote"]
    assert answer["verification"] == {
        "removed_markers": [],
        "unsupported_claims": [],
        "uncited": False,
    }
    assert answer["usage"] == {"prompt_tokens": 321, "completion_tokens": 45, "counted": 0}


def test_an_invented_marker_is_removed_and_reported(stub: StubServer) -> None:
    stub.then(GROUNDED.replace("[1].", "[1][9]."))
    code, answer, _ = ask_json(SAMPLE)
    assert code == 0
    assert "[9]" not in str(answer["answer"])
    assert answer["verification"]["removed_markers"] == [9]  # type: ignore[index]
    assert [c["n"] for c in answer["citations"]] == [1]  # type: ignore[union-attr]
    stub.then(GROUNDED.replace("[1].", "[9]."))
    assert "Removed [9]: no such passage" in runner.invoke(app, ["ask", SAMPLE]).stdout


def test_a_claim_its_passage_does_not_support_is_flagged(stub: StubServer) -> None:
    stub.then("The Eiffel Tower was repainted gold by volunteers last spring [1].")
    code, answer, _ = ask_json(SAMPLE)
    assert code == 0
    assert answer["verification"]["unsupported_claims"] == [  # type: ignore[index]
        "The Eiffel Tower was repainted gold by volunteers last spring."
    ]
    assert answer["citations"][0]["supported"] is False  # type: ignore[index]
    stub.then("The Eiffel Tower was repainted gold by volunteers last spring [1].")
    assert "UNSUPPORTED" in runner.invoke(app, ["ask", SAMPLE]).stdout


def test_an_answer_citing_nothing_is_flagged(stub: StubServer) -> None:
    stub.then("Russia runs the railways.")
    _, answer, _ = ask_json(SAMPLE)
    assert answer["verification"]["uncited"] is True  # type: ignore[index]


def test_streamed_pieces_are_assembled_and_shown_before_the_sources(stub: StubServer) -> None:
    stub.script.chunk_size = 3  # dozens of server-sent events
    stub.then(GROUNDED)
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(GROUNDED)
    assert result.stdout.index("Sources") > len(GROUNDED)
    assert "\x1b[" not in result.stdout  # a pipe gets no ANSI codes
    assert stub.script.requests[-1]["stream"] is True


def test_the_model_refusing_gives_an_abstained_answer_without_citations(stub: StubServer) -> None:
    stub.then(REFUSAL)
    code, answer, _ = ask_json(SAMPLE)
    assert code == 0
    assert answer["abstained"] is True and answer["citations"] == []
    assert answer["answer"] == REFUSAL


def test_nothing_relevant_retrieved_means_no_llm_call(stub: StubServer) -> None:
    code, answer, _ = ask_json("What is the capital of Kazakhstan?")
    assert code == 0
    assert answer["abstained"] is True and answer["answer"] == REFUSAL
    assert stub.script.requests == []


def test_no_llm_flag_forces_the_extractive_answer(stub: StubServer) -> None:
    code, answer, _ = ask_json(SAMPLE, "--no-llm")
    assert code == 0 and answer["mode"] == "extractive"
    assert stub.script.requests == []


@pytest.mark.parametrize(
    ("step", "code", "message"),
    [
        (401, 5, "rejected the API key"),
        (404, 6, "has no model 'stub-model'"),
        (429, 7, "rate-limiting"),
        (500, 8, "failed with HTTP 500"),
        (503, 8, "failed with HTTP 503"),
        ("silent", 9, "did not answer within 3 s"),
        ("drop", 10, "Cannot connect to"),
    ],
)
def test_each_failure_is_one_line_with_its_exit_code_and_the_passages_shown(
    stub: StubServer, step: object, code: int, message: str
) -> None:
    stub.then(step)
    began = time.monotonic()
    result = runner.invoke(app, ["ask", SAMPLE])
    assert time.monotonic() - began < 10  # within the configured time-out, not minutes
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert "The LLM failed; the retrieved passages:" in result.stdout
    assert "001_50972318ba77ce19" in result.stdout


def test_a_refused_connection_is_one_line(
    seeded_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
    code, answer, err = ask_json(SAMPLE)
    assert code == 10
    assert f"Cannot connect to http://127.0.0.1:{port}/v1" in err
    assert answer["passages"]  # JSON output still carries what was retrieved


def test_the_api_key_never_appears_in_output_or_errors(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-secret-abcdefghijklmnopqrstuvwxyz")
    stub.then(401)
    result = runner.invoke(app, ["ask", SAMPLE, "--json"])
    assert "sk-live-secret" not in result.output
