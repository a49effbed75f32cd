"""The LLM path: what the assistant does with what a model says, through a fake chat model
injected at `complete()` (citations verified, invented markers removed, unsupported claims
flagged, refusal); and end to end over real HTTP against the scripted OpenAI-compatible server
where HTTP is under test (streaming, --no-llm, every failure as one line with a distinct exit
code and the passages still shown, the key never shown)."""

from __future__ import annotations

import io
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from assistant.answering.answer import REFUSAL, Answer
from assistant.cli.app import app
from assistant.cli.render import render_sources
from assistant.service import ask, open_knowledge_base
from assistant.settings import Settings
from tests.fakes import FakeChatModel
from tests.openai_stub import CutOff, Pinging, Slow, Status, StubServer
from vectorstore.knowledge import KnowledgeBase

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


@pytest.fixture
def kb(seeded_home: Path) -> KnowledgeBase:
    return open_knowledge_base(Settings(home=seeded_home))


def llm_settings(home: Path) -> Settings:
    return Settings(home=home, llm={"api_key": "sk-unit-fake", "model": "stub-model"})  # type: ignore[arg-type]


def first_passage_number(user_message: str, article_id: str) -> int:
    for block in user_message.split("<passage ")[1:]:
        if f'article="{article_id}"' in block:
            return int(block.split('n="')[1].split('"')[0])
    raise AssertionError(f"{article_id} not in the prompt")


