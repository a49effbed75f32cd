"""Citation verification (assistant/citations.py): calibrate its support threshold, and
measure its contradiction check against today's rule in the same run.

1. Threshold: claims written the way an LLM restates the seeds (paraphrased, attributed) are
   scored against the passages of the article they come from (should be supported) and against
   the passages of every other seed article (should not be). Both distributions and the
   accuracy of each candidate threshold are printed.
2. Contradictions: the adversarial pairs of tests/data/citation_pairs.yaml (claims written from
   the seeds: paraphrases that must pass, contradictions that must fail by negation, number,
   date or actor order) and the held-out pairs of tests/data/citation_pairs_heldout.yaml (from
   other news, written after the rules were fixed). For each: the pass rate on paraphrases and
   the catch rate on contradictions, for the baseline (support share alone, the rule before the
   contradiction check: share >= threshold) and for the verifier with the contradiction check.
   Both verdicts come from the same call (`Support.share` and `Support.backs()`), on the
   product's own idf (the lexical index of the ingested seeds).

    python bench/citation_support.py
"""

from __future__ import annotations

import statistics
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from assistant.answering.citations import SUPPORT_THRESHOLD, Support, best_quote, mentioned_terms
from assistant.resources import seeds_dir
from vectorstore.ingest.embeddings import MiniLMEmbeddings, embedding_model_id
from vectorstore.knowledge import KnowledgeBase, Layout
from vectorstore.search.retrieval import Passage

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PAIR_SETS = {
    "seeds (adversarial set)": DATA / "citation_pairs.yaml",
    "held-out (other news)": DATA / "citation_pairs_heldout.yaml",
}

CLAIMS = [
    (
        "000_cf5e9f7c17a00d14",
        "Timofeev said the SCO is not a Western institution and has a non-confrontational agenda.",
    ),
    (
        "000_cf5e9f7c17a00d14",
        "He described the Alaska summit as positive, with some breakthrough moments.",
    ),
    (
        "000_cf5e9f7c17a00d14",
        "Timofeev warned that a conflict with Russia could escalate even to a nuclear level.",
    ),
    (
        "000_cf5e9f7c17a00d14",
        "He questioned whether Trump's peace initiatives would bring a sustainable long-term solution.",
    ),
    (
        "000_cf5e9f7c17a00d14",
        "According to Timofeev, China emphasizes the economic side of the SCO while Russia focuses on security.",
    ),
    (
        "001_50972318ba77ce19",
        "Kalugin said South Caucasus Railways, a Russian Railways subsidiary, operates Armenia's rail network under a concession.",
    ),
    ("001_50972318ba77ce19", "The Russian diplomat called Russia itself a Caucasian power."),
    (
        "001_50972318ba77ce19",
        "Kalugin cited Kaja Kallas's call for Armenia to join the sanctions coalition against Russia.",
    ),
    (
        "001_50972318ba77ce19",
        "The 3+3 platform brings together Azerbaijan, Armenia and Georgia with Russia, Iran and Turkey.",
    ),
    (
        "001_50972318ba77ce19",
        "Moscow offered its platform for signing the final peace document between Baku and Yerevan.",
    ),
    (
        "001_50972318ba77ce19",
        "The route would mainly cross territory overseen by Russian border guards, Kalugin said.",
    ),
    (
        "002_f2e8a6a69dfd7595",
        "Trofimchuk argued that Azerbaijan made a historic leap forward between 2014 and 2023.",
    ),
    (
        "002_f2e8a6a69dfd7595",
        "He called the 17th ECO summit in Khankendi a landmark event that was not directed against Russia.",
    ),
    (
        "002_f2e8a6a69dfd7595",
        "Trofimchuk noted that Azerbaijan and Türkiye together have more than 100 million people.",
    ),
    (
        "002_f2e8a6a69dfd7595",
        "He criticised Russian commentators who mispronounce Azerbaijan's name.",
    ),
    (
        "002_f2e8a6a69dfd7595",
        "Trofimchuk suggested an expert conference in Baku could restart the dialogue with Moscow.",
    ),
    (
        "003_8e6bc3ac408dff73",
        "Shoigu said the West's attempts to interfere in South Caucasus security were discussed in Baku.",
    ),
    (
        "003_8e6bc3ac408dff73",
        "Georgia's foreign agent law requires organisations with 20% foreign funding to register.",
    ),
    (
        "003_8e6bc3ac408dff73",
        "Former ambassador Arif Mammadov believes Moscow is not interested in a Baku-Yerevan peace deal.",
    ),
    (
        "003_8e6bc3ac408dff73",
        "Hikmat Babaoğlu told Turan that Russia is a very strong player in the region.",
    ),
    (
        "003_8e6bc3ac408dff73",
        "Matthew Miller said the US did not expect Russia to play a productive role in the Middle East.",
    ),
    (
        "004_248f2f0668189d86",
        "Timofeev said Russia is obliged to intervene if any country attacks Armenia.",
    ),
    (
        "004_248f2f0668189d86",
        "He argued Armenia loses nothing from its alliance with Russia and gains a security guarantee.",
    ),
    (
        "004_248f2f0668189d86",
        "Timofeev said the European Union is not a military force and builds its security structures slowly.",
    ),
]


