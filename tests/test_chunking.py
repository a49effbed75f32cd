"""Chunks map back to their article exactly, stay within budget and overlap by sentences."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SEEDS
from vectorstore.ingest.articles import Article, load_articles
from vectorstore.ingest.chunking import ChunkingConfig, split_into_chunks
from vectorstore.ingest.text import sentence_spans
from vectorstore.ingest.tokens import get_encoding, install_encodings


def article(text: str) -> Article:
    return Article(id="a", title="t", text=text)


words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)
texts = st.lists(
    st.one_of(
        words, st.sampled_from([". ", "? ", "\n", "\n\n", "\u00a0", "“", "”", " ", "Mr. ", "3+3"])
    ),
    max_size=300,
).map("".join)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, max_tokens=st.integers(16, 80), overlap=st.integers(0, 7))
def test_every_chunk_is_exactly_its_slice_of_the_article(
    text: str, max_tokens: int, overlap: int
) -> None:
    config = ChunkingConfig(max_tokens=max_tokens, overlap_tokens=overlap)
    chunks = split_into_chunks(article(text), config)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()
    assert [c.index for c in chunks] == list(range(len(chunks)))
    # Nothing of the text is left out: every non-space character lies in some chunk.
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())


def seed_articles() -> list[Article]:
    return [a for a in load_articles([SEEDS]) if isinstance(a, Article)]


def test_seed_chunks_respect_the_token_budget_and_overlap() -> None:
    config = ChunkingConfig(max_tokens=120, overlap_tokens=30)
    encoding = get_encoding(config.encoding)
    for seed in seed_articles():
        chunks = split_into_chunks(seed, config)
        assert len(chunks) > 1
        for chunk in chunks:
            assert (
                len(encoding.encode(chunk.text)) <= config.max_tokens + 2
            )  # +2: joins between sentences
        for before, after in itertools.pairwise(chunks):
            assert after.start > before.start
            assert after.start <= before.end + 2  # neighbours touch or overlap, nothing skipped


def test_chunks_start_and_end_on_sentence_boundaries() -> None:
    seed = seed_articles()[1]
    starts = {s.start for s in sentence_spans(seed.text)}
    ends = {s.end for s in sentence_spans(seed.text)}
    for chunk in split_into_chunks(seed, ChunkingConfig(max_tokens=100, overlap_tokens=20)):
        assert chunk.start in starts and chunk.end in ends


def test_only_a_sentence_longer_than_the_budget_is_split() -> None:
    long_sentence = " ".join(["word"] * 200) + "."
    text = f"Short one. {long_sentence} Another short one."
    chunks = split_into_chunks(article(text), ChunkingConfig(max_tokens=50, overlap_tokens=0))
    assert chunks[0].text.startswith("Short one.")
    assert chunks[-1].text.endswith("Another short one.")
    assert all(len(c.text.split()) <= 51 for c in chunks)


def test_chunk_ids_depend_on_content_only() -> None:
    seed = seed_articles()[0]
    first = [c.id for c in split_into_chunks(seed)]
    assert first == [c.id for c in split_into_chunks(seed)]
    changed = Article(id=seed.id, title=seed.title, text=seed.text.replace("Timofeev", "Timofeyev"))
    assert set(first) != {c.id for c in split_into_chunks(changed)}


def test_encodings_are_installed_offline(tmp_path: Path) -> None:
    install_encodings(tmp_path)
    assert len(list(tmp_path.iterdir())) == 2
    assert get_encoding("o200k_base").encode("South Caucasus Railways")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "In this exclusive interview with News.Az, Ivan Timofeev spoke. He said so.",
            ["In this exclusive interview with News.Az, Ivan Timofeev spoke.", "He said so."],
        ),
        (
            "Mr. Pashinyan met Gov. Newsom and Dr. Smith at 3 p.m. in Jan. 2025. It ended.",
            ["Mr. Pashinyan met Gov. Newsom and Dr. Smith at 3 p.m. in Jan. 2025.", "It ended."],
        ),
        (
            "George W. Bush and J. R. Tolkien saw 2.5 percent growth in the U.S. economy.",
            ["George W. Bush and J. R. Tolkien saw 2.5 percent growth in the U.S. economy."],
        ),
        (
            "He works in the U.S. The other one did not. It was Plan B. The rest failed.",
            [
                "He works in the U.S.",
                "The other one did not.",
                "It was Plan B.",
                "The rest failed.",
            ],
        ),
        (
            'She said "no." Then she left.',
            ['She said "no."', "Then she left."],
        ),
        (
            "Access is being restored.* This follows a ruling. It was 3*4 m.* and wide.",
            ["Access is being restored.*", "This follows a ruling.", "It was 3*4 m.* and wide."],
        ),
        # a danda ends a Bengali sentence, with or without a space after it; a bracket does not
        (
            "কুষ্টিয়া-১ (দৌলতপুর) আসনের সদস্য এসেছেন। এ ঘটনা ঘটে।হামলাকারী আটক।",
            ["কুষ্টিয়া-১ (দৌলতপুর) আসনের সদস্য এসেছেন।", "এ ঘটনা ঘটে।", "হামলাকারী আটক।"],
        ),
        ("東京は日本の首都です。人口は多いです。", ["東京は日本の首都です。", "人口は多いです。"]),
        # a dateline before a capital stays apart
        ("London (CNN)It was the interview.", ["London (CNN)", "It was the interview."]),
    ],
)
def test_sentences_keep_names_abbreviations_initials_and_decimals_whole(
    text: str, sentences: list[str]
) -> None:
    assert [text[s.start : s.end] for s in sentence_spans(text)] == sentences


def test_chunking_and_prompts_need_nothing_opened_first(tmp_path: Path) -> None:
    """A fresh process splits an article and packs a prompt with no knowledge base opened:
    get_encoding installs the bundled encodings itself (here into TMPDIR)."""
    code = (
        "from vectorstore.ingest.articles import Article\n"
        "from vectorstore.ingest.chunking import split_into_chunks\n"
        "from vectorstore.search.retrieval import Passage\n"
        "from assistant.answering.generate import build_prompt\n"
        "from assistant.answering.llm import LLMConfig\n"
        "text = 'Talks in Baku. ' * 200\n"
        "assert len(split_into_chunks(Article(id='a', title='t', text=text))) > 1\n"
        "p = Passage(1, 1.0, 'c', 'a', 't', None, None, None, text, 0, len(text))\n"
        "assert build_prompt('Where?', [p], LLMConfig()).passages == [p]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (cache,) = tmp_path.glob("vectorstore-tiktoken-*")
    assert len(list(cache.iterdir())) == 2


def test_words_go_on_through_the_vowel_signs_of_indic_scripts() -> None:
    from vectorstore.ingest.text import terms, words

    assert words("হাসিনুর রহমানকে আটক করেছে") == ["হাসিনুর", "রহমানকে", "আটক", "করেছে"]
    assert len(terms("हिन्दी समाचार")) == 2
    assert words("Café naïve snake_case") == ["cafe", "naive", "snake", "case"]
