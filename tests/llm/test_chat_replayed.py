"""Follow-up rewriting by the LLM (prompts/condense.txt), replayed from a cassette."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from tests.llm.conftest import cassette_texts, recorded_bodies


@pytest.mark.vcr
@pytest.mark.usefixtures("short_prompts", "llm_endpoint")
def test_the_llm_rewrites_a_follow_up_into_a_standalone_question() -> None:
    follow_up = "and who operates the railway there?"
    result = CliRunner().invoke(
        app, ["chat"], input=f"What does Kalugin say about the Trump Route?\n{follow_up}\n"
    )
    assert result.exit_code == 0, result.output
    name = "test_the_llm_rewrites_a_follow_up_into_a_standalone_question.yaml"
    condense = recorded_bodies(cassette_texts()[name])[1]
    prompt = condense["messages"][0]["content"]
    assert "What does Kalugin say about the Trump Route?" in prompt and follow_up in prompt
    first, second = result.stdout.split("(searching: ", 1)
    searched = second.split(")\n", 1)[0]
    assert searched and searched != follow_up  # whatever the model made of it is searched
    for turn in (first, second):  # each answer verified: its sources, or the articles' evidence
        assert "\nSources\n" in turn
