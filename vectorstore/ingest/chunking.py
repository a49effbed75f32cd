"""Split an article into overlapping, sentence-aligned chunks of at most N tokens.

Invariant: ``article.text[chunk.start:chunk.end] == chunk.text`` for every chunk. A sentence is
split only when it alone exceeds the budget, and then at token boundaries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vectorstore.ingest.articles import Article
from vectorstore.ingest.attribution import SpeakerSpan, attribute_speakers, clipped
from vectorstore.ingest.text import Span, sentence_spans
from vectorstore.ingest.tokens import DEFAULT_ENCODING, get_encoding


class ChunkingConfig(BaseModel):
    """How articles are cut; its fingerprint decides when stored chunks are out of date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_tokens: int = Field(200, ge=16, description="Most tokens in one chunk.")
    overlap_tokens: int = Field(
        40, ge=0, description="Tokens of whole sentences repeated between neighbouring chunks."
    )
    encoding: str = Field(DEFAULT_ENCODING, description="The tiktoken encoding that counts.")

    @model_validator(mode="after")
    def _overlap_fits(self) -> ChunkingConfig:
        if self.overlap_tokens >= self.max_tokens // 2:
            raise ValueError(
                f"an overlap of {self.overlap_tokens} tokens does not fit chunks of "
                f"{self.max_tokens} tokens: keep the overlap under half the chunk size"
            )
        return self

    @property
    def fingerprint(self) -> str:
        # v2: sentences no longer break inside "News.Az" or after "Gov.", "Jan." or an initial.
        # v3: chunks carry who says each sentence, so older chunks are cut again on ingest.
        # v4: a sentence ends before a footnote mark ("… restored.* This latest …"); speakers:
        # not a place in an appositive, organisations whole, "X commented on …" nobody's speech.
        # v5: speakers: "he" after a sentence opening with a person, a quotation paragraph
        # going on, names with particles ("Bill de Blasio"), a spokesperson's organisation, an
        # interview label by first name ("Marissa:"); sentences end at a danda (।) or 。
        return f"syntok+{self.encoding}:{self.max_tokens}/{self.overlap_tokens}:v5"


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``text == article.text[start:end]``; `speakers`: who says
    which part of it (article offsets), where the article says so."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    tokens: int
    speakers: tuple[SpeakerSpan, ...] = ()


def split_into_chunks(article: Article, config: ChunkingConfig | None = None) -> list[Chunk]:
    """The article's chunks in order; overlapping neighbours share whole sentences."""
    config = config or ChunkingConfig()
    encoding = get_encoding(config.encoding)
    pieces = _budgeted_sentences(article.text, encoding, config.max_tokens)
    groups = _pack(pieces, config.max_tokens, config.overlap_tokens)
    speakers = attribute_speakers(article.text)
    chunks = []
    for index, group in enumerate(groups):
        start, end = group[0][0].start, group[-1][0].end
        text = article.text[start:end]
        chunks.append(
            Chunk(
                id=_chunk_id(article.id, start, end, text),
                article_id=article.id,
                index=index,
                start=start,
                end=end,
                text=text,
                tokens=sum(count for _, count in group),
                speakers=clipped(speakers, start, end),
            )
        )
    return chunks


def _chunk_id(article_id: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{article_id}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:32]


def _budgeted_sentences(text: str, encoding: Any, max_tokens: int) -> list[tuple[Span, int]]:
    """Sentences with their token counts; one over budget is cut into budget-sized pieces."""
    pieces: list[tuple[Span, int]] = []
    for span in sentence_spans(text):
        tokens = encoding.encode(text[span.start : span.end], disallowed_special=())
        if len(tokens) <= max_tokens:
            pieces.append((span, len(tokens)))
        else:
            pieces.extend(_cut_sentence(text, span, tokens, encoding, max_tokens))
    return pieces


def _cut_sentence(
    text: str, span: Span, tokens: list[int], encoding: Any, max_tokens: int
) -> list[tuple[Span, int]]:
    _, offsets = encoding.decode_with_offsets(tokens)
    cuts = [*offsets[max_tokens::max_tokens], span.end - span.start]
    pieces, start = [], 0
    for index, cut in enumerate(cuts):
        piece = text[span.start + start : span.start + cut]
        if piece.strip():
            lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
            sub = Span(span.start + start + lead, span.start + cut - trail)
            count = min(max_tokens, len(tokens) - index * max_tokens)
            pieces.append((sub, count))
        start = cut
    return pieces


def _pack(
    pieces: list[tuple[Span, int]], max_tokens: int, overlap_tokens: int
) -> list[list[tuple[Span, int]]]:
    """Greedy groups of consecutive pieces within the budget, each starting with the previous
    group's last sentences up to `overlap_tokens`."""
    groups: list[list[tuple[Span, int]]] = []
    first = 0
    while first < len(pieces):
        last, total = first, pieces[first][1]
        while last + 1 < len(pieces) and total + pieces[last + 1][1] <= max_tokens:
            last += 1
            total += pieces[last][1]
        groups.append(pieces[first : last + 1])
        if last + 1 >= len(pieces):
            break
        next_first, carried = last + 1, 0
        room = min(overlap_tokens, max_tokens - pieces[last + 1][1])
        while next_first - 1 > first and carried + pieces[next_first - 1][1] <= room:
            next_first -= 1
            carried += pieces[next_first][1]
        first = next_first
    return groups
