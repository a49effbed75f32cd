"""`assistant articles`: what is indexed, one article's stored text and what cleaning removed,
removal that is all or nothing and keeps the lexical index in step; ingest's doubts."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.cli.render import render_article_list
from vectorstore.errors import IndexLocked, UnknownArticle
from vectorstore.ingest.articles import Article
from vectorstore.knowledge import KnowledgeBase
from vectorstore.search.records import StoredArticle
from vectorstore.search.store import WRITING

runner = CliRunner()
SEED_IDS = [
    "000_cf5e9f7c17a00d14",
    "001_50972318ba77ce19",
    "002_f2e8a6a69dfd7595",
    "003_8e6bc3ac408dff73",
    "004_248f2f0668189d86",
]


@pytest.fixture
def home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    return seeded_home


@pytest.fixture
def own_home(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the seeded home."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    return home


def listed(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["articles", *args, "--json"])
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def test_articles_lists_every_article_with_its_columns(home: Path) -> None:
    result = runner.invoke(app, ["articles"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.strip().split("\n")
    assert header.split("\t") == [
        "id",
        "title",
        "outlet",
        "date",
        "chunks",
        "characters",
        "source",
    ]
    assert [row.split("\t")[0] for row in rows] == SEED_IDS
    alpha = rows[4].split("\t")
    assert alpha[2:4] == ["Alpha News (as stated in the text)", "2025-05-03T11:55"]
    assert alpha[6].endswith("seeds/004_248f2f0668189d86.txt")
    assert runner.invoke(app, ["articles", "list"]).stdout == result.stdout


def test_articles_json_counts_chunks_and_characters_of_the_stored_text(home: Path) -> None:
    articles = listed()
    assert [a["id"] for a in articles] == SEED_IDS
    first = articles[1]
    assert set(first) == {
        "id",
        "title",
        "outlet",
        "published",
        "url",
        "chunks",
        "characters",
        "removed_lines",
        "source",
    }
    shown = runner.invoke(app, ["articles", "show", str(first["id"]), "--json"])
    assert first["characters"] == len(json.loads(shown.stdout)["text"])
    assert sum(int(str(a["chunks"])) for a in articles) == int(
        json.loads(runner.invoke(app, ["status", "--json"]).stdout)["index"]["chunks"]
    )


def test_articles_filters_by_outlet_date_and_text(home: Path) -> None:
    ids = [
        "000_cf5e9f7c17a00d14",
        "001_50972318ba77ce19",
        "004_248f2f0668189d86",
    ]
    assert [a["id"] for a in listed("--outlet", "alpha NEWS", "--outlet", "arminfo")] == ids
    assert [a["id"] for a in listed("--since", "2025-05-01")] == ["004_248f2f0668189d86"]
    assert [a["id"] for a in listed("--since", "2025-05-04")] == []
    assert [a["id"] for a in listed("--until", "2025-05-03")] == ["004_248f2f0668189d86"]
    assert [a["id"] for a in listed("--contains", "TIMOFEEV")] == [ids[0], ids[2]]
    assert [a["id"] for a in listed("--contains", "003_8e6")] == ["003_8e6bc3ac408dff73"]
    none = runner.invoke(app, ["articles", "--outlet", "Reuters"])
    assert none.exit_code == 0 and none.stdout == "" and "No article matches" in none.stderr
    bad = runner.invoke(app, ["articles", "--since", "2025-13-01"])
    assert bad.exit_code == 2


def test_show_prints_the_cleaned_text_and_removed_the_lines_cleaning_dropped(home: Path) -> None:
    shown = runner.invoke(app, ["articles", "show", "001_50972318ba77ce19"])
    assert shown.exit_code == 0, shown.output
    assert "holds a concession to operate Armenia's railway network" in shown.stdout
    assert "Ria.city" not in shown.stdout
    removed = runner.invoke(app, ["articles", "show", "001_50972318ba77ce19", "--removed"])
    assert removed.exit_code == 0, removed.output
    assert "Ria.city" in removed.stdout and "Добавить новость" in removed.stdout
    assert "railway network" not in removed.stdout
    data = json.loads(
        runner.invoke(
            app, ["articles", "show", "001_50972318ba77ce19", "--removed", "--json"]
        ).stdout
    )
    assert data["removed"][0] == "Добавить новость" and "Ria.city" in data["removed"]
    assert data["text"].startswith("Russian diplomat: For Western countries")


def test_an_unknown_id_is_one_error_line_with_exit_code_2(home: Path) -> None:
    result = runner.invoke(app, ["articles", "show", "001_50972318ba77ce1"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "'001_50972318ba77ce1'" in result.stderr and "did you mean '001_50972318ba77ce19'?" in (
        result.stderr
    )


def test_remove_with_an_unknown_id_removes_nothing(own_home: Path) -> None:
    result = runner.invoke(app, ["articles", "remove", SEED_IDS[0], "nope", SEED_IDS[1]])
    assert result.exit_code == 2
    assert "'nope'" in result.stderr and "nothing was removed" in result.stderr
    assert [a["id"] for a in listed()] == SEED_IDS


def test_removed_articles_are_gone_from_the_list_and_from_answers(own_home: Path) -> None:
    result = runner.invoke(app, ["articles", "remove", "001_50972318ba77ce19"])
    assert result.exit_code == 0, result.output
    assert "001_50972318ba77ce19" in result.stdout
    assert [a["id"] for a in listed()] == [i for i in SEED_IDS if i != "001_50972318ba77ce19"]
    search = runner.invoke(app, ["search", "South Caucasus Railways concession", "--json"])
    assert search.exit_code == 0, search.output
    found = {p["article_id"] for p in json.loads(search.stdout)["results"]}
    assert found and "001_50972318ba77ce19" not in found


def test_removal_is_marked_as_a_write_and_leaves_the_lexical_index_in_step(
    fake_kb: KnowledgeBase, seeds_copy: Path
) -> None:
    fake_kb.ingest([seeds_copy])
    before = fake_kb.store.revision
    seen: list[str] = []
    store_type = type(fake_kb.store)
    original = store_type.remove_article

    def watched(self: object, article_id: str) -> None:
        seen.append(fake_kb.store.revision)
        original(self, article_id)  # type: ignore[arg-type]

    store_type.remove_article = watched  # type: ignore[method-assign]
    try:
        gone = fake_kb.remove_articles(["002_f2e8a6a69dfd7595", "003_8e6bc3ac408dff73"])
    finally:
        store_type.remove_article = original  # type: ignore[method-assign]
    assert [a.id for a in gone] == ["002_f2e8a6a69dfd7595", "003_8e6bc3ac408dff73"]
    assert seen and all(revision.startswith(WRITING) for revision in seen)
    after = fake_kb.store.revision
    assert after != before and not after.startswith(WRITING)
    lexical = fake_kb._lexical  # the one removal left behind, not one rebuilt now
    assert lexical is not None and lexical.matches(after, fake_kb.store.counts()[1])
    assert not any(c.article_id.startswith(("002", "003")) for c in fake_kb.store.iter_chunks())
    assert fake_kb.store.removed_lines("002_f2e8a6a69dfd7595") == []
    assert fake_kb.store.counts() == (3, len(lexical.chunk_ids))


def test_removal_takes_the_writer_lock(fake_kb: KnowledgeBase, seeds_copy: Path) -> None:
    from filelock import FileLock

    fake_kb.ingest([seeds_copy])
    with FileLock(str(fake_kb.layout.lock)), pytest.raises(IndexLocked):
        fake_kb.remove_articles(["002_f2e8a6a69dfd7595"])
    assert len(fake_kb.store.manifest()) == 5
    with pytest.raises(UnknownArticle, match="'x', 'y'"):
        fake_kb.remove_articles(["x", "002_f2e8a6a69dfd7595", "y"])
    assert len(fake_kb.store.manifest()) == 5


def test_an_index_from_an_earlier_version_lists_and_says_removed_lines_are_unknown(
    fake_kb: KnowledgeBase, seeds_copy: Path
) -> None:
    from assistant.cli.render import render_article
    from vectorstore.search.manifest import list_articles, read_article

    fake_kb.ingest([seeds_copy])
    record = fake_kb.store.articles.get(ids=[SEED_IDS[0]], include=["metadatas"])
    old = {k: v for k, v in record["metadatas"][0].items() if k not in ("characters", "removed")}
    fake_kb.store.articles.delete(ids=[SEED_IDS[0]])
    fake_kb.store.articles.add(
        ids=[SEED_IDS[0]],
        documents=[fake_kb.store.article_text(SEED_IDS[1]) or ""],
        embeddings=[[1.0] + [0.0] * 63],
        metadatas=[old],
    )
    entry = list_articles(fake_kb.store)[0]
    assert entry.characters == len(fake_kb.store.article_text(SEED_IDS[0]) or "") > 0
    shown = read_article(fake_kb.store, SEED_IDS[0], with_removed=True)
    assert shown.removed is None
    console = Console(record=True, width=100)
    render_article(shown, console, removed=True)
    assert "were not recorded" in console.export_text()


def long_titled(title: str) -> StoredArticle:
    return StoredArticle(
        id="newsroom/2025/a-very-long-article-identifier-without-any-spaces",
        content_hash="",
        chunking="",
        source="/srv/corpus/newsroom/2025/a-very-long-article-identifier-without-any-spaces.md",
        title=title,
        outlet="The Daily Example",
        published="2025-05-03",
        chunks=3,
        characters=2048,
    )


@pytest.mark.parametrize("width", [40, 80, 160])
def test_on_a_terminal_the_list_wraps_and_never_cuts(width: int) -> None:
    title = "Parliament approves the Zangezur transit agreement after a night of debate"
    article = long_titled(title + " \x1b[31mred")
    console = Console(width=width, record=True, force_terminal=True, color_system=None)
    render_article_list([article], console)
    shown = console.export_text()
    assert "…" not in shown and "\x1b" not in shown
    for word in title.split():
        assert word in shown
    printed = Counter("".join(shown.split()))
    cells = [
        article.id,
        title,
        "red",
        article.outlet,
        article.published,
        "3",
        "2048",
        article.source,
    ]
    assert Counter("".join("".join(map(str, cells)).split())) <= printed  # no character is cut
    assert max(len(line) for line in shown.splitlines()) <= width


def test_ingest_warns_about_a_caption_and_a_template_title_and_stores_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "caption.txt").write_text("Ships in the port of Poti\n\nA photo of ships in Poti.\n")
    sentence = "The port of Poti handled more containers this year than in any year before. "
    (folder / "cms.txt").write_text("escenic\n\n" + sentence * 8)
    (folder / "story.txt").write_text("Poti port grows\n\n" + sentence * 8)
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    warnings = result.stderr.strip().split("\n")
    assert len(warnings) == 2
    assert "caption.txt: only 52 characters left after cleaning" in warnings[0]
    assert "cms.txt: its title 'escenic' looks like a template or site name" in warnings[1]
    assert [a["id"] for a in listed()] == ["caption", "cms", "story"]


def test_a_title_that_is_the_site_name_is_doubted() -> None:
    from vectorstore.ingest.articles import doubts

    body = "The port of Poti handled more containers this year than in any year before. " * 8
    same_as_outlet = Article("a", "Georgia Today", body, outlet="Georgia Today", source="a.html")
    same_as_host = Article("b", "civil.ge", body, url="https://www.civil.ge/archives/1")
    headline = Article("c", "Poti port grows", body, outlet="Georgia Today")
    long_title = "UK university student halls too full to be safe, experts warn"
    headline_given_as_site_name = Article("d", long_title, body, outlet=long_title)  # msn.com
    assert [d.reason for d in doubts(same_as_outlet)] == [
        "its title 'Georgia Today' looks like a template or site name"
    ]
    assert doubts(same_as_host) and not doubts(headline)
    assert not doubts(headline_given_as_site_name)