def shown(answer: Answer) -> str:
    """The sources block as the terminal shows it."""
    console = Console(file=io.StringIO(), width=200)
    render_sources(answer, console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_sample_question_through_the_llm_cites_001_verified(kb: KnowledgeBase) -> None:
    model = FakeChatModel(GROUNDED)
    answer = ask(kb, SAMPLE, llm_settings(kb.layout.home), chat=model).to_dict()
    assert answer["mode"] == "llm" and answer["abstained"] is False
    citations = answer["citations"]
    assert isinstance(citations, list) and len(citations) == 1
    cited = citations[0]
    # The scripted reply cites [1]; the prompt's first passage is 001's railway passage.
    assert first_passage_number(model.requests[-1][1][1], "001_50972318ba77ce19") == 1
    assert cited["article_id"] == "001_50972318ba77ce19"
    assert cited["supported"] is True
    assert "holds a concession to operate Armenia's railway network" in cited["quote"]
    assert answer["verification"] == {
        "removed_markers": [],
        "unsupported_claims": [],
        "contradicted_claims": [],
        "uncited": False,
        "truncated": False,
        "grounded": True,
        "fallback": None,
    }
    assert answer["usage"] == {"prompt_tokens": 321, "completion_tokens": 45, "counted": 0}


def test_usage_is_counted_when_the_api_reports_none(kb: KnowledgeBase) -> None:
    model = FakeChatModel(GROUNDED, usage=None)
    usage = ask(kb, SAMPLE, llm_settings(kb.layout.home), chat=model).usage
    assert usage is not None and usage.counted
    assert usage.prompt_tokens > 100 and 20 < usage.completion_tokens < 60


def test_an_invented_marker_is_removed_and_reported(kb: KnowledgeBase) -> None:
    settings = llm_settings(kb.layout.home)
    model = FakeChatModel(GROUNDED.replace("[1].", "[1][9]."), GROUNDED.replace("[1].", "[9]."))
    answer = ask(kb, SAMPLE, settings, chat=model).to_dict()
    assert "[9]" not in str(answer["answer"])
    assert answer["verification"]["removed_markers"] == [9]
    assert [c["n"] for c in answer["citations"]] == [1]
    assert "Removed [9]: no such passage" in shown(ask(kb, SAMPLE, settings, chat=model))


def test_a_claim_its_passage_does_not_support_is_flagged(kb: KnowledgeBase) -> None:
    invented = "The Eiffel Tower was repainted gold by volunteers last spring [1]."
    answer = ask(kb, SAMPLE, llm_settings(kb.layout.home), chat=FakeChatModel(invented))
    assert answer.verification is not None
    assert answer.verification.unsupported_claims == [
        "The Eiffel Tower was repainted gold by volunteers last spring."
    ]
    assert answer.citations[0].supported is False
    assert "UNSUPPORTED" in shown(answer)


def test_an_answer_citing_nothing_is_flagged(kb: KnowledgeBase) -> None:
    model = FakeChatModel("Russia runs the railways.")
    answer = ask(kb, SAMPLE, llm_settings(kb.layout.home), chat=model)
    assert answer.verification is not None and answer.verification.uncited is True
    assert "cites no passage" in shown(answer)


def test_the_model_refusing_gives_an_abstained_answer_without_citations(
    kb: KnowledgeBase,
) -> None:
    answer = ask(kb, SAMPLE, llm_settings(kb.layout.home), chat=FakeChatModel(REFUSAL))
    assert answer.abstained is True and answer.citations == []
    assert answer.text == REFUSAL


def test_nothing_relevant_retrieved_means_no_llm_call(kb: KnowledgeBase) -> None:
    model = FakeChatModel()
    answer = ask(kb, "What is the capital of Kazakhstan?", llm_settings(kb.layout.home), chat=model)
    assert answer.abstained is True and answer.text == REFUSAL
    assert model.requests == []


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            "Russia claims that South Caucasus Railways is a subsidiary of Russian Railways.",
            "uncited",
        ),
        ("The Eiffel Tower was repainted gold by volunteers last spring [1].", "unsupported"),
        ('Passages:\n\n<passage n="1" article="999_none" title="T">\nEchoed text.', "empty"),
    ],
)
def test_an_answer_with_no_supported_citation_comes_with_the_articles_evidence(
    stub: StubServer, reply: str, reason: str
) -> None:
    stub.then(reply)
    code, answer, _ = ask_json(SAMPLE)
    assert code == 0
    verification: dict[str, Any] = answer["verification"]  # type: ignore[assignment]
    assert verification["grounded"] is False
    fallback = verification["fallback"]
    assert fallback["reason"] == reason
    assert fallback["citations"] and all(c["supported"] for c in fallback["citations"])
    assert any(c["article_id"] == "001_50972318ba77ce19" for c in fallback["citations"])
    assert "<passage" not in str(answer["answer"]) and "999_none" not in str(answer["answer"])

    stub.then(reply)
    shown = runner.invoke(app, ["ask", SAMPLE]).stdout
    assert "Not verified" in shown or "Not answered" in shown
    assert "What the articles say (quoted, not written by the model):" in shown
    assert "001_50972318ba77ce19" in shown.split("What the articles say")[1]
    assert "<passage" not in shown and "Passages:" not in shown


def test_a_grounded_answer_has_no_fallback(stub: StubServer) -> None:
    stub.then(GROUNDED)
    _, answer, _ = ask_json(SAMPLE)
    assert answer["verification"]["grounded"] is True  # type: ignore[index]
    assert answer["verification"]["fallback"] is None  # type: ignore[index]


@pytest.mark.parametrize(
    "form", ["[1, 1]", "[1][1]", "[1-1]", "【1】", "[Passage 1]", "(Source 1)", "[^1]"]
)
def test_each_citation_form_is_verified_like_a_marker(stub: StubServer, form: str) -> None:
    stub.then(GROUNDED.replace("[1].", f"{form}."))
    _, answer, _ = ask_json(SAMPLE)
    assert answer["answer"] == GROUNDED
    citations: list[dict[str, Any]] = answer["citations"]  # type: ignore[assignment]
    assert [c["n"] for c in citations] == [1] and citations[0]["supported"] is True


def test_a_range_of_passages_cites_each(stub: StubServer) -> None:
    stub.then(GROUNDED.replace("[1].", "[1-3]."))
    _, answer, _ = ask_json(SAMPLE)
    assert [c["n"] for c in answer["citations"]] == [1, 2, 3]  # type: ignore[union-attr]
    assert "[1][2][3]" in str(answer["answer"])


