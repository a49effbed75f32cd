"""Follow-up rewriting by the LLM (prompts/condense.txt), replayed from a cassette."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app


@pytest.mark.vcr
@pytest.mark.stub_reply(
    "Kalugin said Russia, Azerbaijan and Armenia reached mutually acceptable solutions on the "
    "Trump Route through a trilateral working group [1].",
    "Who operates the railway network along the Trump Route, according to Kalugin?",
    "According to Kalugin, South Caucasus Railways, a subsidiary of Russian Railways, holds a "
    "concession to operate Armenia's railway network [1].",
)
@pytest.mark.usefixtures("llm_endpoint")
def test_the_llm_rewrites_a_follow_up_into_a_standalone_question() -> None:
    result = CliRunner().invoke(
        app,
        ["chat"],
        input="What does Kalugin say about the Trump Route?\nand who operates the railway there?\n",
    )
    assert result.exit_code == 0, result.output
    _, second = result.stdout.split("(searching: ", 1)
    searched = second.split(")\n", 1)[0]
    assert "railway" in searched.lower() and "trump route" in searched.lower()
    assert "there" not in searched.lower().split()
    assert "001_50972318ba77ce19" in second
    assert "concession" in second
