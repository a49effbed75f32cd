"""The HTML eval report, rendered from hand-made results: escaping, links, highlights, deltas."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.answering.answer import Answer, Citation
from assistant.evaluation.metrics import CaseResult, EvalReport, Regression, compare
from assistant.evaluation.report_cases import case_change, highlighted
from assistant.evaluation.report_html import RunInfo, git_commit, render_report
from tests.conftest import REPO
from vectorstore.search.retrieval import Passage

HOSTILE = "Depot </div><img src=x onerror=\"document.title='pwned'\"> <script>alert(1)</script>"
ARTICLE = (
    "Gyumri depot news.\n\nThe depot in Gyumri will employ 400 workers from May. "
    f"{HOSTILE} It opens in 2026."
)
INFO = RunInfo(golden="golden/<b>g</b>.yaml", mode="extractive", created="2026-11-23 12:00 UTC")


class Page(HTMLParser):
    """The ids, in-page links, marks and scripts of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.marks: list[str] = []
        self._in_mark = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "a" and str(found.get("href", "")).startswith("#"):
            self.links.append(str(found["href"])[1:])
        self._in_mark = tag == "mark"

    def handle_data(self, data: str) -> None:
        if self._in_mark:
            self.marks.append(data)
            self._in_mark = False


def passage(rank: int, start: int, end: int, article_id: str = "gyumri") -> Passage:
    return Passage(
        rank, 0.03, f"chunk-{start}", article_id, f"Title of {article_id}", "Outlet", "2026-01-02",
        None, ARTICLE[start:end], start, end,
    )  # fmt: skip


def citation(n: int, source: Passage, quote: str, supported: bool = True) -> Citation:
    start = ARTICLE.index(quote)
    return replace(Citation.from_passage(n, source, start, start + len(quote)), supported=supported)


def case(case_id: str, passed: bool, answer_text: str, **fields: object) -> CaseResult:
    values: dict[str, object] = dict(
        id=case_id, question=f"What about {case_id}?", passed=passed,
        reasons=[] if passed else ["missing facts: 400 workers"], abstained=False,
        answerable=True, source_rank=1, facts_covered=int(passed), facts_total=1, citations=1,
        citations_from_sources=1, unsupported=0, latency_ms=12.0, tokens=0, answer=answer_text,
        facts_found=["400 workers"] if passed else [], facts_missing=[] if passed else ["400"],
    )  # fmt: skip
    values.update(fields)
    return CaseResult(**values)  # type: ignore[arg-type]


def hostile_report() -> EvalReport:
    """Two cases: one quoting the hostile sentence, one citing the same passage twice."""
    whole = passage(1, 0, len(ARTICLE))
    first = citation(1, whole, HOSTILE)
    text = f"{HOSTILE} [1] and a stray marker [7]."
    second = [citation(1, whole, "The depot in Gyumri will employ 400 workers from May.")]
    second.append(citation(1, whole, "It opens in 2026.", supported=False))
    report = EvalReport(k=5, mode="extractive")
    report.cases = [case("hostile <i>one</i>", True, text), case("twice", False, "It does [1].")]
    report.answers = {
        "hostile <i>one</i>": Answer(
            question="q",
            text=text,
            mode="extractive",
            abstained=False,
            citations=[first],
            passages=[whole],
        ),
        "twice": Answer(
            question="q",
            text="It does [1].",
            mode="extractive",
            abstained=False,
            citations=second,
            passages=[whole],
        ),
    }
    return report


def test_hostile_text_is_shown_as_text_never_as_markup() -> None:
    html = render_report(hostile_report(), INFO)
    page = Page(html)
    assert page.tags.count("script") == 1  # the report's own
    assert "img" not in page.tags and "i" not in page.tags  # from the article and a case id
    assert "golden/&lt;b&gt;g&lt;/b&gt;.yaml" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=&quot;document.title=&#x27;pwned&#x27;&quot;" in html
    assert HOSTILE in page.marks  # the quote, highlighted, reads as the article's text


