"""`assistant eval --html`: the report of the seeds golden set (plus a hostile article) opened in
a real headless Chromium. Skipped, saying why, when Chromium is not installed; `.ci/run`
installs Debian's package when it can."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import struct
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.evaluation.golden import load_golden
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "seeds.yaml"
BASELINE = REPO / "tests" / "golden" / "baseline-extractive.json"
# An article that would retitle the page if its text ever became markup.
HOSTILE = (
    "Zorgland depot opens </div> <img src=x onerror=\"document.title='pwned-by-img'\">\n\n"
    "The Zorgland railway depot <script>document.title='pwned'</script> will employ 400 "
    "workers from May </div><img src=x onerror=\"document.title='pwned-by-img'\">.\n\n"
    "The depot was built in 1902 and repaired in 2024.\n"
)
HOSTILE_CASE = {
    "id": "zorgland <b>depot</b>",
    "question": "How many workers will the Zorgland depot employ?",
    "sources": ["zorgland"],
    "facts": [["400 workers"]],
}
# A case that fails whatever the answers get right: the articles give 400 workers, not 900.
FAILING_CASE = {
    "id": "zorgland-wrong-figure",
    "question": "How many workers will the Zorgland depot employ?",
    "sources": ["zorgland"],
    "facts": [["900 workers"]],
}
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
runner = CliRunner()
# The report is built once (an eval of the golden set) and read by every test here: one worker.
pytestmark = pytest.mark.xdist_group("html-report")


def find_chromium() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed (apt-get install chromium); the browser checks need it",
)


@pytest.fixture(scope="module")
def report(
    seeded_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, int]]:
    """The report of the seeds golden set plus a case about a hostile article, and its cases."""
    folder = tmp_path_factory.mktemp("html-report")
    home = folder / "home"
    shutil.copytree(seeded_index, home)
    (folder / "corpus").mkdir()
    (folder / "corpus" / "zorgland.txt").write_text(HOSTILE, encoding="utf-8")
    golden = folder / "golden.yaml"
    cases = yaml.safe_load(GOLDEN.read_text())["cases"] + [HOSTILE_CASE, FAILING_CASE]
    golden.write_text(yaml.safe_dump({"cases": cases}, allow_unicode=True), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_HOME", str(home))
        ingested = runner.invoke(app, ["ingest", str(folder / "corpus")])
        assert ingested.exit_code == 0, ingested.output
        target = folder / "out" / "report.html"
        run = runner.invoke(
            app,
            [
                "eval",
                str(golden),
                "--no-llm",
                "--baseline",
                str(BASELINE),
                "--html",
                str(target),
                "--json",
                str(target.with_name("run.json")),
            ],
        )
    assert run.exit_code == 0, run.output
    yield target, len(load_golden(golden))


class Dom(HTMLParser):
    """What the checks need from a page: title, element ids, in-page links, case rows."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.titles: list[str] = []  # the page's, then the chart's (SVG titles)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.rows: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        self._in_title = tag == "title"
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and str(found.get("href") or "").startswith("#"):
            self.links.append(str(found["href"])[1:])
        if tag == "details" and "case" in str(found.get("class") or "").split():
            self.rows.append(found)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_title = self._in_title and tag != "title"


def chromium(url: str, *args: str, profile: Path, seconds: float = 90) -> str:
    """Run headless Chromium on `url` and return its stdout; it and every process it started
    are stopped, whatever happens."""
    binary = find_chromium()
    assert binary is not None
    env = {
        **os.environ,
        "HOME": str(profile),  # nothing of the browser's lands in the user's home
        "XDG_CONFIG_HOME": str(profile / "config"),
        "XDG_CACHE_HOME": str(profile / "cache"),
    }
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile / 'data'}", *args, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, so its helpers can be stopped too
    )
    try:
        out, _ = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"Chromium did not finish within {seconds} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # helpers left behind, if any
    assert process.returncode == 0, f"Chromium exited with {process.returncode}"
    return out


def test_hostile_article_text_is_escaped_in_the_report(report: tuple[Path, int]) -> None:
    path, cases = report
    html = path.read_text(encoding="utf-8")
    assert "<script>document.title" not in html and "<img" not in html
    assert "The Zorgland railway depot &lt;script&gt;document.title=&#x27;pwned&#x27;" in html
    assert "&lt;/div&gt;&lt;img src=x onerror=" in html
    assert "zorgland &lt;b&gt;depot&lt;/b&gt;" in html
    assert html.count("<details class=case") == cases
    assert path.stat().st_size < 1_000_000  # small enough to attach to a CI run


@needs_chromium
def test_report_opens_in_chromium_with_a_row_per_case_and_working_links(
    report: tuple[Path, int], tmp_path: Path
) -> None:
    path, cases = report
    expected = Dom(path.read_text(encoding="utf-8")).titles[0]
    dom = Dom(chromium(path.as_uri(), "--dump-dom", profile=tmp_path))
    assert len(dom.rows) == cases
    run = json.loads(path.with_name("run.json").read_text())
    cited = sum(case["citations"] for case in run["details"])
    assert cited >= cases // 2  # most seed questions are answered, with citations
    assert len(dom.links) >= cited  # every citation marker of every answer is a link
    missing = [link for link in dom.links if link not in dom.ids]
    assert not missing, f"links to no element: {missing}"
    assert dom.titles[0] == expected  # the hostile script never ran: it would retitle the page
    assert "img" not in dom.tags  # nor did the article's markup become elements
    assert all(row.get("hidden") is None for row in dom.rows)


@needs_chromium
def test_the_failed_filter_shows_only_failing_cases(
    report: tuple[Path, int], tmp_path: Path
) -> None:
    path, _ = report
    dom = Dom(chromium(path.as_uri() + "#failed", "--dump-dom", profile=tmp_path))
    shown = [row for row in dom.rows if row.get("hidden") is None]
    failed = [row for row in dom.rows if "data-failed" in row]
    assert shown == failed and 0 < len(failed) < len(dom.rows)


@needs_chromium
def test_chromium_draws_the_report(report: tuple[Path, int], tmp_path: Path) -> None:
    path, _ = report
    shot = tmp_path / "report.png"
    chromium(
        path.as_uri(),
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        profile=tmp_path,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1200, 1600)
    assert len(png) > 20_000  # a drawn page, not a blank one
