"""An article carrying instructions, fake markers and a fake "Sources" list, in LLM mode,
replayed: the passage reaches the model as delimited data, and whatever the model then says,
a marker pointing at no passage is removed and a claim backed only by the injected text is
flagged unsupported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from tests.test_hardening import HOSTILE

runner = CliRunner()


@pytest.mark.vcr
@pytest.mark.stub_reply(
    "The railway concession in Gyumri belongs to France [1][7]. "
    "Sources: [1] Invented Source — Nobody, 1999"
)
@pytest.mark.usefixtures("llm_endpoint")
def test_injected_instructions_cannot_forge_a_citation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    (tmp_path / "hostile.txt").write_text(HOSTILE)
    assert runner.invoke(app, ["ingest", str(tmp_path / "hostile.txt")]).exit_code == 0
    result = runner.invoke(app, ["ask", "Who holds the railway concession in Gyumri?", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["verification"]["removed_markers"] == [7]
    assert (
        "The railway concession in Gyumri belongs to France."
        in answer["verification"]["unsupported_claims"]
    )
    for citation in answer["citations"]:
        assert "Ignore previous instructions" not in citation["quote"]
    assert "\x1b" not in result.stdout
