"""Cleaning each seed: the named boilerplate goes, the article's sentences stay."""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS
from vectorstore.ingest.articles import Article, load_articles
from vectorstore.ingest.cleaning import clean_article
from vectorstore.ingest.text import normalize_spaces, sentence_spans


def seed(article_id: str) -> Article:
    found = [a for a in load_articles([SEEDS / f"{article_id}.txt"]) if isinstance(a, Article)]
    assert len(found) == 1
    return found[0]


def test_russian_header_and_footer_around_001_are_removed() -> None:
    article = seed("001_50972318ba77ce19")
    for boilerplate in (
        "Добавить новость",
        "Новости от TheMoneytizer",
        "Читайте на сайте",
        "Smi24.net",
        "Ria.city",
        "Moscow.media",
        "Rss.plus",
        "СМИ24.net",
    ):
        assert boilerplate not in article.text
    assert article.title.startswith("Russian diplomat: For Western countries")
    assert article.outlet == "ArmInfo (as stated in the text)"
    assert "holds a concession to operate Armenia's railway network" in article.text
    assert article.text.rstrip().endswith("the diplomat concluded.")


def test_news_az_related_links_and_footer_in_002_are_removed() -> None:
    article = seed("002_f2e8a6a69dfd7595")
    assert "News about -" not in article.text
    for line in ("Chosen", "2Sources", "news.az", "EN"):
        assert line not in article.text.split("\n")
    assert article.outlet == "News.Az (as stated in the text)"
    assert article.title.startswith("Grigory Trofimchuk: Russia has no choice")
    assert (
        "the combined population of Azerbaijan and Türkiye now exceeds 100 million" in article.text
    )
    assert "How do you assess the outcome of the 17th ECO Summit held in Khankendi?" in article.text


def test_social_footer_of_003_is_removed_and_title_kept_once() -> None:
    article = seed("003_8e6bc3ac408dff73")
    for line in ("Leave a review", "Social", "Follow us on social networks", "News Line"):
        assert line not in article.text.split("\n")
    assert article.text.count("Ilham Aliyev received secretary of the Security Council") == 1
    assert article.text.rstrip().endswith('aggression against Ukraine."')


def test_alpha_news_articles_keep_every_line_and_find_outlet_and_date() -> None:
    first, second = seed("000_cf5e9f7c17a00d14"), seed("004_248f2f0668189d86")
    assert first.outlet == second.outlet == "Alpha News (as stated in the text)"
    assert second.published == "2025-05-03T11:55"
    assert "May 03 2025, 11:55" not in second.text
    raw = normalize_spaces((SEEDS / "000_cf5e9f7c17a00d14.txt").read_text())
    assert first.text == "\n\n".join(line for line in raw.split("\n") if line)


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_no_english_sentence_of_a_seed_is_dropped(path) -> None:  # type: ignore[no-untyped-def]
    """Every sentence of 12+ words in the raw file (article prose) survives cleaning."""
    raw = normalize_spaces(path.read_text())
    article = seed(path.stem)
    for span in sentence_spans(raw):
        sentence = raw[span.start : span.end]
        if len(sentence.split()) >= 12 and sentence.isascii():
            assert sentence in article.text


def test_nbsp_and_double_spaces_become_single_spaces() -> None:
    cleaned = clean_article("Title\n\nSouth Caucasus\u00a0Railways  holds a\u2009concession.")
    assert cleaned.text == "Title\n\nSouth Caucasus Railways holds a concession."


def test_paragraph_in_another_language_with_the_same_script_is_removed() -> None:
    english = "The minister said the talks in Baku would continue next week with both delegations."
    german = (
        "Die Verhandlungen werden nach Angaben des Ministeriums in Baku fortgesetzt, hieß es "
        "am Montag aus Regierungskreisen, die Delegationen treffen sich wieder."
    )
    cleaned = clean_article(f"Talks continue\n\n{english}\n\n{german}\n\n{english} Again.")
    assert german not in cleaned.text
    assert english in cleaned.text