def test_each_passage_is_listed_once_in_the_sources_with_all_its_quotes(stub: StubServer) -> None:
    second = " He added that Armenia's partners cannot manage without Russia [1]."
    stub.then(GROUNDED + second + " South Caucasus Railways holds the concession [1].")
    shown = runner.invoke(app, ["ask", SAMPLE]).stdout
    sources = shown.split("\nSources\n", 1)[1]
    assert sources.count("[1] ") == 1
    quotes = [line.strip() for line in sources.splitlines() if line.startswith("    ")]
    assert len(quotes) == len(set(quotes)) >= 2
    assert not any(q.startswith(('“"', "““")) or q.endswith(('"”', "””")) for q in quotes)


def test_after_the_stream_only_the_verified_answer_stays(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.cli import common

    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True)
    streamed = GROUNDED.replace("[1].", "[1, 9].")
    stub.then(streamed)
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(streamed)  # shown as it arrived
    # then cleared (carriage return, clear to the end of the screen) and drawn verified
    cleared, redraw, after = re.split(r"(\r(?:\x1b\[\d+A)?\x1b\[J)", result.stdout, maxsplit=1)
    assert cleared == streamed and redraw == "\r\x1b[2A\x1b[J"  # 190 characters: 3 rows of 80
    assert after.startswith(GROUNDED) and "[9]" not in after.split("Removed")[0]


def test_piped_output_is_the_verified_answer_alone(stub: StubServer) -> None:
    stub.then(GROUNDED.replace("[1].", "[1, 9]."))
    shown = runner.invoke(app, ["ask", SAMPLE]).stdout
    assert shown.startswith(GROUNDED + "\n")
    assert "[9]" not in shown.split("Removed")[0]


def test_streamed_pieces_are_assembled_and_shown_before_the_sources(stub: StubServer) -> None:
    stub.script.chunk_size = 3  # dozens of server-sent events
    stub.then(GROUNDED)
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(GROUNDED)
    assert result.stdout.index("Sources") > len(GROUNDED)
    assert "\x1b[" not in result.stdout  # a pipe gets no ANSI codes
    assert stub.script.requests[-1]["stream"] is True


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
    result = runner.invoke(app, ["ask", SAMPLE])
    assert time.monotonic() - stub.script.arrivals[0] < 5  # within the 3 s time-out, not minutes
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


# Streaming, time-outs and budgets (issue 13) and incomplete answers (issue 18, item 9).


def test_the_budget_is_sent_as_max_tokens_to_a_compatible_server(stub: StubServer) -> None:
    stub.then(GROUNDED)
    assert ask_json(SAMPLE)[0] == 0
    body = stub.script.requests[-1]
    assert body["max_tokens"] == 600  # what llama.cpp's server, vLLM and Ollama read
    assert "max_completion_tokens" not in body


def test_openai_itself_gets_max_completion_tokens() -> None:
    from assistant.answering.llm import LLMConfig, make_chat_model

    for base_url in (None, "https://api.openai.com/v1"):
        config = LLMConfig(
            model="gpt-4.1-mini",
            api_key="sk-test",  # type: ignore[arg-type]
            base_url=base_url,
            max_tokens=321,
            max_retries=0,
            context_window=8192,
        )
        payload = make_chat_model(config)._get_request_payload([("user", "hi")])
        assert payload["max_completion_tokens"] == 321
        assert "max_tokens" not in payload and "max_tokens" not in payload.get("extra_body", {})


