"""The LLM answer: numbered, delimited passages packed into the model's context, then the
reply checked citation by citation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answering.answer import REFUSAL, Usage
from assistant.answering.evidence import visible_text
from assistant.answering.llm import ChatModel, LLMConfig, OnText, complete
from assistant.answering.prompts import load_prompt
from vectorstore.ingest.text import safe
from vectorstore.ingest.tokens import encoding_for_model, get_encoding
from vectorstore.search.retrieval import Passage

# Tokens kept free for the chat format's own framing of the two messages.
FRAMING_TOKENS = 32
# The "<" of anything a model could read as a passage tag: "</PASSAGE>", "< passage outlet=…>".
_DELIMITER = re.compile(r"<(?=\s*/?\s*passage)", re.IGNORECASE)


@dataclass(frozen=True)
class Prompt:
    """The messages for one question and the passages they carry, numbered from 1."""

    system: str
    user: str
    passages: list[Passage]
    tokens: int

    @property
    def messages(self) -> list[tuple[str, str]]:
        return [("system", self.system), ("user", self.user)]


def format_passage(n: int, passage: Passage) -> str:
    """A passage as delimited data: article text can neither open nor close a passage tag
    (in any case, with any attributes, behind invisible characters) nor carry control codes."""
    text = _DELIMITER.sub("&lt;", visible_text(safe(passage.text)))
    attributes = [("n", str(n)), ("article", passage.article_id), ("title", passage.title)]
    attributes += [
        (k, v)
        for k, v in (
            ("outlet", passage.outlet),
            ("date", passage.published),
            ("speakers", speakers_attribute(passage)),
        )
        if v
    ]
    head = " ".join(f'{key}="{_attribute(value)}"' for key, value in attributes)
    return f"<passage {head}>\n{text}\n</passage>"


# Words of a speaker's first sentence that say where their part of a passage begins.
OPENING_WORDS = 5


def speakers_attribute(passage: Passage) -> str:
    """Who says which part of a passage: "Name from “first words...”; …", in order."""
    parts = []
    for span in passage.speakers:
        opening = passage.text[span.start - passage.start : span.end - passage.start].split()
        more = "..." if len(opening) > OPENING_WORDS else ""
        parts.append(f"{span.speaker} from “{' '.join(opening[:OPENING_WORDS])}{more}”")
    return "; ".join(parts)


def _attribute(value: str) -> str:
    """An attribute value on one line, without quotes or angle brackets to break out of it."""
    plain = " ".join(visible_text(safe(value), " ").split())
    return plain.replace('"', "'").replace("<", "(").replace(">", ")")


def count_tokens(encoding: Any, text: str) -> int:
    """Tokens in any text: a special token's spelling ("<|endoftext|>") in an article, a
    question or a reply is plain text here, not an error."""
    return len(encoding.encode(text, disallowed_special=()))


def build_prompt(question: str, passages: Sequence[Passage], config: LLMConfig) -> Prompt:
    """Passages in rank order, as many as fit the context window minus the answer budget."""
    encoding = get_encoding(encoding_for_model(config.model))
    system = load_prompt("answer_system").render(refusal=REFUSAL)
    template = load_prompt("answer_user")
    budget = config.window - config.max_tokens - FRAMING_TOKENS
    used = count_tokens(encoding, system) + count_tokens(
        encoding, template.render(passages="", question=question)
    )
    kept: list[Passage] = []
    blocks: list[str] = []
    for passage in passages:
        block = format_passage(len(kept) + 1, passage)
        cost = count_tokens(encoding, block + "\n\n")
        if used + cost > budget:
            continue
        kept.append(passage)
        blocks.append(block)
        used += cost
    user = template.render(passages="\n\n".join(blocks), question=question)
    return Prompt(system=system, user=user, passages=kept, tokens=used)


@dataclass(frozen=True)
class Generation:
    """The model's raw reply, the prompt it answered, token usage, and whether the reply was
    cut at the answer budget."""

    text: str
    prompt: Prompt
    usage: Usage
    truncated: bool


def generate(
    question: str,
    passages: Sequence[Passage],
    config: LLMConfig,
    on_text: OnText | None = None,
    chat: ChatModel | None = None,
) -> Generation:
    """The model's raw reply, the prompt it answered, token usage (counted here when the API
    reports none), and whether the reply was cut at the answer budget."""
    prompt = build_prompt(question, passages, config)
    completion = complete(config, prompt.messages, on_text, chat)
    encoding = get_encoding(encoding_for_model(config.model))
    counted = count_tokens(encoding, completion.text)
    usage = Usage(
        prompt_tokens=completion.prompt_tokens or prompt.tokens,
        completion_tokens=completion.completion_tokens or counted,
        counted=completion.prompt_tokens is None,
    )
    return Generation(completion.text, prompt, usage, completion.truncated)
