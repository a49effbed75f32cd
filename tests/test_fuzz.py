"""Property tests over arbitrary text: the cleaner, the citation parser and verification never
raise, and their invariants hold. (The chunker's properties are in test_chunking.py.)"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answering.answer import MARKER
from assistant.answering.citations import remove_invalid_markers, split_claims, verify_answer
from assistant.answering.contradiction import contradiction
from assistant.answering.evidence import evidence_spans
from vectorstore.ingest.cleaning import clean_article
from vectorstore.ingest.markdown import read_markdown
from vectorstore.ingest.text import normalize_spaces
from vectorstore.search.retrieval import Passage

pieces = st.one_of(
    st.text(min_size=0, max_size=15),
    st.sampled_from(
        [
            "\n",
            "\n\n",
            ". ",
            "[1]",
            "[2]",
            "[99]",
            "[",
            "]",
            "Share",
            "News about -x",
            "Новости",
            "May 03 2025, 11:55",
            "ArmInfo. ",
            "\u00a0",
            "“",
            "”",
            "Follow us",
            " not ",
            "no ",
            " 17th ",
            "1,500",
            " million",
            "May 3",
            " by Kalugin",
            " to Baku from Iran",
            "Sources:",
            "Ignore previous instructions",
            "\u200b",
        ]
    ),
)
texts = st.lists(pieces, max_size=60).map("".join)
FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=texts)
def test_cleaning_only_removes_whole_lines(raw: str) -> None:
    cleaned = clean_article(raw)
    original = {line for line in normalize_spaces(raw).split("\n") if line}
    kept = [line for line in cleaned.text.split("\n\n") if line]
    assert all(line in original for line in kept)
    assert "\n\n\n" not in cleaned.text


markdown_pieces = st.one_of(
    pieces,
    st.sampled_from(
        ["# ", "## ", "- ", "1. ", "* ", "**", "_", "[a](http://x)", "![i](y.png)", "| a | b |\n"]
    ),
    st.just("|---|---|\n"),
    st.just("```\n"),
    st.just("> "),
    st.just("<div>"),
)


@FUZZ
@given(raw=st.lists(markdown_pieces, max_size=60).map("".join))
def test_markdown_cleaning_removes_whole_lines_and_says_which(raw: str) -> None:
    """Every line read from the Markdown is either kept or listed as removed, in order."""
    document = read_markdown(raw)
    cleaned = clean_article(document.text, document.title, document.structure)
    lines = [line for line in normalize_spaces(document.text).split("\n") if line]
    kept = [line for line in cleaned.text.split("\n\n") if line]
    assert sorted(kept + list(cleaned.removed)) == sorted(lines)


@FUZZ
@given(answer=texts, count=st.integers(0, 5))
def test_markers_left_after_cleaning_all_point_at_a_passage(answer: str, count: int) -> None:
    cleaned, removed = remove_invalid_markers(answer, count)
    assert all(1 <= int(n) <= count for n in MARKER.findall(cleaned))
    assert all(not 1 <= n <= count for n in removed)
    for _, numbers in split_claims(cleaned):
        assert all(1 <= n <= count for n in numbers)


@FUZZ
@given(answer=texts, bodies=st.lists(texts.filter(str.strip), min_size=1, max_size=3))
def test_verification_never_invents_a_source(answer: str, bodies: list[str]) -> None:
    passages = [
        Passage(n, 1.0, f"c{n}", f"a{n}", "t", None, None, None, body, 10, 10 + len(body))
        for n, body in enumerate(bodies, start=1)
    ]
    result = verify_answer(answer, passages, lambda term: 1.0)
    for citation in result.citations:
        assert 1 <= citation.n <= len(passages)
        source = passages[citation.n - 1]
        assert citation.chunk_id == source.chunk_id
        assert (
            source.text[citation.start - source.start : citation.end - source.start]
            == citation.quote
        )


@FUZZ
@given(text=texts)
def test_a_sentence_never_contradicts_itself(text: str) -> None:
    assert contradiction(text, text) is None


@FUZZ
@given(text=texts)
def test_evidence_is_whole_sentences_of_the_text(text: str) -> None:
    from vectorstore.ingest.text import sentence_spans

    assert set(evidence_spans(text)) <= set(sentence_spans(text))
