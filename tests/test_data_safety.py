"""Nothing stored is lost: a mistyped --rebuild, same-named files in two folders, a crash
between the last write and the revision bump, a full disk, files that break a parser."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.errors import REBUILD, user_error
from tests.conftest import SEEDS
from tests.fakes import HashEmbeddings
from vectorstore.errors import IdClash, IndexDamaged, StorageFull
from vectorstore.ingest.articles import Article, Skipped, load_articles
from vectorstore.knowledge import KnowledgeBase, Layout
from vectorstore.search.connection import local_error
from vectorstore.search.store import WRITING

runner = CliRunner()


@pytest.fixture
def own_home(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the seeded home."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    return home


def stored_articles(home: Path) -> int:
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["index"]["articles"])


@pytest.mark.parametrize(
    ("target", "message"),
    [("no-such-folder", "No such file or folder"), ("empty", "No article could be read")],
)
def test_a_rebuild_that_cannot_read_its_articles_keeps_the_index(
    own_home: Path, tmp_path: Path, target: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.png").write_bytes(b"\x89PNG")
    assert stored_articles(own_home) == 5
    result = runner.invoke(app, ["ingest", "--rebuild", str(tmp_path / target)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert stored_articles(own_home) == 5


def test_a_rebuild_with_an_unusable_embedding_model_keeps_the_index(
    own_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "no-such-model")
    result = runner.invoke(app, ["ingest", "--rebuild"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    monkeypatch.delenv("ASSISTANT_EMBEDDING_MODEL")
    assert stored_articles(own_home) == 5


def test_same_named_files_in_two_folders_do_not_replace_each_other(
    fake_kb: KnowledgeBase, tmp_path: Path
) -> None:
    for folder, place in (("x", "Baku"), ("y", "Yerevan")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "story.txt").write_text(
            f"Talks in {place}\n\nThe ministers met in {place} on Monday."
        )
    assert fake_kb.ingest([tmp_path / "x"]).new == 1
    with pytest.raises(IdClash) as raised:
        fake_kb.ingest([tmp_path / "y"])
    assert str(tmp_path / "x" / "story.txt") in str(raised.value)
    assert str(tmp_path / "y" / "story.txt") in str(raised.value)
    assert "Baku" in (fake_kb.store.article_text("story") or "")

    report = fake_kb.ingest([tmp_path / "y"], prefix="y")
    assert report.new == 1
    assert set(fake_kb.store.manifest()) == {"story", "y/story"}
    again = fake_kb.ingest([tmp_path / "x"])  # the same file again is not a clash
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)


def test_a_moved_folder_takes_over_its_articles(fake_kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "story.txt").write_text("Talks\n\nThe ministers met on Monday.")
    fake_kb.ingest([tmp_path / "old"])
    (tmp_path / "old").rename(tmp_path / "new")
    report = fake_kb.ingest([tmp_path / "new"])
    assert (report.new, report.updated, report.unchanged) == (0, 0, 1)


def test_the_cli_refuses_a_clash_naming_both_files(tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "story.txt").write_text(
            f"Story {folder}\n\nThe {folder} story says something."
        )
    assert runner.invoke(app, ["ingest", str(tmp_path / "x")]).exit_code == 0
    clash = runner.invoke(app, ["ingest", str(tmp_path / "y")])
    assert clash.exit_code == 2
    assert "x/story.txt" in clash.stderr and "y/story.txt" in clash.stderr
    assert "--prefix" in clash.stderr
    assert len(clash.stderr.strip().splitlines()) == 1
    assert runner.invoke(app, ["ingest", "--prefix", "y", str(tmp_path / "y")]).exit_code == 0
    bad = runner.invoke(app, ["ingest", "--prefix", "\x1b[2J", str(tmp_path / "y")])
    assert bad.exit_code == 2 and "\x1b" not in bad.stderr


def crash_before_the_final_bump(kb: KnowledgeBase, paths: list[Path]) -> None:
    """An ingest that dies after its last write, before the store's revision changes."""
    store_type = type(kb.store)
    original = store_type.bump_revision

    def killed(self: object) -> None:
        raise KeyboardInterrupt  # stands in for kill -9: nothing after it runs

    store_type.bump_revision = killed  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            kb.ingest(paths)
    finally:
        store_type.bump_revision = original  # type: ignore[method-assign]


