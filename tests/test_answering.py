"""Extractive answers and rank fusion, on hand-made passages and injected fakes."""

from __future__ import annotations

from assistant.answering.answer import REFUSAL, Citation
from assistant.answering.extractive import answer_extractively, choose
from assistant.answering.scoring import score_sentences
from tests.fakes import HashEmbeddings
from vectorstore.search.retrieval import Passage, reciprocal_rank_fusion

ARTICLE = (
    "Kalugin on railways\n\n"
    "Kalugin spoke at length. Our company, South Caucasus Railways, holds a concession to operate "
    "Armenia's railway network. The weather in Moscow was cold.\n\n"
    "Separately, Azerbaijan's population grew. Georgia passed a foreign agent law."
)


def passage(start: int, end: int, rank: int = 1, article_id: str = "a1") -> Passage:
    return Passage(
        rank=rank,
        score=1.0 / rank,
        chunk_id=f"c{rank}",
        article_id=article_id,
        title="Kalugin on railways",
        outlet="ArmInfo",
        published=None,
        url=None,
        text=ARTICLE[start:end],
        start=start,
        end=end,
    )


def whole(rank: int = 1) -> Passage:
    return passage(0, len(ARTICLE), rank)


def flat_idf(term: str) -> float:
    return 1.0


embed = HashEmbeddings().embed_documents


def answer(question: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    return answer_extractively(score_sentences(question, passages, flat_idf, embed), 0.5)


def test_the_sentence_holding_the_subject_is_quoted_with_exact_offsets() -> None:
    text, citations = answer("Who holds the concession for Armenia's railway network?", [whole()])
    assert citations and citations[0].quote.startswith("Our company, South Caucasus Railways")
    assert ARTICLE[citations[0].start : citations[0].end] == citations[0].quote
    assert text == f"{citations[0].quote} [1]" or text.startswith(f"{citations[0].quote} [1] ")


def test_a_question_about_another_subject_is_refused() -> None:
    text, citations = answer("What is the population of Georgia?", [whole()])
    assert (text, citations) == (REFUSAL, [])


def test_no_passages_means_refusal() -> None:
    assert answer("Who is Kalugin?", []) == (REFUSAL, [])


def test_a_sentence_repeated_by_overlapping_chunks_is_scored_once() -> None:
    middle = ARTICLE.index("Our company")
    first, second = passage(0, middle + 120, 1), passage(middle, len(ARTICLE), 2)
    starts = [
        c.start
        for c in score_sentences(
            "South Caucasus Railways concession", [first, second], flat_idf, embed
        )
    ]
    assert len(starts) == len(set(starts))


def test_names_must_be_present_for_a_sentence_to_qualify() -> None:
    candidates = score_sentences("Georgia population", [whole()], flat_idf, embed)
    population = next(
        c for c in candidates if "population" in c.passage.text[c.start - c.passage.start :][:60]
    )
    assert population.name_coverage == 0.0
    assert not population.qualifies(0.5)
    assert choose(candidates, 0.5) == []  # the Georgia sentence is about a law, not population


def test_citation_must_lie_inside_its_passage() -> None:
    import pytest

    with pytest.raises(ValueError):
        Citation.from_passage(1, passage(10, 40), 5, 20)


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]])
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    assert fused[0][1] == 1 / 62 + 1 / 61
