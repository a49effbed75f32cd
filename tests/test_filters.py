"""Filters (dates, outlets, articles) inside retrieval, and recency-aware ranking."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.chat import ChatSession, handle_command, resolve_relative_dates
from assistant.errors import InputError
from assistant.evaluation.golden import load_golden
from assistant.scope import batch_query, make_scope
from tests.fakes import HashEmbeddings
from vectorstore.ingest.cleaning import outlet_name
from vectorstore.knowledge import KnowledgeBase, Layout
from vectorstore.search.dates import day_of, parse_span
from vectorstore.search.filters import Filters
from vectorstore.search.retrieval import Recency, by_recency

FRIDAY = date(2025, 1, 10)


def news(tmp_path: Path) -> KnowledgeBase:
    """60 articles of a big outlet all about the railway; 4 of a small one that mention it
    once among other things; 3 undated; dated across December and January."""
    lines = []
    for n in range(60):
        lines.append(
            {
                "id": f"big-{n}",
                "title": f"Railway news {n}",
                "outlet": "Big Wire",
                "published": f"2024-12-{1 + n % 28:02d}",
                "text": "The railway concession and the railway network. " * 5 + f"Item {n}.",
            }
        )
    for n in range(4):
        lines.append(
            {
                "id": f"small-{n}",
                "title": f"Harbour report {n}",
                "outlet": "Small Gazette",
                "published": f"2025-01-{5 + n:02d}",
                "text": f"Fishing boats and the harbour {n}. Ferries. A railway is planned.",
            }
        )
    for n in range(3):
        lines.append(
            {"id": f"undated-{n}", "title": f"Note {n}", "text": f"A railway timetable {n}."}
        )
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines))
    embeddings = HashEmbeddings()
    kb = KnowledgeBase.open(Layout(tmp_path / "kb"), embeddings, embeddings.model_name)  # type: ignore[arg-type]
    kb.ingest([corpus])
    return kb


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return news(tmp_path_factory.mktemp("news"))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_an_outlet_filter_returns_k_passages_of_that_outlet(kb: KnowledgeBase, mode: str) -> None:
    unfiltered = kb.search("railway concession network", k=50, mode=mode)  # type: ignore[arg-type]
    assert all(p.outlet == "Big Wire" for p in unfiltered)  # the small outlet never makes it
    found = kb.search(
        "railway concession network",
        k=3,
        mode=mode,  # type: ignore[arg-type]
        filters=Filters(outlets=("small gazette",)),
    )
    assert len(found) == 3
    assert {p.outlet for p in found} == {"Small Gazette"}


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_a_date_range_keeps_undated_articles_unless_dated_only(
    kb: KnowledgeBase, mode: str
) -> None:
    january = Filters(since=date(2025, 1, 1), until=date(2025, 1, 31))
    found = kb.search("railway", k=20, mode=mode, filters=january)  # type: ignore[arg-type]
    ids = {p.article_id for p in found}
    assert ids == {f"small-{n}" for n in range(4)} | {f"undated-{n}" for n in range(3)}
    dated = Filters(since=date(2025, 1, 6), dated_only=True)
    found = kb.search("railway", k=20, mode=mode, filters=dated)  # type: ignore[arg-type]
    assert {p.article_id for p in found} == {"small-1", "small-2", "small-3"}


def test_article_filter_and_a_filter_nothing_passes(kb: KnowledgeBase) -> None:
    found = kb.search("railway", k=5, filters=Filters(articles=("big-7", "undated-1")))
    assert {p.article_id for p in found} == {"big-7", "undated-1"}
    nothing = Filters(until=date(2020, 1, 1), dated_only=True)
    assert kb.search("railway", k=5, filters=nothing) == []


def test_an_index_stored_without_days_still_filters_dates(tmp_path: Path) -> None:
    kb = news(tmp_path)
    ids = [c.id for c in kb.store.iter_chunks()]
    kb.store.chunks.update(ids=ids, metadatas=[{"day": None} for _ in ids])  # as stored before
    kb.store.bump_revision()
    assert kb.lexical().facets.legacy
    found = kb.search("railway", k=20, mode="dense", filters=Filters(since=date(2025, 1, 7)))
    assert {p.article_id for p in found} == {"small-2", "small-3"} | {
        f"undated-{n}" for n in range(3)
    }


def test_recency_puts_articles_near_the_anchor_first(kb: KnowledgeBase) -> None:
    query, big = "railway network concession", Filters(outlets=("Big Wire",))

    def top_days(recency: Recency | None, filters: Filters = big) -> list[int]:
        found = kb.search(query, k=3, filters=filters, recency=recency)
        return [int(p.published[-2:]) for p in found if p.published]

    # The articles' texts tie, so each search ranks them in an order of its own, and fused,
    # the first of some 30 scores at most 1.51 times the last. A half-life of a day boosts the
    # anchor's day by 2, the day before by 1.5, two days off by 1.25 and five off by 1.03:
    # enough that the anchor's days lead, whatever that order.
    late, early = (
        Filters(outlets=("Big Wire",), since=date(2024, 12, 15)),
        Filters(outlets=("Big Wire",), until=date(2024, 12, 14)),
    )
    near_end = top_days(Recency(1.0, as_of=date(2024, 12, 28)), late)
    assert max(near_end) >= 27 and min(near_end) >= 24
    assert max(top_days(Recency(1.0, as_of=date(2024, 12, 1)), early)) <= 2
    newest = kb.lexical().newest_day  # the default anchor: the newest article in the index
    assert newest == date(2025, 1, 8)
    assert top_days(Recency(5.0)) == top_days(Recency(5.0, as_of=newest))
    assert top_days(None) == top_days(Recency(0.0))


def test_an_undated_article_is_neither_favoured_nor_pushed_down() -> None:
    anchor = date(2025, 1, 10)
    days = {"new": anchor, "old": date(2024, 10, 1), "undated": None}
    ranked = [("old", 0.030), ("undated", 0.029), ("new", 0.020)]
    reordered = by_recency(ranked, days.get, Recency(10.0), newest=anchor)
    assert [i for i, _ in reordered] == ["undated", "new", "old"]  # undated: the mean boost
    only_one_dated = {"new": anchor, "a": None, "b": None}
    ranked = [("a", 0.030), ("b", 0.029), ("new", 0.020)]
    unchanged = by_recency(ranked, only_one_dated.get, Recency(10.0), newest=anchor)
    assert [i for i, _ in unchanged] == ["a", "b", "new"]  # one dated article does not jump
    assert by_recency(ranked, only_one_dated.get, Recency(0.0), newest=anchor) == ranked


def test_days_are_read_from_common_date_forms() -> None:
    assert day_of("2025-01-10") == day_of("2025/01/10") == day_of("20250110") == FRIDAY
    assert day_of("2025-01-10T08:00:00Z") == FRIDAY
    assert day_of(None) is None and day_of("January 10") is None and day_of("2025-02-30") is None


@pytest.mark.parametrize(
    ("phrase", "span"),
    [
        ("2025-01-31", (date(2025, 1, 31), date(2025, 1, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("today", (FRIDAY, FRIDAY)),
        ("Yesterday", (date(2025, 1, 9), date(2025, 1, 9))),
        ("this week", (date(2025, 1, 6), FRIDAY)),
        ("last  week", (date(2024, 12, 30), date(2025, 1, 5))),
        ("this month", (date(2025, 1, 1), FRIDAY)),
        ("last month", (date(2024, 12, 1), date(2024, 12, 31))),
        ("7 days ago", (date(2025, 1, 3), date(2025, 1, 3))),
        ("a month ago", (date(2024, 12, 10), date(2024, 12, 10))),
    ],
)
def test_dates_and_phrases_name_spans_of_days(phrase: str, span: tuple[date, date]) -> None:
    assert parse_span(phrase, FRIDAY) == span


def test_since_and_until_take_either_end_of_a_phrase_resolved_as_of_a_day() -> None:
    scope = make_scope(since="last week", until="last week", as_of="2025-01-10")
    assert (scope.filters.since, scope.filters.until) == (date(2024, 12, 30), date(2025, 1, 5))
    assert scope.as_of == FRIDAY
    assert make_scope(outlets=[" ArmInfo", "ArmInfo", ""]).filters.outlets == ("ArmInfo",)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"since": "someday"}, "--since 'someday' is not a date"),
        ({"as_of": "2025-13-01"}, "--as-of '2025-13-01' is not a date"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "--until 2025-01-01 is before"),
    ],
)
def test_a_bad_date_is_one_clear_error(options: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        make_scope(**options)  # type: ignore[arg-type]


def test_batch_lines_carry_their_own_filters() -> None:
    defaults = {"outlets": ["ArmInfo"], "as_of": "2025-01-10"}
    query, scope = batch_query("Trump Route", defaults)
    assert query == "Trump Route" and scope.filters.outlets == ("ArmInfo",)
    line = '{"query": "rail", "since": "last week", "outlet": "News.Az", "as_of": "2025-01-17"}'
    query, scope = batch_query(line, defaults)
    assert (query, scope.filters.outlets) == ("rail", ("News.Az",))
    assert scope.filters.since == date(2025, 1, 6) and scope.as_of == date(2025, 1, 17)
    for bad, message in [
        ('{"query": 3}', 'no "query"'),
        ('{"query": "x", "sinse": "today"}', "Unknown key 'sinse'"),
        ('{"query": "x", "since": 20250101}', "wrong type"),
        ('{"query": "x", "since": "soon"}', "since 'soon' is not a date"),
        ("{not json", "not valid JSON"),
    ]:
        with pytest.raises(InputError, match=message):
            batch_query(bad, {})


def test_chat_commands_set_show_and_clear_filters() -> None:
    session = ChatSession(k=5)

    def run(line: str) -> str:
        return handle_command(line, session, False, lambda _: None, today=FRIDAY).text

    assert run("/since last week") == "Filters: since 2024-12-30."
    assert run("/outlet ArmInfo") == "Filters: since 2024-12-30, outlet ArmInfo."
    assert run("/outlet News.Az").endswith("outlet ArmInfo or News.Az.")
    assert run("/until 2024-12-01").startswith("/until 2024-12-01 is before /since 2024-12-30")
    assert run("/dated on").endswith("dated articles only.")
    assert run("/as-of 2025-02-01").endswith("; as of 2025-02-01.")
    assert run("/since this month").startswith("Filters: since 2025-02-01,")  # from as-of
    assert run("/outlet off") == "Filters: since 2025-02-01, dated articles only; as of 2025-02-01."
    assert run("/since yesterday-ish").startswith("/since 'yesterday-ish' is not a date")
    assert run("/filters off") == "Filters: none."
    assert session.scope.filters == Filters() and session.scope.as_of is None
    assert "/since DATE" in run("/help")


def test_chat_resolves_relative_dates_against_as_of() -> None:
    session = ChatSession(k=5)
    handle_command("/as-of 2025-01-10", session, False, lambda _: None)
    assert "this week (the week of 2025-01-06)" in resolve_relative_dates(
        "What happened this week?", session
    )


def test_golden_cases_carry_filters(tmp_path: Path) -> None:
    golden = tmp_path / "golden.yaml"
    golden.write_text(
        "- id: a\n  question: Q?\n  sources: [x]\n"
        "  filters: {outlet: ArmInfo, since: 2025-01-01, as_of: 2025-01-10}\n"
    )
    (case,) = load_golden(golden)
    scope = case.filters.scope()
    assert scope.filters.outlets == ("ArmInfo",) and scope.filters.since == date(2025, 1, 1)
    golden.write_text("- id: a\n  question: Q?\n  sources: [x]\n  filters: {since: soon}\n")
    with pytest.raises(InputError, match="case 'a', field 'filters'"):
        load_golden(golden)


@pytest.fixture
def home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    return seeded_home


def test_search_outlet_returns_k_passages_of_that_outlet(home: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli.app import app

    result = CliRunner().invoke(
        app, ["search", "Russia", "-k", "5", "--outlet", "arminfo", "--json"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    # the seeds name their outlet only in their text: "ArmInfo (as stated in the text)"
    assert [outlet_name(p["outlet"]) for p in shown["results"]] == ["ArmInfo"] * 5
    assert shown["scope"]["outlets"] == ["arminfo"]


def test_ask_within_dates_and_a_mistyped_outlet(home: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli.app import app

    runner = CliRunner()
    result = runner.invoke(
        app, ["ask", "Is Armenia an ally of Russia?", "--since", "2025-05", "--dated-only"]
    )
    assert result.exit_code == 0, result.output
    assert "004_248f2f0668189d86" in result.output  # the only dated seed, 2025-05-03
    assert "001_50972318ba77ce19" not in result.output
    result = runner.invoke(app, ["ask", "Railways?", "--outlet", "ArmInfoo"])
    assert result.exit_code == 2
    assert "No indexed article is from the outlet 'ArmInfoo'" in result.stderr
    assert "Alpha News, ArmInfo, News.Az" in result.stderr
    result = runner.invoke(app, ["search", "rail", "--since", "next blue moon"])
    assert result.exit_code == 2
    assert "--since 'next blue moon' is not a date" in result.stderr


def test_search_batch_takes_json_lines_with_filters(home: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli.app import app

    batch = tmp_path / "queries.jsonl"
    batch.write_text(
        "South Caucasus Railways\n"
        '{"query": "Russia", "outlet": ["News.Az"], "as_of": "2025-05-10"}\n'
        '{"query": "Russia", "since": "someday"}\n'
    )
    result = CliRunner().invoke(app, ["search", "--batch", str(batch), "-k", "3"])
    assert result.exit_code == 0, result.output
    plain, filtered, bad = (json.loads(line) for line in result.stdout.splitlines())
    assert "scope" not in plain and len(plain["results"]) == 3
    assert {outlet_name(p["outlet"]) for p in filtered["results"]} == {"News.Az"}
    assert filtered["scope"]["as_of"] == "2025-05-10"
    assert "since 'someday' is not a date" in bad["error"]


def test_a_chat_question_naming_a_period_searches_only_its_days(kb: KnowledgeBase) -> None:
    """The week counts from the newest article (2025-01-08, a Wednesday), not from today,
    and narrows both searches; a session's own dates are left as they are."""
    from assistant.chat import take_turn
    from assistant.settings import Settings

    session = ChatSession(k=5, use_llm=False)
    heard: list[str] = []
    question = "What railway news came this week?"
    turn = take_turn(question, session, kb, Settings(), on_search=heard.append)
    days = {p.published[:10] for p in turn.answer.passages if p.published}
    assert days and days <= {"2025-01-06", "2025-01-07", "2025-01-08"}
    assert heard == [f"{question} [2025-01-06 to 2025-01-08]"]
    handle_command("/since 2024-12-01", session, False, lambda _: None)
    turn = take_turn(question, session, kb, Settings())
    assert any(p.published.startswith("2024-12") for p in turn.answer.passages if p.published)


def test_a_filtered_dense_search_that_comes_back_short_is_ranked_over_all_it_allows(
    tmp_path: Path,
) -> None:
    kb = news(tmp_path)
    real = kb.store.chunks

    class MissingOne:  # the HNSW graph, searched with a filter allowing few, can miss some
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def query(self, **kwargs: object) -> dict[str, list[list[object]]]:
            found = real.query(**kwargs)
            return {key: [values[0][:-1]] for key, values in found.items() if values}

    kb.store.chunks = MissingOne()  # type: ignore[assignment]
    found = kb.search("railway", k=20, mode="dense", filters=Filters(outlets=("Small Gazette",)))
    assert {p.article_id for p in found} == {f"small-{n}" for n in range(4)}
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True)
