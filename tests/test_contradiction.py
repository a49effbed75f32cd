"""Citation verification catches a claim that says otherwise than its passage: a negation,
a number, a date or the order of the actors differs. Paraphrases still pass."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import yaml

from assistant.answering.answer import ContradictedClaim
from assistant.answering.citations import (
    SUPPORT_THRESHOLD,
    Support,
    best_quote,
    mentioned_terms,
    verify_answer,
)
from assistant.answering.contradiction import ACTOR_ORDER, DATE, NEGATION, NUMBER, contradiction
from tests.conftest import REPO, SEEDS
from vectorstore.knowledge import KnowledgeBase
from vectorstore.search.retrieval import Passage

PAIRS = REPO / "tests" / "data" / "citation_pairs.yaml"
RAILWAYS = (
    "Our company, South Caucasus Railways, a subsidiary of Russian Railways, holds a concession "
    "to operate Armenia's railway network."
)
KALLAS = (
    "As the most recent example, Kalugin cited the call by EU High Representative Kaja Kallas "
    "for Armenia to join the anti-Russian sanctions coalition."
)


def flat(term: str) -> float:
    return 1.0


def passage_of(text: str) -> Passage:
    return Passage(1, 1.0, "c1", "001", "T", None, None, None, text, 0, len(text))


def test_a_claim_that_negates_its_passage_is_unsupported() -> None:
    claim = "South Caucasus Railways does not hold a concession to operate Armenia's railways [1]."
    result = verify_answer(claim, [passage_of(RAILWAYS)], flat)
    (citation,) = result.citations
    assert not citation.supported and citation.quote == RAILWAYS
    assert result.verification.contradicted_claims == [
        ContradictedClaim(claim.replace(" [1]", ""), 1, NEGATION)
    ]


def test_a_claim_that_swaps_its_actors_is_unsupported() -> None:
    swapped = "Kallas cited the call by Kalugin for Armenia to join the sanctions coalition [1]."
    result = verify_answer(swapped, [passage_of(KALLAS)], flat)
    assert not result.citations[0].supported
    assert result.contradicted[0].differs == ACTOR_ORDER
    kept = "Kalugin cited Kaja Kallas's call for Armenia to join the sanctions coalition [1]."
    assert verify_answer(kept, [passage_of(KALLAS)], flat).citations[0].supported


@pytest.mark.parametrize(
    ("claim", "sentence", "differs"),
    [
        ("Russia will leave the region.", "Russia will not leave the region.", NEGATION),
        ("No Western forces would help.", "Western forces would help Armenia.", NEGATION),
        ("The tally was 68 to 11.", "The final tally in the Senate was 86 to 11.", NUMBER),
        ("Sales reached 2.5 million.", "Sales reached 1.5 million units.", NUMBER),
        ("They met in March 2023.", "They met in October 2023.", DATE),
        ("They met on Monday.", "They met on Tuesday.", DATE),
        ("Aliyev received Shoigu.", "Shoigu received Aliyev in Baku.", ACTOR_ORDER),
        ("Shoigu went to Iran from Baku.", "Shoigu went to Baku from Iran.", ACTOR_ORDER),
    ],
)
def test_each_kind_of_difference_is_named(claim: str, sentence: str, differs: str) -> None:
    assert contradiction(claim, sentence) == differs


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Western forces would not intervene.", "No Western forces would intervene."),
        ("Armenia loses nothing from the alliance.", "Armenia does not lose anything from it."),
        ("Shoigu was received by Aliyev.", "Aliyev received Shoigu in Baku."),
        ("Russia is a Caucasian power, Kalugin said.", "Kalugin said Russia is a Caucasian power."),
        ("Sales reached about 1.5 million.", "Sales reached 1,512,000 units."),
        ("Its population exceeds 100 million.", "Its population now exceeds 100,000,000."),
        ("The talks were held in the 1980s.", "The talks, held in the 1980s, failed."),
        ("The SCO is not only economic.", "The SCO is economic and security-related."),
        # a dotted date or European thousands read as one number, not a crash
        ("Berlin renames streets (19.01.2020).", "Berlin renames streets | DW | 19.01.2020"),
        ("It cost 1.234.567 euros.", "It cost 1.234.567 euros in all."),
    ],
)
def test_paraphrases_are_not_contradictions(claim: str, sentence: str) -> None:
    assert contradiction(claim, sentence) is None


def test_a_claim_joining_two_sentences_takes_its_numbers_from_both() -> None:
    text = (
        "Three meetings of the platform have taken place. The latest was held in Istanbul in "
        "October 2024."
    )
    joined = "Three meetings have taken place, the latest in Istanbul in October 2024 [1]."
    assert verify_answer(joined, [passage_of(text)], flat).citations[0].supported
    wrong = "Five meetings have taken place, the latest in Istanbul in October 2024 [1]."
    assert not verify_answer(wrong, [passage_of(text)], flat).citations[0].supported


def judge(pair: dict[str, Any], idf: Any, articles: dict[str, str]) -> Support:
    text, article = pair["passage"]["text"], articles[pair["passage"]["article"]]
    start = article.index(text)
    passage = Passage(1, 1.0, "c", "a", "", None, None, None, text, start, start + len(text))
    return best_quote(pair["claim"], passage, 1, idf, mentioned_terms(article))


def test_the_adversarial_set_passes_paraphrases_and_catches_contradictions(
    fake_kb: KnowledgeBase,
) -> None:
    """tests/data/citation_pairs.yaml, on the idf of the seeds' own lexical index (the
    embedding model plays no part in verification)."""
    fake_kb.ingest([SEEDS])
    idf = fake_kb.lexical().idf
    articles = {path.stem: fake_kb.store.article_text(path.stem) or "" for path in SEEDS.iterdir()}
    pairs = yaml.safe_load(PAIRS.read_text())["pairs"]
    assert len(pairs) >= 40
    right: Counter[str] = Counter()
    baseline: Counter[str] = Counter()
    for pair in pairs:
        found = judge(pair, idf, articles)
        expected = pair["expect"] == "supported"
        right[pair["expect"]] += found.backs() == expected
        baseline[pair["expect"]] += (found.share >= SUPPORT_THRESHOLD) == expected
    total = Counter(pair["expect"] for pair in pairs)
    assert right["supported"] == total["supported"]  # every paraphrase passes
    assert right["contradicted"] >= 0.9 * total["contradicted"]
    assert baseline["contradicted"] <= 0.2 * total["contradicted"]  # support alone misses them


def test_every_passage_of_the_set_is_text_of_its_seed() -> None:
    from vectorstore.ingest.articles import Article, load_articles

    cleaned = {a.id: a.text for a in load_articles([SEEDS]) if isinstance(a, Article)}
    for passage in yaml.safe_load(PAIRS.read_text())["passages"].values():
        assert passage["text"] in cleaned[passage["article"]], passage["text"][:60]
