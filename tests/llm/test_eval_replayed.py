"""The golden set in LLM mode, replayed from a cassette with the network blocked, gated on the
committed LLM baseline. Recording (see tests/cassettes/README.md) rewrites the baseline too."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from tests.conftest import REPO
from tests.openai_stub import quote_best_sentence

GOLDEN = REPO / "tests" / "golden" / "seeds.yaml"
BASELINE = REPO / "tests" / "golden" / "baseline-llm.json"


@pytest.mark.vcr
@pytest.mark.stub_reply.with_args(quote_best_sentence)
@pytest.mark.usefixtures("llm_endpoint", "short_prompts")
def test_llm_mode_eval_does_not_regress(record_mode: str) -> None:
    gate = (
        ["--save-baseline", str(BASELINE)]
        if record_mode != "none"
        else ["--baseline", str(BASELINE)]
    )
    result = CliRunner().invoke(app, ["eval", str(GOLDEN), *gate])
    assert result.exit_code == 0, result.output
    assert "mode llm" in result.stdout
