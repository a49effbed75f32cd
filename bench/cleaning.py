"""How well ingest keeps an article's text and drops site furniture, on 27 real news pages.

    python bench/cleaning.py [--pages ../shared/datasets/news-html] [--show-losses]

For each page of `../shared/datasets/news-html/` (used in place, never copied), its
`evaldata.json` lists snippets the main text must keep (`with`) and furniture it must drop
(`without`). Printed side by side, in one run: trafilatura alone (the extraction ingest starts
from, with the same options) and the article text ingest stores after the project's cleaner.
The cleaner must not lose what trafilatura kept; `--show-losses` lists any snippet it did lose.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from vectorstore.ingest.articles import Article, load_articles  # noqa: E402
from vectorstore.ingest.text import fold  # noqa: E402

DEFAULT_PAGES = REPO.parent / "shared" / "datasets" / "news-html"


@dataclass
class Tally:
    kept: int = 0
    expected: int = 0
    leaked: int = 0
    furniture: int = 0

    def add(self, text: str, keep: list[str], drop: list[str]) -> tuple[list[str], list[str]]:
        """Count one page; the snippets lost and the furniture leaked."""
        lost = [s for s in keep if not contains(text, s)]
        leaked = [s for s in drop if contains(text, s)]
        self.expected += len(keep)
        self.kept += len(keep) - len(lost)
        self.furniture += len(drop)
        self.leaked += len(leaked)
        return lost, leaked

    def row(self, name: str) -> str:
        kept = self.kept / max(self.expected, 1)
        dropped = 1 - self.leaked / max(self.furniture, 1)
        return (
            f"| {name} | {self.kept}/{self.expected} ({kept:.3f}) "
            f"| {self.furniture - self.leaked}/{self.furniture} ({dropped:.3f}) |"
        )


def contains(text: str, snippet: str) -> bool:
    """Whether the snippet stands in the text, alike in case, accents and whitespace."""
    return " ".join(fold(snippet).split()) in " ".join(fold(text).split())


def trafilatura_text(html: str) -> str:
    import trafilatura

    extracted = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta and meta.title else ""
    return f"{title}\n\n{extracted}" if title else extracted


def stored_text(path: Path) -> str:
    found = [item for item in load_articles([path]) if isinstance(item, Article)]
    return found[0].text if found else ""


def measure(pages: Path, show_losses: bool) -> tuple[Tally, Tally, list[str]]:
    expectations = json.loads((pages / "evaldata.json").read_text())
    alone, cleaned, losses = Tally(), Tally(), []
    for entry in expectations.values():
        path = pages / "pages" / entry["file"]
        if not path.is_file():
            continue
        keep, drop = entry.get("with", []), entry.get("without", [])
        lost_before, _ = alone.add(trafilatura_text(path.read_text(errors="replace")), keep, drop)
        lost_after, _ = cleaned.add(stored_text(path), keep, drop)
        losses += [f"{entry['file']}: {s!r}" for s in lost_after if s not in lost_before]
    return alone, cleaned, losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--show-losses", action="store_true")
    args = parser.parse_args()
    if not (args.pages / "evaldata.json").is_file():
        sys.exit(f"no evaldata.json under {args.pages}: give --pages")
    alone, cleaned, losses = measure(args.pages, args.show_losses)
    print("| text | main-text snippets kept | furniture snippets dropped |")
    print("|---|---|---|")
    print(alone.row("trafilatura alone (baseline)"))
    print(cleaned.row("stored by ingest (trafilatura + cleaner)"))
    print(f"\nsnippets trafilatura kept that the cleaner lost: {len(losses)}")
    if args.show_losses:
        for loss in losses:
            print(f"  {loss}")


if __name__ == "__main__":
    main()
