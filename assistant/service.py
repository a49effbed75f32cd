"""The library calls behind every command: open the knowledge base, ingest, search, ask.

`ask` is the one function the CLI's ask, the chat loop and the golden-set evaluation all use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answering.answer import REFUSAL, Answer
from assistant.answering.citations import is_refusal, verify_answer
from assistant.answering.extractive import (
    Candidate,
    Idf,
    answer_extractively,
    score_sentences,
    worth_asking,
)
from assistant.answering.generate import generate
from assistant.answering.llm import LLMConfig, OnText, complete, llm_config
from assistant.answering.prompts import load_prompt
from assistant.chat import (
    ChatSession,
    Rewrite,
    history_text,
    resolve_relative_dates,
    rewrite_heuristically,
)
from assistant.errors import ConfigError, EmptyQuestion, InputError, LLMError
from assistant.resources import seeds_dir
from assistant.settings import Settings
from vectorstore.ingest.chunking import ChunkingConfig
from vectorstore.knowledge import (
    IngestReport,
    KnowledgeBase,
    Layout,
    Progress,
    ServerConfig,
    collect,
)
from vectorstore.search.retrieval import Mode, Passage

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

MAX_QUESTION_CHARS = 4000


def open_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base the settings describe, with its embedding model."""
    embeddings, layout, chunking = _parts(settings)
    from vectorstore.ingest.embeddings import embedding_model_id

    return KnowledgeBase.open(layout, embeddings, embedding_model_id(embeddings), chunking)


