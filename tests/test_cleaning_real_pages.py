"""On 27 real news pages (../shared/datasets/news-html, used in place), the text ingest stores
keeps every main-text snippet trafilatura's extraction kept: the cleaner never loses article
text while it removes furniture. bench/cleaning.py prints the shares."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PAGES = REPO.parent / "shared" / "datasets" / "news-html"


def load_bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_cleaning", REPO / "bench" / "cleaning.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (PAGES / "evaldata.json").is_file(),
    reason="../shared/datasets/news-html is absent (a fresh clone has no ../shared; CI has it)",
)
def test_the_cleaner_keeps_what_trafilatura_kept_on_real_pages() -> None:
    bench = load_bench()
    alone, cleaned, losses = bench.measure(Path(PAGES), show_losses=True)  # type: ignore[attr-defined]
    assert losses == []
    assert cleaned.kept == alone.kept and cleaned.expected >= 60
    assert cleaned.leaked <= alone.leaked  # the cleaner never adds furniture back
