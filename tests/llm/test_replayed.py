"""LLM answers replayed from recorded cassettes (tests/cassettes/, see its README), with the
network blocked. The assertions hold for any faithful model, so a re-recording against a live
endpoint keeps them meaningful."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from assistant.answering.answer import REFUSAL
from assistant.cli.app import app
from tests.llm.conftest import cassette_texts

SAMPLE = "What does Russia claim about South Caucasus Railways?"
runner = CliRunner()


@pytest.mark.vcr
@pytest.mark.stub_reply(
    "According to Mikhail Kalugin of Russia's foreign ministry, speaking to RIA Novosti, South "
    "Caucasus Railways, a subsidiary of Russian Railways, holds a concession to operate Armenia's "
    "railway network [1]. He added that Armenia's partners cannot manage without Russia [1]."
)
@pytest.mark.usefixtures("llm_endpoint")
def test_sample_question_answered_by_the_llm_with_a_verified_citation() -> None:
    result = runner.invoke(app, ["ask", SAMPLE, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["mode"] == "llm" and answer["abstained"] is False
    to_001 = [c for c in answer["citations"] if c["article_id"] == "001_50972318ba77ce19"]
    assert to_001 and all(c["supported"] for c in to_001)
    assert any("concession to operate Armenia's railway network" in c["quote"] for c in to_001)
    assert answer["verification"]["removed_markers"] == []
    assert answer["usage"]["prompt_tokens"] > 0 and answer["usage"]["completion_tokens"] > 0


@pytest.mark.vcr
@pytest.mark.stub_reply(
    "Kalugin said that South Caucasus Railways, a subsidiary of Russian Railways, holds a "
    "concession to operate Armenia's railway network [1]."
)
@pytest.mark.usefixtures("llm_endpoint")
def test_streamed_answer_is_shown_as_it_arrives_then_the_sources() -> None:
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 0, result.output
    answer_part, _, sources = result.stdout.partition("\nSources\n")
    assert re.search(r"\[\d\]", answer_part)
    assert "001_50972318ba77ce19" in sources


@pytest.mark.vcr
@pytest.mark.stub_reply(REFUSAL)
@pytest.mark.usefixtures("llm_endpoint")
def test_a_question_the_passages_do_not_answer_is_refused_by_the_model() -> None:
    question = "What ticket prices did Kalugin announce for South Caucasus Railways passengers?"
    result = runner.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["abstained"] is True
    assert answer["citations"] == []


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
