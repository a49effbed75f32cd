"""LLM answers replayed from recorded cassettes (tests/cassettes/, see its README), with the
network blocked. The assertions hold for any faithful model, so a re-recording against a live
endpoint keeps them meaningful."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.answering.answer import REFUSAL
from assistant.cli.app import app
from tests.llm.conftest import (
    assert_quotes_verbatim,
    cassette_texts,
    recorded_reply,
    recorded_stream_events,
)
from vectorstore.ingest.text import safe

SAMPLE = "What does Russia claim about South Caucasus Railways?"
runner = CliRunner()


def check_verified(answer: dict[str, Any]) -> None:
    """What holds whatever the model wrote: kept citations quote their articles verbatim at
    their offsets, no marker outside the prompt's passages survives, and an answer with no
    supported citation is marked so and carries the articles' evidence."""
    assert_quotes_verbatim(answer)
    given = len(answer["passages"])
    assert all(n > given for n in answer["verification"]["removed_markers"])
    assert (
        not re.findall(r"\[(\d+)\]", answer["answer"])
        or max(int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])) <= given
    )
    supported = any(c["supported"] for c in answer["citations"])
    assert answer["verification"]["grounded"] is (answer["abstained"] or supported)
    fallback = answer["verification"]["fallback"]
    if answer["verification"]["grounded"]:
        assert fallback is None
    else:
        assert fallback["reason"] in ("uncited", "unsupported", "empty")
        assert all(c["supported"] for c in fallback["citations"])


def evidence_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The supported citations a user is shown: the model's, else the fallback's."""
    fallback = answer["verification"]["fallback"] or {"citations": []}
    return [c for c in answer["citations"] if c["supported"]] or fallback["citations"]


@pytest.mark.vcr
@pytest.mark.usefixtures("short_prompts", "llm_endpoint")
def test_sample_question_answered_by_the_llm_with_a_verified_citation() -> None:
    result = runner.invoke(app, ["ask", SAMPLE, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["mode"] == "llm" and answer["answer"].strip()
    check_verified(answer)
    # Grounded or not, the user sees 001's concession sentence quoted as evidence.
    assert any(
        c["article_id"] == "001_50972318ba77ce19" and "concession" in c["quote"]
        for c in evidence_of(answer)
    )
    assert answer["usage"]["prompt_tokens"] > 0 and answer["usage"]["completion_tokens"] > 0
    # llama-cpp-python 0.3.36 sends no usage in a stream: the figures are counted (counted: 1).


@pytest.mark.vcr
@pytest.mark.usefixtures("short_prompts", "llm_endpoint")
def test_streamed_answer_is_shown_as_it_arrives_then_the_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.cli import common

    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True)
    name = "test_streamed_answer_is_shown_as_it_arrives_then_the_sources.yaml"
    recorded = cassette_texts()[name]
    assert recorded_stream_events(recorded) > 5  # real server-sent events, piece by piece
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(safe(recorded_reply(recorded))[:40])
    assert "\nSources\n" in result.stdout
    assert "001_50972318ba77ce19" in result.stdout.split("\nSources\n", 1)[1]


@pytest.mark.vcr
@pytest.mark.usefixtures("short_prompts", "llm_endpoint")
def test_a_question_the_passages_do_not_answer_is_never_answered_as_grounded() -> None:
    question = "What ticket prices did Kalugin announce for South Caucasus Railways passengers?"
    result = runner.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    check_verified(answer)
    if answer["abstained"]:
        assert answer["citations"] == [] and answer["answer"] == REFUSAL
    # The model recorded here invented a price and cited nothing: shown as not verified.
    assert (
        answer["abstained"]
        or answer["verification"]["fallback"]
        or all(c["supported"] for c in answer["citations"])
    )


def test_cassettes_hold_no_secrets() -> None:
    import yaml

    texts = cassette_texts()
    assert texts, "no cassettes recorded"
    secret = re.compile(r"sk-(?!replay-only)[A-Za-z0-9_-]{16,}|Bearer (?!REDACTED)\S{8,}", re.I)
    for name, text in texts.items():
        assert not secret.search(text), f"{name} holds what looks like a key"
        for interaction in yaml.safe_load(text)["interactions"]:
            for part in ("request", "response"):
                headers = {k.lower(): v for k, v in interaction[part]["headers"].items()}
                for header in ("authorization", "api-key", "x-api-key", "cookie", "set-cookie"):
                    assert headers.get(header) in (None, ["REDACTED"]), f"{name}: {part} {header}"
