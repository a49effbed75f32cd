"""Extractive answers on real news questions: RealTime QA (dev), a check of how answering
carries to questions nobody wrote for this project (issue 14). Not a golden set: the quiz's
questions are written for people who read the week's news, often wordier than a user's.

The index is `bench/retrieval.py`'s (the same corpus and --home). Each counted question (its
gold answer of 4 or more characters occurs in some article) is asked as `assistant ask
--no-llm --as-of <question date>` would, and scored only when its gold answer occurs in one of
the retrieved passages (otherwise retrieval, not answering, decides it):

- right: a quoted sentence holds the gold answer;
- refused: "not in these articles";
- wrong: sentences quoted, none holding it (some of these are right in other words, "20%"
  for "20.8%", most are a near sentence that does not answer).

Beside it, in the same run, the baseline every retrieve-and-quote tool starts from: the
retrieved sentence nearest the question in meaning, quoted always.

    python bench/answers.py --home DIR [--data ../shared/datasets/realtimeqa/dev]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from retrieval import DEFAULT_DATA, Question, open_index

from assistant.answering.candidate import Candidate
from assistant.answering.scoring import score_sentences
from assistant.scope import Scope
from assistant.service import ask
from assistant.settings import Settings
from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.knowledge import KnowledgeBase


def outcome(quotes: list[str], gold: str) -> str:
    if not quotes:
        return "refused"
    return "right" if any(gold.casefold() in quote.casefold() for quote in quotes) else "wrong"


def quote_of(candidate: Candidate) -> str:
    passage = candidate.passage
    return passage.text[candidate.start - passage.start : candidate.end - passage.start]


def measure(kb: KnowledgeBase, questions: list[Question]) -> tuple[dict[str, Counter[str]], int]:
    """Each way's outcomes over the questions whose answer was retrieved, and how many were."""
    settings = Settings()
    found: dict[str, Counter[str]] = {"assistant": Counter(), "nearest sentence": Counter()}
    scored = 0
    for question in questions:
        answer = ask(kb, question.text, settings, use_llm=False, scope=Scope(as_of=question.asked))
        if not any(question.gold.casefold() in p.text.casefold() for p in answer.passages):
            continue
        scored += 1
        found["assistant"][outcome([c.quote for c in answer.citations], question.gold)] += 1
        candidates = score_sentences(question.text, answer.passages, kb.idf, kb.embed_texts)
        nearest = max(candidates, key=lambda c: c.similarity, default=None)
        quotes = [quote_of(nearest)] if nearest else []
        found["nearest sentence"][outcome(quotes, question.gold)] += 1
    return found, scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--home", type=Path, required=True, help="the index bench/retrieval.py keeps"
    )
    args = parser.parse_args()
    kb, _, questions = open_index(args.data, args.home, ChunkingConfig())
    found, scored = measure(kb, questions)
    print(f"questions whose answer was retrieved: {scored} of {len(questions)} counted")
    print("| way | right | refused | wrong | right of those answered |")
    print("|---|---|---|---|---|")
    for way, counts in found.items():
        answered = counts["right"] + counts["wrong"]
        precision = counts["right"] / answered if answered else 0.0
        shown = f"{counts['right']} | {counts['refused']} | {counts['wrong']}"
        print(f"| {way} | {shown} | {precision:.2f} |")
    print(json.dumps({way: dict(counts) for way, counts in found.items()}))


if __name__ == "__main__":
    main()