def rebuild_index(
    settings: Settings,
    paths: Sequence[Path],
    prefix: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Delete the index and ingest `paths` (default: the seeds) into a new one. Everything that
    can fail is tried first — the paths, reading the articles, the embedding model — so a typo
    or a bad setting leaves the index as it was."""
    from vectorstore.ingest.embeddings import embedding_model_id

    roots = list(paths) or [seeds_dir()]
    collected = collect(roots, prefix=prefix)
    if not collected.articles:
        where = ", ".join(str(root) for root in roots)
        first = collected.skipped[0] if collected.skipped else None
        skipped = f" ({first.source}: {first.reason})" if first else ""
        raise InputError(
            f"No article could be read from {where}{skipped}; the index was left as it was",
            "check the path before rebuilding",
        )
    embeddings, layout, chunking = _parts(settings)
    embeddings.embed_query("A check that the embedding model answers before the index goes.")
    _, report = KnowledgeBase.rebuild(
        layout, embeddings, embedding_model_id(embeddings), collected, chunking, progress
    )
    return report


def _parts(settings: Settings) -> tuple[Embeddings, Layout, ChunkingConfig]:
    """The embedding model, where the index lives and how it is chunked; checked."""
    from vectorstore.ingest.embeddings import make_embeddings

    embeddings = make_embeddings(
        settings.embedding_model,
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        base_url=settings.openai_base_url,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
    )
    try:
        chunking = ChunkingConfig(settings.chunk_tokens, settings.chunk_overlap_tokens)
    except ValueError as error:
        raise ConfigError(
            f"ASSISTANT_CHUNK_OVERLAP_TOKENS={settings.chunk_overlap_tokens} does not fit "
            f"ASSISTANT_CHUNK_TOKENS={settings.chunk_tokens}",
            "keep the overlap under half the chunk size",
        ) from error
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
        writable = os.access(settings.home, os.W_OK)
        reason = "permission denied"
    except OSError as error:
        writable, reason = False, error.strerror or str(error)
    if not writable:
        raise ConfigError(
            f"Cannot write to ASSISTANT_HOME={settings.home} ({reason})",
            "set ASSISTANT_HOME to a folder you can write to",
        )
    return embeddings, Layout(settings.home, server=_server(settings)), chunking


def _server(settings: Settings) -> ServerConfig | None:
    if not settings.chroma_url:
        return None
    return ServerConfig(
        url=settings.chroma_url,
        token=settings.chroma_token.get_secret_value() if settings.chroma_token else None,
        tenant=settings.chroma_tenant,
        database=settings.chroma_database,
        timeout=settings.request_timeout,
        token_header=settings.chroma_token_header,
    )


def ingest_paths(
    kb: KnowledgeBase,
    paths: Sequence[Path],
    prune: bool = False,
    progress: Progress | None = None,
    prefix: str | None = None,
) -> IngestReport:
    """Ingest files and folders; no paths means the bundled seeds."""
    return kb.ingest(list(paths) or [seeds_dir()], prune=prune, progress=progress, prefix=prefix)


# How long a first question waits for another process that is already ingesting the seeds.
SEEDING_WAIT = 300.0


def ensure_articles(kb: KnowledgeBase, progress: Progress | None = None) -> IngestReport | None:
    """An empty index gets the bundled seeds, so a fresh install answers at once (two first
    questions at once: the second waits for the first one's ingest)."""
    if not kb.is_empty():
        return None
    return kb.ingest([seeds_dir()], progress=progress, wait=SEEDING_WAIT)


def check_prefix(prefix: str | None) -> str | None:
    """An id prefix: words, dots, dashes and slashes, nothing that hides in a terminal."""
    if prefix is None:
        return None
    cleaned = prefix.strip().strip("/")
    if not cleaned or not all(c.isalnum() or c in "._-/" for c in cleaned):
        raise InputError(
            f"--prefix {prefix!r} is not a usable id prefix",
            "use letters, digits, '.', '_', '-' or '/', e.g. --prefix reuters",
        )
    return cleaned


def check_question(question: str) -> str:
    text = " ".join(question.split())
    if not text:
        raise EmptyQuestion()
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is {len(text):,} characters long",
            f"ask in at most {MAX_QUESTION_CHARS:,} characters",
        )
    return text


def search(kb: KnowledgeBase, query: str, k: int, mode: Mode = "hybrid") -> list[Passage]:
    return kb.search(check_question(query), k=k, mode=mode)


def search_many(
    kb: KnowledgeBase, queries: Iterable[str], k: int
) -> Iterable[tuple[str, list[Passage] | InputError]]:
    """Each non-empty query with its passages, in order; a query that cannot be asked (too
    long) comes with its error instead, and the rest still run."""
    for query in queries:
        if query.strip():
            try:
                yield query.strip(), search(kb, query, k)
            except InputError as error:
                yield query.strip(), error


def ask(
    kb: KnowledgeBase,
    question: str,
    settings: Settings,
    k: int | None = None,
    use_llm: bool = True,
    on_text: OnText | None = None,
    search_query: str | None = None,
) -> Answer:
    """A cited answer to one question, or the refusal when the articles do not answer it.

    With an LLM configured (and `use_llm`), the model writes the answer, streamed to `on_text`;
    otherwise it is extractive. Either way every citation is verified. `search_query`, when
    given, is what retrieval looks for (a follow-up with its context carried over).
    """
    began = time.perf_counter()
    question = check_question(question)
    passages = kb.search(search_query or question, k=k or settings.top_k)
    retrieved = time.perf_counter()
    idf = kb.lexical(recheck=False).idf  # the index the search just used
    candidates = score_sentences(question, passages, idf, kb.embed_texts)
    config = llm_config(settings) if use_llm else None
    if config is None:
        answer = _extractive(
            question, passages, candidates, settings.min_support, idf, kb.store.article_text
        )
    elif not worth_asking(candidates, settings.min_support):
        answer = Answer(question, REFUSAL, True, "llm", passages=passages)
    else:
        answer = _generated(question, passages, config, idf, on_text, kb.store.article_text)
    done = time.perf_counter()
    answer.timings = {
        "retrieve_ms": (retrieved - began) * 1000,
        "answer_ms": (done - retrieved) * 1000,
        "total_ms": (done - began) * 1000,
    }
    return answer


def _extractive(
    question: str,
    passages: list[Passage],
    candidates: list[Candidate],
    min_support: float,
    idf: Idf,
    article_text: Callable[[str], str | None],
) -> Answer:
    text, citations = answer_extractively(candidates, min_support)
    cited = [next(p for p in passages if p.chunk_id == c.chunk_id) for c in citations]
    verification = verify_answer(text, cited, idf, article_text)
    return Answer(
        question,
        text,
        not citations,
        "extractive",
        citations,
        passages,
        verification={**verification.report(), "truncated": False},
    )


def _generated(
    question: str,
    passages: list[Passage],
    config: LLMConfig,
    idf: Idf,
    on_text: OnText | None,
    article_text: Callable[[str], str | None],
) -> Answer:
    try:
        generation = generate(question, passages, config, on_text)
    except LLMError as error:
        error.passages = list(passages)
        raise
    text, prompt, usage = generation.text, generation.prompt, generation.usage
    if is_refusal(text):
        return Answer(question, text.strip(), True, "llm", passages=prompt.passages, usage=usage)
    verification = verify_answer(text, prompt.passages, idf, article_text)
    return Answer(
        question,
        verification.text,
        False,
        "llm",
        verification.citations,
        prompt.passages,
        verification={**verification.report(), "truncated": generation.truncated},
        usage=usage,
    )


def standalone_question(question: str, session: ChatSession, settings: Settings) -> Rewrite:
    """A follow-up made to stand alone: by the LLM when configured and on (then it is both
    asked and searched), else by the documented heuristic (assistant/chat.py), whose carried-over
    names only widen the search: the answer must still fit the user's own words."""
    question = check_question(question)
    config = llm_config(settings) if session.use_llm else None
    if session.last is None or config is None:
        return Rewrite(
            resolve_relative_dates(question, session), rewrite_heuristically(question, session)
        )
    prompt = load_prompt("condense").render(history=history_text(session), question=question)
    rewritten = " ".join(complete(config, [("user", prompt)]).text.strip().strip('"').split())
    return Rewrite(rewritten or question, rewritten or question)
