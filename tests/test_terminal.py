"""What reaches the terminal: nothing raw from outside, nothing cut, no password from a URL,
one line per mistake, and the conventions users expect (--version, -h, -, completion)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.cli.common import StreamPrinter
from assistant.cli.render import json_text, safe

runner = CliRunner()
HOSTILE = "\x1b[2J\x1b[H\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07\x07\x9b31m\u202etxt.exe"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def clean(text: str) -> bool:
    return not any(raw in text for raw in RAW)


@pytest.fixture
def home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    return seeded_home


def test_safe_neutralises_control_and_bidi_characters() -> None:
    shown = safe(HOSTILE)
    assert clean(shown)
    assert "click" in shown and "txt.exe" in shown


def test_streamed_model_text_is_made_safe_even_when_a_sequence_is_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    show = StreamPrinter()
    for piece in ("The answer\x1b", "[2J is", " here\u202e [1]", HOSTILE):
        show(piece)
    assert clean(out.getvalue())
    assert out.getvalue().startswith("The answer[2J is here [1]")


def test_json_output_escapes_what_a_terminal_would_act_on() -> None:
    text = json_text({"quote": "a\x9bb\u202ec\x1bd"})
    assert clean(text)
    assert json.loads(text) == {"quote": "a\x9bb\u202ec\x1bd"}  # nothing lost


def test_hostile_ids_and_file_names_reach_the_terminal_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    story = "Dupe story\n\nThe railway in Gyumri was reopened after repairs on Monday."
    (corpus / "dupe\x1b[2J\u202e.txt").write_text(story)
    (corpus / "other.txt").write_text(story)  # same text: a skip warning naming the id
    ingested = runner.invoke(app, ["ingest", str(corpus)])
    assert ingested.exit_code == 0, ingested.output
    assert "same text as article" in ingested.stderr and clean(ingested.stderr)
    searched = runner.invoke(app, ["search", "railway Gyumri repairs"])
    assert searched.exit_code == 0 and "(dupe)" in searched.stdout
    assert clean(searched.stdout)
    missing = runner.invoke(app, ["ingest", str(tmp_path / "no\x1b]0;pwned\x07where")])
    assert missing.exit_code == 2 and clean(missing.stderr)


def test_search_output_is_never_cut(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    result = runner.invoke(app, ["search", "South Caucasus Railways concession", "-k", "3"])
    assert result.exit_code == 0
    longest = max(len(line) for line in result.stdout.splitlines())
    assert longest > 120  # piped: each line whole, not cut at the width
    passages = json.loads(
        runner.invoke(app, ["search", "South Caucasus Railways concession", "--json"]).stdout
    )["results"]
    for passage in passages[:3]:
        for line in passage["text"].splitlines():
            assert line.strip() in result.stdout


def test_urls_never_show_their_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:SECRETPW@127.0.0.1:9/v1")
    for args in (["status"], ["status", "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "SECRETPW" not in result.output
        assert "http://user:***@127.0.0.1:9/v1" in result.output
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", "http://user:SECRETPW@127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "server-embedded"))  # another model
    shown = runner.invoke(app, ["status", "--json"])
    assert "SECRETPW" not in shown.output and "user:***@127.0.0.1:9/v1" in shown.output
    monkeypatch.delenv("ASSISTANT_EMBEDDING_URL")  # its error lines: test_embedding_server.py
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "local"))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "http://user:SECRETPW@127.0.0.1:9")
    failed = runner.invoke(app, ["search", "railway"])
    assert failed.exit_code == 3 and "SECRETPW" not in failed.output
    assert "user:***@127.0.0.1:9" in failed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "railway", "-k", "0"], "Invalid value for '-k'"),
        (["search", "railway", "-k", "-1"], "Invalid value for '-k'"),
        (["ask"], "Missing argument"),
        (["--bogus"], "No such option: --bogus"),
        (["ingest", "--prune", "--rebuild"], "do not go together"),
    ],
)
def test_a_mistyped_command_gets_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_empty_home_and_an_unknown_embedding_model_are_configuration_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", "")
    empty = runner.invoke(app, ["status"])
    assert empty.exit_code == 4 and "ASSISTANT_HOME" in empty.stderr
    monkeypatch.setenv("ASSISTANT_HOME", "/tmp")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "no-such-model")
    unknown = runner.invoke(app, ["status"])
    assert unknown.exit_code == 4 and "Unknown embedding model" in unknown.stderr


def test_a_batch_goes_on_past_a_query_that_is_too_long(home: Path, tmp_path: Path) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text("Trump Route\n" + "railway " * 2000 + "\nSouth Caucasus Railways\n")
    result = runner.invoke(app, ["search", "--batch", str(batch), "-k", "2"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("error" in line, len(line.get("results", []))) for line in lines] == [
        (False, 2),
        (True, 0),
        (False, 2),
    ]
    assert "characters long" in lines[1]["error"]


def test_version_short_help_and_a_dash_for_standard_input(home: Path) -> None:
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("assistant ")
    assert runner.invoke(app, ["-h"]).exit_code == 0
    assert "Usage: assistant ask" in runner.invoke(app, ["ask", "-h"]).stdout
    question = "What does Russia claim about South Caucasus Railways?\n"
    asked = runner.invoke(app, ["ask", "-", "--json"], input=question)
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout)["question"] == question.strip()
    searched = runner.invoke(app, ["search", "-", "--json"], input="Trump Route")
    assert json.loads(searched.stdout)["query"] == "Trump Route"
    empty = runner.invoke(app, ["ask", "-"], input="  \n")
    assert empty.exit_code == 2 and "empty" in empty.stderr


def test_status_says_not_set_and_its_json_is_typed(home: Path) -> None:
    text = runner.invoke(app, ["status"]).stdout
    assert "openai_api_key: not set" in text and "None" not in text
    data = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert data["settings"]["top_k"] == 5 and data["settings"]["openai_api_key"] is None
    assert data["settings"]["debug"] is False and data["index"]["articles"] == 5


# The installed command, as a shell completes it (`python -m assistant` names itself so).
LAUNCHER = Path(sys.executable).parent / "assistant"


def completion(shell: str, words: str) -> str:
    env = {
        **os.environ,
        "_ASSISTANT_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": words,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_WORD_TO_COMPLETE": words.split()[-1],
    }
    return subprocess.run([str(LAUNCHER)], env=env, capture_output=True, text=True).stdout


def test_shell_completion_for_bash_zsh_and_fish() -> None:
    bash = shutil.which("bash")
    assert bash, "bash is part of every supported system"
    scripts = {}
    for shell in ("bash", "zsh", "fish"):
        shown = subprocess.run(
            [str(LAUNCHER), "--show-completion", shell],
            env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
            capture_output=True,
            text=True,
        )
        assert shown.returncode == 0 and "_ASSISTANT_COMPLETE" in shown.stdout, shown.stderr
        scripts[shell] = shown.stdout
    # bash for real: source the script, complete `assistant st` and `assistant ingest --p`.
    session = (
        f"{scripts['bash']}\n"
        "COMP_WORDS=(assistant st); COMP_CWORD=1; _assistant_completion assistant; "
        'echo "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(assistant ingest --p); COMP_CWORD=2; _assistant_completion assistant; "
        'echo "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{LAUNCHER.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([bash, "-c", session], env=env, capture_output=True, text=True)
    assert done.stdout.splitlines() == ["status", "--prune --prefix"], done.stderr
    # zsh and fish through the protocol their scripts speak (the shells are not installed).
    assert "status" in completion("zsh", "assistant st")
    assert completion("fish", "assistant se").startswith("search")


def test_a_quote_that_already_has_quotation_marks_is_not_wrapped_in_more() -> None:
    from assistant.answering.answer import quoted

    assert quoted("The line reopened.") == "“The line reopened.”"
    assert quoted("“We cannot manage without Russia,” he said.") == (
        "“We cannot manage without Russia,” he said."
    )
    assert quoted('"It is ours."') == '"It is ours."'