def reopened(kb: KnowledgeBase) -> KnowledgeBase:
    """The same index as a new process would see it."""
    return KnowledgeBase.open(kb.layout, kb.embeddings, kb.store.embedding_model)


def test_a_crash_between_the_last_write_and_the_revision_bump_heals(
    fake_kb: KnowledgeBase, seeds_copy: Path
) -> None:
    fake_kb.ingest([seeds_copy])
    (seeds_copy / "late.txt").write_text(
        "Late news\n\nThe zebra crossing in Gyumri was repainted on Friday.\n"
    )
    crash_before_the_final_bump(fake_kb, [seeds_copy])
    assert fake_kb.store.revision.startswith(WRITING)

    fresh = reopened(fake_kb)
    hits = fresh.search("zebra crossing Gyumri", k=3, mode="lexical")
    assert hits and hits[0].article_id == "late"
    assert len(fresh.lexical().chunk_ids) == fresh.store.counts()[1]
    assert not fresh.store.revision.startswith(WRITING)  # healed: no writer held the lock
    saved = json.loads((fresh.layout.lexical / "meta.json").read_text())
    assert saved["revision"] == fresh.store.revision
    assert len(saved["chunk_ids"]) == fresh.store.counts()[1]


def test_the_next_ingest_finishes_an_interrupted_one(
    fake_kb: KnowledgeBase, seeds_copy: Path
) -> None:
    fake_kb.ingest([seeds_copy])
    (seeds_copy / "late.txt").write_text("Late news\n\nThe zebra crossing was repainted.\n")
    crash_before_the_final_bump(fake_kb, [seeds_copy])
    report = reopened(fake_kb).ingest([seeds_copy])
    assert (report.new, report.unchanged) == (0, 6)
    assert not fake_kb.store.revision.startswith(WRITING)
    saved = json.loads((fake_kb.layout.lexical / "meta.json").read_text())
    assert len(saved["chunk_ids"]) == fake_kb.store.counts()[1]


def test_a_lexical_index_short_of_chunks_is_rebuilt(
    fake_kb: KnowledgeBase, seeds_copy: Path
) -> None:
    fake_kb.ingest([seeds_copy])
    meta_file = fake_kb.layout.lexical / "meta.json"
    meta = json.loads(meta_file.read_text())
    meta["chunk_ids"] = meta["chunk_ids"][:-2]  # same revision, two chunks short
    meta_file.write_text(json.dumps(meta))
    fresh = reopened(fake_kb)
    assert len(fresh.lexical().chunk_ids) == fresh.store.counts()[1]


def test_a_full_disk_is_never_answered_with_a_rebuild(tmp_path: Path) -> None:
    for message in ("database or disk is full", "No space left on device"):
        error = local_error(str(tmp_path), RuntimeError(message), "cannot be read")
        assert isinstance(error, StorageFull)
        shown = user_error(error)
        assert "--rebuild" not in str(shown) and "free some space" in str(shown)
    damaged = local_error(str(tmp_path), RuntimeError("file is not a database"), "cannot be read")
    assert type(damaged) is IndexDamaged and user_error(damaged).hint == REBUILD
    unwritable = local_error(str(tmp_path), PermissionError(13, "Permission denied"), "x")
    assert "--rebuild" not in str(user_error(unwritable))