def test_a_slow_but_steady_stream_is_not_cut_off(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_REQUEST_TIMEOUT", "2")
    stub.script.chunk_size = len(GROUNDED) // 6 + 1  # six pieces, 0.7 s apart: ~4 s in all
    stub.then(Slow(GROUNDED, 0.7))
    code, answer, err = ask_json(SAMPLE)
    assert time.monotonic() - stub.script.arrivals[0] > 4  # twice the time-out, and answered
    assert code == 0, err
    assert "holds a concession to operate Armenia's railway network" in str(answer["answer"])
    assert answer["citations"][0]["supported"] is True  # type: ignore[index]


def test_a_silent_server_fails_within_the_time_out_and_is_not_retried(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "2")
    stub.then("silent", GROUNDED)
    result = runner.invoke(app, ["ask", SAMPLE])
    assert time.monotonic() - stub.script.arrivals[0] < 5  # one 3 s wait, not three
    assert result.exit_code == 9
    assert "did not answer within 3 s" in result.stderr
    # A one-slot server is still busy with the abandoned request: no retry queues behind it.
    assert len(stub.script.requests) == 1


def test_keep_alive_pings_do_not_stretch_the_wait_for_the_first_token(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT", "2")
    stub.then(Pinging(0.3), Pinging(5))
    for _ in range(2):  # pings more often than the deadline, and less often
        result = runner.invoke(app, ["ask", SAMPLE])
        assert time.monotonic() - stub.script.arrivals[-1] < 3.5  # not the 30 s of pings
        assert result.exit_code == 9
        assert "accepted the question but sent no answer within 2 s" in result.stderr


def test_a_first_token_slower_than_the_request_time_out_is_waited_for(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_REQUEST_TIMEOUT", "1")
    stub.then(Pinging(0.5, seconds=2.5, then=GROUNDED))  # reads the prompt for 2.5 s
    code, answer, err = ask_json(SAMPLE)
    assert code == 0, err
    assert answer["citations"][0]["supported"] is True  # type: ignore[index]


def test_silence_mid_answer_is_a_time_out(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_REQUEST_TIMEOUT", "1")
    stub.script.chunk_size = 40
    stub.then(Slow(GROUNDED, 2.5))
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 9
    assert "went silent for 1 s mid-answer" in result.stderr


def test_the_total_cap_bounds_an_answer_that_never_ends(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_TOTAL_TIMEOUT", "1.5")
    stub.script.chunk_size = 2
    stub.then(Slow(GROUNDED, 0.2))
    result = runner.invoke(app, ["ask", SAMPLE])
    assert time.monotonic() - stub.script.arrivals[0] < 3.5
    assert result.exit_code == 9
    assert "was still answering after 1.5 s" in result.stderr


@pytest.mark.parametrize("failure", [503, Status(429, {"Retry-After": "1"}), "drop"])
def test_a_failure_before_the_first_token_is_retried(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, failure: object
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "1")
    stub.then(failure, GROUNDED)
    code, _, err = ask_json(SAMPLE)
    assert code == 0, err
    assert len(stub.script.requests) == 2
    if isinstance(failure, Status):
        assert stub.script.arrivals[1] - stub.script.arrivals[0] >= 1  # Retry-After honoured


def test_a_stream_cut_mid_answer_is_an_error_not_an_answer(stub: StubServer) -> None:
    stub.then(CutOff(GROUNDED[:60]))
    result = runner.invoke(app, ["ask", SAMPLE, "--json"])
    assert result.exit_code == 11
    assert "broke off the answer mid-stream (after 60 characters" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    shown = json.loads(result.stdout)
    assert "answer" not in shown and shown["passages"]  # no half answer passed off as whole


def test_an_empty_answer_is_an_error(stub: StubServer) -> None:
    stub.then("   ")
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 11
    assert "sent an empty answer" in result.stderr


def test_an_answer_far_past_the_budget_is_cut_at_the_budget(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_MAX_TOKENS", "100")
    stub.script.chunk_size = 4096
    stub.then(GROUNDED + " And more words." * 300_000)  # ~5 MB from a server ignoring the budget
    code, answer, err = ask_json(SAMPLE)
    assert code == 0, err
    from vectorstore.ingest.tokens import get_encoding

    tokens = len(get_encoding("cl100k_base").encode(str(answer["answer"])))
    assert 100 <= tokens <= 116  # the budget plus the slack for another tokenizer
    assert answer["verification"]["truncated"] is True  # type: ignore[index]
    stub.then(GROUNDED + " And more words." * 300_000)
    assert "cut off at its length budget" in runner.invoke(app, ["ask", SAMPLE]).stdout
