"""The chat: a scripted conversation through the CLI, follow-up rewriting, slash commands."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.answer import Answer, Citation
from assistant.chat import ChatSession, Turn, handle_command, names_in, rewrite_heuristically
from assistant.cli.app import app
from assistant.cli.render import excerpt_text
from tests.conftest import REPO
from vectorstore.search.retrieval import Passage

runner = CliRunner()


@pytest.fixture
def home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    return seeded_home


def chat(lines: list[str]) -> str:
    result = runner.invoke(app, ["chat"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_piped_conversation_answers_each_line_with_sources(home: Path) -> None:
    out = chat(["What does Timofeev say about the alliance with Armenia?", "/exit", "never asked"])
    assert "Sources" in out and "004_248f2f0668189d86" in out
    assert "never asked" not in out
    assert "\x1b[" not in out and "›" not in out  # plain output, no prompt, when piped


def test_a_pronoun_follow_up_carries_the_subject_and_new_forgets_it(home: Path) -> None:
    out = chat(
        [
            "What does Timofeev say about the alliance with Armenia?",
            "What does he think of the European Union?",
            "/new",
            "What does he think of the European Union?",
        ]
    )
    first_follow_up, after_reset = out.split("Started a new conversation.")
    assert (
        "(searching: What does he think of the European Union? (Timofeev, Armenia))"
        in first_follow_up
    )
    assert "European Union is not a military force" in first_follow_up
    assert "(searching:" not in after_reset


def test_follow_up_retrieves_the_right_article(home: Path) -> None:
    from assistant.service import open_knowledge_base
    from assistant.settings import Settings

    kb = open_knowledge_base(Settings(home=home))
    session = ChatSession(k=5)
    asked = Answer(
        question="q",
        text="a",
        mode="extractive",
        abstained=False,
        passages=kb.search("Shoigu visit to Baku", k=5),
    )
    session.turns.append(
        Turn("What did Shoigu discuss in Baku?", "What did Shoigu discuss in Baku?", asked)
    )
    search = rewrite_heuristically("Where did he come from before that?", session)
    assert search.endswith("(Shoigu, Baku)")
    assert kb.search(search, k=1)[0].article_id == "003_8e6bc3ac408dff73"


def test_names_are_capitalised_phrases_without_question_words() -> None:
    assert names_in("What does Kalugin say about the Trump Route and 3+3?") == [
        "Kalugin",
        "Trump Route",
        "3+3",
    ]
    assert rewrite_heuristically("Who is Kalugin?", ChatSession(k=5)) == "Who is Kalugin?"


def test_relative_dates_resolve_against_the_articles_in_play() -> None:
    passage = Passage(1, 1.0, "c", "a", "t", None, "2025-05-03T11:55", None, "x", 0, 1)
    session = ChatSession(
        k=5,
        turns=[
            Turn(
                "q",
                "q",
                Answer(
                    question="q", text="a", mode="extractive", abstained=False, passages=[passage]
                ),
            )
        ],
    )
    rewritten = rewrite_heuristically("What happened yesterday and last week?", session)
    assert "yesterday (2025-05-02)" in rewritten
    assert "last week (the week of 2025-04-21)" in rewritten


def answered_session() -> tuple[ChatSession, str]:
    article = (
        "Intro.\n\nOur company holds a concession to operate Armenia's railway network. More text."
    )
    start = article.index("Our company")
    end = article.index("network.") + len("network.")
    citation = Citation(
        1, "001", "Title", "ArmInfo", None, None, "c1", article[start:end], start, end
    )
    passage = Passage(1, 1.0, "c1", "001", "Title", "ArmInfo", None, None, article, 0, len(article))
    answer = Answer(
        question="Who operates it?",
        text=f"{citation.quote} [1]",
        mode="extractive",
        abstained=False,
        citations=[citation],
        passages=[passage],
    )
    return ChatSession(k=5, turns=[Turn("Who operates it?", "Who operates it?", answer)]), article


def test_show_highlights_exactly_the_quoted_span() -> None:
    session, article = answered_session()
    reply = handle_command("/show 1", session, False, lambda _: article)
    assert reply.show is not None
    excerpt, start, end = reply.show
    rendered = excerpt_text(excerpt, start, end)
    (highlight,) = [span for span in rendered.spans if "reverse" in str(span.style)]
    assert (
        rendered.plain[highlight.start : highlight.end]
        == session.turns[0].answer.citations[0].quote
    )
    assert handle_command("/show 7", session, False, lambda _: article).text.startswith(
        "Usage: /show N"
    )


def test_save_writes_the_transcript_with_citations(tmp_path: Path) -> None:
    session, _ = answered_session()
    target = tmp_path / "chat.md"
    assert "Saved 1 turns" in handle_command(f"/save {target}", session, False, lambda _: None).text
    saved = target.read_text()
    assert saved.startswith("# Conversation")
    assert "## 1. Who operates it?" in saved
    assert (
        "- [1] Title — ArmInfo (`001`, characters 8–76): “Our company holds a concession" in saved
    )


def test_commands_change_the_session_and_unknown_ones_get_a_hint() -> None:
    session, _ = answered_session()
    assert (
        handle_command("/k 3", session, False, lambda _: None).text
        == "Retrieving 3 passages per question."
    )
    assert session.k == 3
    assert handle_command("/k 99", session, False, lambda _: None).text.startswith("Usage")
    assert "No LLM is configured" in handle_command("/llm on", session, False, lambda _: None).text
    assert handle_command("/llm off", session, True, lambda _: None).text == "LLM answers off."
    assert handle_command("/whatever", session, False, lambda _: None).text.startswith(
        "Unknown command /whatever"
    )
    assert "/sources" in handle_command("/help", session, False, lambda _: None).text
    assert "Our company holds" in handle_command("/sources", session, False, lambda _: None).text
    assert handle_command("/exit", session, False, lambda _: None).exit
    assert (
        handle_command("/new", session, False, lambda _: None).text == "Started a new conversation."
    )
    assert session.turns == []


def test_a_failed_turn_is_reported_and_the_session_goes_on(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = runner.invoke(app, ["chat"], input="x" * 5000 + "\nWho is Ivan Timofeev?\n")
    assert out.exit_code == 0
    assert "characters long" in out.stderr
    assert "Russian International Affairs Council" in out.stdout


TRANSCRIPT = REPO / "tests" / "snapshots" / "chat_transcript.txt"
SCRIPT = [
    "What does Timofeev say about the alliance with Armenia?",
    "What does he think of the European Union?",
    "/k 2",
    "/nope",
    "/exit",
]


def test_a_scripted_conversation_matches_its_transcript(home: Path) -> None:
    """The exact output of a short conversation (UPDATE_SNAPSHOTS=1 rewrites the snapshot)."""
    out = chat(SCRIPT)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        TRANSCRIPT.write_text(out)
    assert out == TRANSCRIPT.read_text()