def test_a_store_failure_mid_command_is_one_user_error(
    fake_kb: KnowledgeBase, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_kb.ingest([seeds_copy])

    def full(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database or disk is full")

    monkeypatch.setattr(type(fake_kb.store.chunks), "count", full)
    with pytest.raises(StorageFull):
        fake_kb.store.counts()


def test_a_full_disk_is_raised_without_opening_the_index_again(
    fake_kb: KnowledgeBase, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening Chroma afresh on a full disk never returned (an ingest hung in it): only a
    failure that looks like a stale cache is retried on a freshly opened folder."""
    fake_kb.ingest([seeds_copy])
    store = fake_kb.store
    opened: list[int] = []
    reopen = store.reopen
    assert reopen is not None

    def counted_reopen() -> object:
        opened.append(1)
        return reopen()

    monkeypatch.setattr(store, "reopen", counted_reopen)
    failures = iter([RuntimeError("database or disk is full")])

    def fails_once(*args: object, **kwargs: object) -> int:
        raise next(failures, RuntimeError("database or disk is full"))

    monkeypatch.setattr(type(store.chunks), "count", fails_once)
    with pytest.raises(StorageFull):
        store.counts()
    assert opened == []
    monkeypatch.undo()
    monkeypatch.setattr(store, "reopen", counted_reopen)
    stale = iter([RuntimeError("Error creating hnsw segment reader: Nothing found on disk")])
    original = type(store.chunks).count

    def stale_once(self: object) -> int:
        error = next(stale, None)
        if error is not None:
            raise error
        return original(self)  # type: ignore[no-any-return]

    monkeypatch.setattr(type(store.chunks), "count", stale_once)
    assert store.counts()[1] > 0 and opened == [1]


def test_hostile_files_are_skipped_and_the_rest_ingested(
    fake_kb: KnowledgeBase, tmp_path: Path
) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "good.txt").write_text("A good title\n\nThe minister said the talks went well.\n")
    (Path(os.fsdecode(bytes(folder) + b"/caf\xff.txt"))).write_text(
        "Odd name\n\nA file whose name is not UTF-8 is still an article.\n"
    )
    (folder / "deep.json").write_text("[" * 100_000)
    (folder / "deep.jsonl").write_text(
        json.dumps({"title": "Fine", "text": "A fine line of the feed."}) + "\n" + "[" * 100_000
    )
    (folder / "surrogate.json").write_text(
        '{"id": "odd\\ud800id", "title": "Lone", "text": "A lone \\ud800 surrogate in text."}'
    )
    (folder / "utf16.txt").write_bytes(
        "Wide title\n\nA text saved as UTF-16 with its BOM.".encode("utf-16")
    )
    report = fake_kb.ingest([folder])
    reasons = {Path(s.source).name: s.reason for s in report.skipped}
    assert reasons["deep.json"] == "invalid JSON (nested too deeply)"
    assert reasons["deep.jsonl:2"] == "invalid JSON (nested too deeply)"
    ids = set(fake_kb.store.manifest())
    assert {"good", "caf\\xff", "odd\ufffdid", "utf16"} <= ids
    assert "surrogate" not in " ".join(reasons)
    assert fake_kb.store.article_text("odd\ufffdid") == "A lone \ufffd surrogate in text."


def test_an_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_text("Title\n\nBody.")
    (tmp_path / "open.txt").write_text("Title\n\nAnother body.")
    listing = os.scandir

    def denied(path: object = ".") -> object:  # root reads every folder: deny it by hand
        if Path(str(path)).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    found = list(load_articles([tmp_path]))
    skipped = [s for s in found if isinstance(s, Skipped)]
    assert [(Path(s.source).name, s.reason) for s in skipped] == [
        ("locked", "folder cannot be read (Permission denied)")
    ]
    assert [a.id for a in found if isinstance(a, Article)] == ["open"]


def test_sources_are_absolute_so_prune_works_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Title\n\nBody of the article.")
    monkeypatch.chdir(tmp_path)
    article = next(iter(load_articles([Path("corpus")])))
    assert isinstance(article, Article)
    assert article.source == str(tmp_path / "corpus" / "a.txt")
    embeddings = HashEmbeddings()
    kb = KnowledgeBase.open(Layout(tmp_path / "kb"), embeddings, embeddings.model_name)  # type: ignore[arg-type]
    kb.ingest([Path("corpus")])
    monkeypatch.chdir(SEEDS)
    assert kb.ingest([tmp_path / "corpus"], prune=True).removed == 0
