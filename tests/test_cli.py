"""The commands end to end, through the CLI, on the real embedding model and the seeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.answer import REFUSAL
from assistant.cli.app import app
from tests.conftest import SEEDS

SAMPLE = "What does Russia claim about South Caucasus Railways?"
RAILWAY_SENTENCE = (
    "Our company, South Caucasus Railways, a subsidiary of Russian Railways, holds a concession "
    "to operate Armenia's railway network."
)
runner = CliRunner()


@pytest.fixture
def home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    return seeded_home


def article_text(home: Path, article_id: str) -> str:
    from assistant.service import open_knowledge_base
    from assistant.settings import Settings

    text = open_knowledge_base(Settings(home=home)).article_text(article_id)
    assert text is not None
    return text


def test_sample_question_cites_the_south_caucasus_railways_passage(home: Path) -> None:
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 0, result.output
    assert RAILWAY_SENTENCE in result.output
    assert "[1]" in result.output and "Sources" in result.output
    assert "001_50972318ba77ce19" in result.output
    assert "ArmInfo" in result.output


def test_ask_json_follows_the_schema_and_quotes_are_exact(home: Path) -> None:
    result = runner.invoke(app, ["ask", SAMPLE, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) == {
        "question",
        "answer",
        "abstained",
        "mode",
        "citations",
        "passages",
        "verification",
        "usage",
        "timings",
    }
    assert answer["verification"] == {
        "removed_markers": [],
        "unsupported_claims": [],
        "contradicted_claims": [],
        "uncited": False,
        "truncated": False,
        "grounded": True,
        "fallback": None,
    }
    assert answer["abstained"] is False and answer["mode"] == "extractive"
    citations = answer["citations"]
    assert citations and {c["article_id"] for c in citations} == {"001_50972318ba77ce19"}
    for citation in citations:
        assert set(citation) == {
            "n",
            "article_id",
            "title",
            "outlet",
            "published",
            "url",
            "chunk_id",
            "quote",
            "start",
            "end",
            "claim",
            "supported",
            "speaker",
        }
        assert citation["speaker"] == "Mikhail Kalugin"  # a quote of his, relayed by ArmInfo
        assert citation["supported"] is True
        assert f"[{citation['n']}]" in answer["answer"]
        text = article_text(home, citation["article_id"])
        assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert RAILWAY_SENTENCE in [c["quote"] for c in citations]
    passage = answer["passages"][0]
    assert set(passage) == {
        "rank",
        "score",
        "chunk_id",
        "article_id",
        "title",
        "outlet",
        "published",
        "url",
        "text",
        "start",
        "end",
        "speakers",
    }
    assert (
        article_text(home, passage["article_id"])[passage["start"] : passage["end"]]
        == passage["text"]
    )
    for said in passage["speakers"]:  # article offsets inside the passage
        assert passage["start"] <= said["start"] < said["end"] <= passage["end"]
    assert answer["timings"]["total_ms"] > 0


@pytest.mark.parametrize(
    "question",
    [
        "What is the population of Georgia?",
        "Who won the 2024 US presidential election?",
        "What is the capital of Kazakhstan?",
    ],
)
def test_unanswerable_question_is_refused_without_citations(home: Path, question: str) -> None:
    result = runner.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["abstained"] is True
    assert answer["answer"] == REFUSAL
    assert answer["citations"] == []


def test_search_prints_ranked_passages_and_json(home: Path) -> None:
    shown = runner.invoke(app, ["search", "South Caucasus Railways concession", "-k", "2"])
    assert shown.exit_code == 0, shown.output
    assert (
        shown.output.startswith("1. ") and "\n2. " in shown.output and "\n3. " not in shown.output
    )
    as_json = json.loads(
        runner.invoke(app, ["search", "Shoigu visit to Baku", "--json", "-k", "3"]).stdout
    )
    assert as_json["query"] == "Shoigu visit to Baku"
    assert [r["rank"] for r in as_json["results"]] == [1, 2, 3]
    assert as_json["results"][0]["article_id"] == "003_8e6bc3ac408dff73"


def test_search_batch_writes_one_json_line_per_query(home: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("ECO summit in Khankendi\n\nRussia Armenia alliance\n")
    result = runner.invoke(app, ["search", "--batch", str(queries), "-k", "2"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == [
        "ECO summit in Khankendi",
        "Russia Armenia alliance",
    ]
    for line in lines:
        assert len(line["results"]) == 2
        assert set(line["results"][0]) >= {
            "rank",
            "score",
            "chunk_id",
            "article_id",
            "title",
            "text",
            "start",
            "end",
        }
    assert lines[0]["results"][0]["article_id"] == "002_f2e8a6a69dfd7595"


def test_ask_on_an_empty_index_ingests_the_seeds_first() -> None:
    result = runner.invoke(app, ["ask", SAMPLE, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["citations"][0]["article_id"] == "001_50972318ba77ce19"
    again = runner.invoke(app, ["ingest"])
    assert "0 new, 0 updated, 5 unchanged, 0 removed, 0 skipped" in again.stdout


def test_ingest_reports_counts_and_skips(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text(
        "Title one\n\nThe delegation arrived in Yerevan on Monday morning."
    )
    (folder / "empty.txt").write_text("")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 new, 0 updated, 0 unchanged, 0 removed, 1 skipped" in result.stdout
    assert "empty.txt: empty file" in result.stderr
    (folder / "one.txt").unlink()
    pruned = runner.invoke(app, ["ingest", str(folder), "--prune"])
    assert "1 removed" in pruned.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ask", "   "], 2, "The question is empty"),
        (["ask", "x" * 5000], 2, "characters long"),
        (["ask", "word " * 20_000], 2, "The question is 99,999 characters long"),
        (["search", "   "], 2, "The question is empty"),
        (["search"], 2, "Give a query or --batch FILE"),
        (["search", "--batch", "/no/such/file"], 2, "No such file"),
        (["ingest", "/no/such/folder"], 2, "No such file or folder: /no/such/folder"),
    ],
)
def test_bad_input_gets_one_line_and_an_exit_code(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_corrupt_index_is_reported_and_rebuild_recovers(isolated_home: Path) -> None:
    chroma = isolated_home / "chroma"
    chroma.mkdir(parents=True)
    (chroma / "chroma.sqlite3").write_bytes(b"not a database " * 500)
    result = runner.invoke(app, ["ask", SAMPLE])
    assert result.exit_code == 3
    assert "cannot be opened" in result.stderr and "assistant ingest --rebuild" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    rebuilt = runner.invoke(app, ["ingest", "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "5 new" in rebuilt.stdout


def test_a_locked_index_is_reported(isolated_home: Path) -> None:
    from filelock import FileLock

    with FileLock(str(isolated_home / "ingest.lock")):
        result = runner.invoke(app, ["ingest", str(SEEDS)])
    assert result.exit_code == 3
    assert "Another `assistant ingest` is writing" in result.stderr


def test_a_different_embedding_model_is_a_clear_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "text-embedding-3-small")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    result = runner.invoke(app, ["search", "Trump Route"])
    assert result.exit_code == 3
    assert "built with the embedding model all-MiniLM-L6-v2-onnx-int8" in result.stderr
    assert "sk-test" not in result.output


def test_an_overlap_too_large_for_the_chunk_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP_TOKENS", "150")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 4
    assert "keep the overlap under half the chunk size" in result.stderr


def test_an_unwritable_home_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ASSISTANT_HOME", str(blocker / "home"))
    result = runner.invoke(app, ["ask", "Who is Kalugin?"])
    assert result.exit_code == 4
    assert "Cannot write to ASSISTANT_HOME" in result.stderr


def test_invalid_setting_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    result = runner.invoke(app, ["search", "Trump Route"])
    assert result.exit_code == 4
    assert "Invalid setting ASSISTANT_TOP_K" in result.stderr


def test_status_masks_the_api_key(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value-123456789")
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["index"]["articles"] == 5
    assert report["settings"]["openai_api_key"] == "set (hidden)"
    assert "sk-secret" not in result.output


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from assistant.cli.app import app; "
        "heavy = ('chromadb', 'langchain_core', 'onnxruntime', 'bm25s', 'tiktoken', 'numpy'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"


def test_python_dash_m_is_the_same_program() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0
    for command in ("ingest", "ask", "search", "status"):
        assert command in shown.stdout


def test_articles_an_older_version_stored_are_noted_until_ingested_again(home: Path) -> None:
    """After an upgrade the index keeps what the older version derived (its chunks, speakers,
    outlets), since asking never re-ingests: ask, search and status say so until an ingest
    brings those articles up to date."""
    from assistant.service import open_knowledge_base
    from assistant.settings import Settings

    question = ["ask", "What does Russia claim about South Caucasus Railways?", "--no-llm"]
    assert "older version" not in runner.invoke(app, question).stderr
    store = open_knowledge_base(Settings(home=home)).store
    stored = store.articles.get(include=["metadatas"])
    older = dict(stored["metadatas"][0])
    older["chunking"] = older["chunking"].rsplit(":", 1)[0] + ":v1"  # as an older version wrote it
    store.articles.update(ids=[stored["ids"][0]], metadatas=[older])

    noted = runner.invoke(app, question)
    assert noted.exit_code == 0
    assert "note: 1 article in the index were stored by an older version" not in noted.stderr
    assert "note: 1 article in the index was stored by an older version" in noted.stderr
    assert "`assistant ingest`" in noted.stderr
    searched = runner.invoke(app, ["search", "South Caucasus Railways", "--json"])
    assert searched.exit_code == 0 and json.loads(searched.stdout)["results"]  # stdout stays JSON
    assert "older version" in searched.stderr
    shown = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert shown["index"]["articles_outdated"] == 1

    updated = runner.invoke(app, ["ingest"])
    assert updated.exit_code == 0 and "1 updated" in updated.stdout, updated.stdout
    assert "older version" not in runner.invoke(app, question).stderr
    shown = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert shown["index"]["articles_outdated"] == 0