def test_every_marker_links_to_its_quote_and_only_cited_markers_link() -> None:
    page = Page(render_report(hostile_report(), INFO))
    assert page.links and set(page.links) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids))  # ids are unique
    assert not any(link.endswith("-7") for link in page.links)  # [7] cites nothing


def test_quotes_are_highlighted_at_their_offsets_inside_the_passage() -> None:
    whole = passage(1, 10, len(ARTICLE))
    quotes = [
        citation(1, whole, "employ 400 workers"),
        citation(1, whole, "400 workers from May."),  # overlaps the first
        citation(1, whole, "It opens"),
    ]
    shown = highlighted(whole, quotes)
    assert re.findall(r"<mark>(.*?)</mark>", shown) == [
        "employ 400 workers",
        " from May.",
        "It opens",
    ]
    assert unescape(re.sub(r"</?mark>", "", shown)) == ARTICLE[10:]  # the whole passage
    assert highlighted(None, quotes[:1]) == "<mark>employ 400 workers</mark>"


def test_cards_show_baseline_and_delta_and_red_only_beyond_tolerance() -> None:
    report = hostile_report()
    now = report.metrics
    slightly = {**now, "mrr": now["mrr"] + 0.02, "pass_rate": now["pass_rate"] + 0.4}
    baseline = {"metrics": slightly, "cases": {"twice": True}}
    html = render_report(report, INFO, baseline, compare(report, baseline, {}))
    cards = re.findall(r"<div class='card[^']*'>.*?</div>", html)
    pass_card = next(card for card in cards if ">pass rate<" in card)
    mrr_card = next(card for card in cards if ">MRR<" in card)
    assert "regressed" in pass_card and "-0.400" in pass_card
    assert "regressed" not in mrr_card and "delta worse" in mrr_card and "-0.020" in mrr_card
    assert "Cases that passed before and fail now:" in html and "href='#case-twice'" in html


def test_a_case_changed_since_the_baseline_says_how() -> None:
    base = {
        "cases": {"same": True, "flipped": True, "reworded": False},
        "details": [{"id": "same", "answer": "A."}, {"id": "reworded", "answer": "Old."}],
    }
    assert case_change(case("same", True, "A."), base) == ""
    assert case_change(case("flipped", False, "A."), base) == "was pass"
    assert case_change(case("reworded", False, "New."), base) == "answer changed"
    assert case_change(case("added", True, "A."), base) == "new"
    assert case_change(case("same", True, "A."), None) == ""


def test_filters_count_failed_and_changed_cases() -> None:
    report = hostile_report()
    baseline = {"cases": {"hostile <i>one</i>": True, "twice": True}}
    html = render_report(report, INFO, baseline, Regression([], []))
    assert "Failed 1</button>" in html and "Changed since baseline 1</button>" in html
    assert html.count("<details class=case") == 2
    assert html.count(" data-failed") == 1 and html.count(" data-changed") == 1
    without = render_report(report, INFO)
    assert "title='no baseline given'" in without


def test_the_page_allows_only_its_own_script() -> None:
    import base64
    import hashlib

    html = render_report(hostile_report(), INFO)
    script = re.search(r"<script>(.*?)</script>", html, flags=re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html
    assert "default-src 'none'" in html
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", html)  # nothing loaded from afar


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_commit_is_read_from_a_checkout_and_absent_elsewhere(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
    if not (REPO / ".git").exists():
        pytest.skip("not run from a git checkout")
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert (git_commit(REPO) or "").split(" ")[0] == head


def test_a_citation_shows_who_said_its_quote() -> None:
    report = hostile_report()
    said = replace(report.answers["twice"].citations[0], speaker="Ana <b>Lima</b>")
    report.answers["twice"] = replace(report.answers["twice"], citations=[said])
    html = render_report(report, INFO)
    assert "speaker: Ana &lt;b&gt;Lima&lt;/b&gt;" in html  # escaped, like every article text
