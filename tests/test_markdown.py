"""Markdown articles: the structure is read, not shown; facts in lists and tables stay, share
blocks and social links go like any site furniture. Plain text is read as before."""

from __future__ import annotations

from pathlib import Path

from vectorstore.ingest.articles import Article, load_articles
from vectorstore.ingest.cleaning import clean_article
from vectorstore.ingest.markdown import read_markdown

STORY = """\
# New bridge opens over the river *Tees*

**Share this article**

[Facebook](https://fb.com/s) | [Twitter](https://x.com/s) | [Email](mailto:d@x.org)

![The bridge at dusk](https://example.com/bridge.jpg)

The new bridge over the river **Tees** opened on Monday after two years of work, the
[council](https://example.com/council) said in a statement.

| Item | Value |
|------|-------|
| Lanes | 2 |
| Cycle path | yes |

The council said the bridge would carry 12,000 vehicles a day once the ring road is finished.

Key facts:

- Cost: £11 million
- Length: 120 metres
- [Opening ceremony photos](https://example.com/photos)

Follow us:

- [Facebook](https://facebook.com/example)
- [Instagram](https://instagram.com/example)
"""


def read(path: Path) -> Article:
    found = [item for item in load_articles([path]) if isinstance(item, Article)]
    assert len(found) == 1
    return found[0]


def test_markdown_title_links_images_and_emphasis_become_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "bridge.md"
    path.write_text(STORY)
    article = read(path)
    assert article.title == "New bridge opens over the river Tees"
    assert "opened on Monday after two years of work, the council said in a statement." in (
        article.text
    )
    for markup in ("#", "*", "](", "!["):
        assert markup not in article.text
    assert "bridge.jpg" not in article.text and "dusk" not in article.text


def test_facts_in_lists_and_tables_stay_and_share_and_social_blocks_go(tmp_path: Path) -> None:
    path = tmp_path / "bridge.md"
    path.write_text(STORY)
    lines = read(path).text.split("\n\n")
    for fact in ("- Cost: £11 million", "- Length: 120 metres", "Lanes | 2", "Cycle path | yes"):
        assert fact in lines
    for furniture in ("Share this article", "Follow us:", "Facebook", "Instagram"):
        assert not any(furniture in line for line in lines)
    assert not any("Opening ceremony photos" in line for line in lines)  # a link-only item


def test_what_cleaning_removed_from_markdown_is_kept_in_order(tmp_path: Path) -> None:
    path = tmp_path / "bridge.md"
    path.write_text(STORY)
    removed = read(path).removed
    assert removed[:3] == (
        "Share this article",
        "[Facebook](https://fb.com/s) | [Twitter](https://x.com/s) | [Email](mailto:d@x.org)",
        "![The bridge at dusk](https://example.com/bridge.jpg)",
    )
    assert removed[-2:] == (
        "- [Facebook](https://facebook.com/example)",
        "- [Instagram](https://instagram.com/example)",
    )


def test_a_list_of_facts_ending_an_article_is_not_taken_for_a_footer() -> None:
    document = read_markdown(
        "# Budget agreed\n\nThe council agreed its budget for the coming year on Tuesday.\n\n"
        "- Cost: £11 million\n- Opened by: Mayor Jane Smith\n1. Phase one: 2025\n"
    )
    cleaned = clean_article(document.text, document.title, document.structure)
    assert cleaned.text.split("\n\n")[-3:] == [
        "- Cost: £11 million",
        "- Opened by: Mayor Jane Smith",
        "1. Phase one: 2025",
    ]


def test_a_linked_headline_is_the_title_and_nested_lists_keep_their_items() -> None:
    document = read_markdown(
        "Site menu\n\n## [Talks resume in Baku](https://example.com/x)\n\n"
        "- Delegations:\n  - Armenia: 4 members\n  - Azerbaijan: 5 members\n"
    )
    assert document.title == "Talks resume in Baku"
    assert document.lines[-3:] == [
        "- Delegations:",
        "- Armenia: 4 members",
        "- Azerbaijan: 5 members",
    ]


def test_front_matter_gives_title_and_date_and_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "talks.md"
    path.write_text(
        '---\r\ntitle: "Talks resume in Baku"\r\ndate: 2025-03-03T10:00\r\nlayout: post\r\n---\r\n'
        "\r\nThe delegations of Armenia and Azerbaijan met again in Baku on Monday, it said.\r\n"
    )
    article = read(path)
    assert (article.title, article.published) == ("Talks resume in Baku", "2025-03-03T10:00")
    assert article.text.startswith("The delegations of Armenia and Azerbaijan met again")
    assert "layout: post" in article.removed and "layout" not in article.text


def test_plain_text_is_not_read_as_markdown(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("# Notes on the *talks*\n\nThe talks in Baku will resume next week, it said.")
    article = read(path)
    assert article.title == "# Notes on the *talks*"