def passages_by_article(kb: KnowledgeBase) -> dict[str, list[Passage]]:
    found: dict[str, list[Passage]] = {}
    for chunk in kb.store.iter_chunks():
        found.setdefault(chunk.article_id, []).append(
            Passage(
                0,
                0.0,
                chunk.id,
                chunk.article_id,
                chunk.title,
                chunk.outlet,
                chunk.published,
                chunk.url,
                chunk.text,
                chunk.start,
                chunk.end,
            )
        )
    return found


def support(claim: str, passages: list[Passage], idf, article: str) -> float:  # type: ignore[no-untyped-def]
    mentioned = mentioned_terms(article)
    return max(best_quote(claim, p, 1, idf, mentioned).share for p in passages)


def judge_pair(pair: dict[str, Any], idf: Any, articles: dict[str, str]) -> Support:
    """How the cited passage of a pair backs its claim; names are looked up in its article."""
    text = pair["passage"]["text"]
    article = articles.get(pair["passage"].get("article", ""), text)
    start = article.index(text)
    passage = Passage(1, 1.0, "c", "a", "", None, None, None, text, start, start + len(text))
    return best_quote(pair["claim"], passage, 1, idf, mentioned_terms(article))


def report_pairs(
    name: str, pairs: list[dict[str, Any]], idf: Any, articles: dict[str, str]
) -> None:
    """Paraphrase pass rate and contradiction catch rate, baseline beside the new check."""
    tally: Counter[tuple[str, str]] = Counter()
    for pair in pairs:
        found = judge_pair(pair, idf, articles)
        kind = pair.get("kind", "paraphrase")
        right = {"supported": True, "contradicted": False}[pair["expect"]]
        tally[(kind, "n")] += 1
        tally[(kind, "baseline")] += (found.share >= SUPPORT_THRESHOLD) == right
        tally[(kind, "new")] += found.backs() == right
    kinds = sorted({kind for kind, _ in tally}, key=lambda k: (k != "paraphrase", k))
    contradictions = [k for k in kinds if k != "paraphrase"]
    print(f"\n{name}: {len(pairs)} pairs")
    print(f"{'':34}{'pairs':>6}{'baseline':>10}{'new':>8}")
    for kind in kinds:
        label = "paraphrases passed" if kind == "paraphrase" else f"  {kind} caught"
        row = [tally[(kind, column)] for column in ("n", "baseline", "new")]
        print(f"{label:34}{row[0]:>6}{row[1] / row[0]:>10.2f}{row[2] / row[0]:>8.2f}")
    caught = [
        sum(tally[(k, column)] for k in contradictions) for column in ("n", "baseline", "new")
    ]
    print(
        f"{'contradictions caught':34}{caught[0]:>6}{caught[1] / caught[0]:>10.2f}{caught[2] / caught[0]:>8.2f}"
    )


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-support-"))
    embeddings = MiniLMEmbeddings()
    kb = KnowledgeBase.open(Layout(home), embeddings, embedding_model_id(embeddings))
    kb.ingest([seeds_dir()])
    idf = kb.idf
    articles = passages_by_article(kb)
    text = {article_id: kb.article_text(article_id) or "" for article_id in articles}
    right = [support(claim, articles[source], idf, text[source]) for source, claim in CLAIMS]
    wrong = [
        support(claim, articles[other], idf, text[other])
        for source, claim in CLAIMS
        for other in articles
        if other != source
    ]
    print(
        f"claims: {len(CLAIMS)}; right article: {len(right)} pairs, other articles: {len(wrong)} pairs"
    )
    for name, values in (
        ("supported (right article)", right),
        ("unsupported (other articles)", wrong),
    ):
        values = sorted(values)
        print(
            f"{name:30} min {values[0]:.2f}  median {statistics.median(values):.2f}  max {values[-1]:.2f}"
        )
    print("\nthreshold  supported kept  unsupported caught  accuracy")
    for step in range(15, 60, 5):
        threshold = step / 100
        kept = sum(v >= threshold for v in right) / len(right)
        caught = sum(v < threshold for v in wrong) / len(wrong)
        marker = "  <- in use" if abs(threshold - SUPPORT_THRESHOLD) < 1e-9 else ""
        print(f"{threshold:9.2f}  {kept:14.2f}  {caught:18.2f}  {(kept + caught) / 2:8.2f}{marker}")
    backed = sum(
        any(
            best_quote(claim, p, 1, idf, mentioned_terms(text[source])).backs()
            for p in articles[source]
        )
        for source, claim in CLAIMS
    )
    print(f"with the contradiction check, right article: {backed}/{len(CLAIMS)} claims backed")
    for name, path in PAIR_SETS.items():
        report_pairs(name, yaml.safe_load(path.read_text())["pairs"], idf, text)


if __name__ == "__main__":
    main()
