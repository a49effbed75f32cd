"""The library calls behind every command: open the knowledge base, ingest, search, ask.

`ask` is the one function the CLI's ask, the chat loop and the golden-set evaluation all use.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answering.answer import REFUSAL, Answer, Fallback, Timings
from assistant.answering.candidate import Candidate
from assistant.answering.citations import is_refusal, verify_answer
from assistant.answering.extractive import answer_extractively, worth_asking
from assistant.answering.generate import generate
from assistant.answering.llm import ChatModel, OnText
from assistant.answering.matching import search_text
from assistant.answering.reply import prepare_reply
from assistant.answering.scoring import score_sentences
from assistant.errors import EmptyQuestion, InputError, LLMError
from assistant.resources import seeds_dir
from assistant.scope import Scope, batch_query
from assistant.settings import Settings
from vectorstore.errors import UnknownArticle
from vectorstore.ingest.cleaning import outlet_name
from vectorstore.ingest.collection import collect
from vectorstore.knowledge import IngestReport, KnowledgeBase, Layout, Progress
from vectorstore.search.filters import Filters, outlet_key
from vectorstore.search.manifest import ArticleFilter, ArticleText, list_articles, read_article
from vectorstore.search.records import StoredArticle
from vectorstore.search.retrieval import Mode, Passage, Recency

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

MAX_QUESTION_CHARS = 4000


def open_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The knowledge base the settings describe, with its embedding model."""
    from vectorstore.ingest.embeddings import embedding_model_id

    embeddings, layout = _parts(settings)
    return KnowledgeBase.open(layout, embeddings, embedding_model_id(embeddings), settings.chunking)


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
    embeddings, layout = _parts(settings)
    embeddings.embed_query("A check that the embedding model answers before the index goes.")
    _, report = KnowledgeBase.rebuild(
        layout, embeddings, embedding_model_id(embeddings), collected, settings.chunking, progress
    )
    return report


def _parts(settings: Settings) -> tuple[Embeddings, Layout]:
    """The embedding model and where the index lives."""
    from vectorstore.ingest.embeddings import make_embeddings

    llm = settings.llm  # OpenAI embeddings without a server of their own use the chat model's
    embeddings = make_embeddings(
        settings.embedding,
        openai_api_key=llm.api_key.get_secret_value() if llm.api_key else None,
        openai_base_url=llm.base_url,
    )
    return embeddings, Layout(settings.home, server=settings.chroma)


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


def indexed_articles(kb: KnowledgeBase, chosen: ArticleFilter) -> list[StoredArticle]:
    """The indexed articles the filter admits, by id."""
    return list_articles(kb.store, chosen)


def show_article(kb: KnowledgeBase, article_id: str, with_removed: bool = False) -> ArticleText:
    """One article as stored (and the lines cleaning removed from it)."""
    try:
        return read_article(kb.store, article_id, with_removed)
    except UnknownArticle as error:
        raise _with_hint(kb, error) from None


def remove_articles(kb: KnowledgeBase, ids: Sequence[str]) -> list[StoredArticle]:
    """Remove articles by id; an unknown id removes nothing and is named."""
    try:
        return kb.remove_articles(ids)
    except UnknownArticle as error:
        raise _with_hint(kb, error) from None


def _with_hint(kb: KnowledgeBase, error: UnknownArticle) -> InputError:
    """The error with a fix-it hint: the closest ids, or where to find them."""
    import difflib

    known = list(kb.store.manifest())
    close = [match for wrong in error.ids for match in difflib.get_close_matches(wrong, known, n=1)]
    hint = (
        "did you mean " + ", ".join(f"'{match}'" for match in close) + "?"
        if close
        else "`assistant articles` lists the ids"
    )
    return InputError(error.message, hint)


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


def search(
    kb: KnowledgeBase,
    query: str,
    k: int,
    mode: Mode = "hybrid",
    scope: Scope | None = None,
    settings: Settings | None = None,
) -> list[Passage]:
    """The k best passages in the scope, newer first as the settings' recency says."""
    query = check_question(query)
    scope = scope or Scope()
    check_scope(kb, scope.filters)
    return kb.search(
        query, k=k, mode=mode, filters=scope.filters or None, recency=recency(settings, scope)
    )


def recency(settings: Settings | None, scope: Scope) -> Recency | None:
    """The recency ranking the settings ask for, counted from the scope's `as_of`."""
    days = settings.retrieval.recency_half_life_days if settings else 0.0
    return Recency(days, scope.as_of) if days > 0 else None


def check_scope(kb: KnowledgeBase, filters: Filters) -> None:
    """An outlet or article the index does not hold is a typo more often than not: say so,
    with what it does hold, instead of answering from nothing."""
    if not filters.outlets and not filters.articles:
        return
    facets = kb.lexical().facets
    known = {outlet_key(outlet) for outlet in facets.outlets}
    for outlet in filters.outlets:
        if outlet_key(outlet) not in known:
            every = list(dict.fromkeys(outlet_name(o) for o in kb.lexical().outlets))
            outlets = ", ".join(every[:20]) + (f" and {len(every) - 20} more" if every[20:] else "")
            raise InputError(
                f"No indexed article is from the outlet {outlet!r}",
                f"the outlets are: {outlets or 'none'}",
            )
    articles = set(facets.articles)
    for article in filters.articles:
        if article not in articles:
            raise InputError(
                f"No article {article!r} is in the index",
                "`assistant articles` lists the ids",
            )


def search_many(
    kb: KnowledgeBase,
    lines: Iterable[str],
    k: int,
    defaults: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> Iterable[tuple[str, Scope | None, list[Passage] | InputError]]:
    """Each non-empty line's query (plain text, or JSON with its own filters, see
    `batch_query`) with its scope and passages, in order; a line that cannot be asked (too
    long, a bad date) comes with its error instead, and the rest still run."""
    for line in lines:
        if not line.strip():
            continue
        scope = None
        query = line.strip()
        try:
            query, scope = batch_query(line, defaults or {})
            yield query, scope, search(kb, query, k, scope=scope, settings=settings)
        except InputError as error:
            yield query, scope, error


def ask(
    kb: KnowledgeBase,
    question: str,
    settings: Settings,
    k: int | None = None,
    use_llm: bool = True,
    on_text: OnText | None = None,
    search_query: str | None = None,
    chat: ChatModel | None = None,
    scope: Scope | None = None,
) -> Answer:
    """A cited answer to one question, or the refusal when the articles do not answer it.

    With an LLM configured (and `use_llm`), the model writes the answer, streamed to `on_text`;
    otherwise it is extractive. Either way every citation is verified. `search_query`, when
    given, is what retrieval looks for (a follow-up with its context carried over). `chat` is
    the chat model to ask instead of the one the settings describe. `scope` restricts
    retrieval (dates, outlets, articles) and sets the day recency counts from.
    """
    began = time.perf_counter()
    question = check_question(question)
    top = k or settings.retrieval.top_k
    extractive = not (use_llm and settings.llm.configured)
    # Without an LLM, the search leaves out the words framing the question ("interviewed"):
    # the quoted sentence must hold the subject. A model is given the question's passages as is.
    query = search_query or (search_text(question) if extractive else question)
    passages = search(kb, query, top, scope=scope, settings=settings)
    retrieved = time.perf_counter()
    candidates = score_sentences(question, passages, kb.idf, kb.embed_texts, kb.article_text)
    min_support = settings.retrieval.min_support
    if extractive:
        answer = _extractive(kb, question, passages, candidates, min_support)
    elif not worth_asking(candidates, min_support):
        answer = Answer(
            question=question, text=REFUSAL, mode="llm", abstained=True, passages=passages
        )
    else:
        answer = _generated(kb, question, passages, settings, on_text, chat)
        if not answer.grounded and answer.verification is not None:
            fallback = _fallback(kb, answer, passages, candidates, min_support)
            verification = replace(answer.verification, grounded=False, fallback=fallback)
            answer = replace(answer, verification=verification)
    done = time.perf_counter()
    timings = Timings(
        retrieve_ms=(retrieved - began) * 1000,
        answer_ms=(done - retrieved) * 1000,
        total_ms=(done - began) * 1000,
    )
    return replace(answer, timings=timings)


def _extractive(
    kb: KnowledgeBase,
    question: str,
    passages: list[Passage],
    candidates: list[Candidate],
    min_support: float,
) -> Answer:
    text, citations = answer_extractively(candidates, min_support)
    cited = [next(p for p in passages if p.chunk_id == c.chunk_id) for c in citations]
    checked = verify_answer(text, cited, kb.idf, kb.article_text)
    return Answer(
        question=question,
        text=text,
        mode="extractive",
        abstained=not citations,
        citations=citations,
        passages=passages,
        verification=checked.verification,
    )


def _fallback(
    kb: KnowledgeBase,
    answer: Answer,
    passages: list[Passage],
    candidates: list[Candidate],
    min_support: float,
) -> Fallback:
    """The extractive answer's cited sentences, for a model's answer that keeps no supported
    citation: what the articles do say, shown beneath it."""
    evidence = _extractive(kb, answer.question, passages, candidates, min_support)
    if not answer.text:
        reason = "empty"
    elif answer.citations:
        reason = "unsupported"
    else:
        reason = "uncited"
    return Fallback(reason=reason, text=evidence.text, citations=evidence.citations)


def _generated(
    kb: KnowledgeBase,
    question: str,
    passages: list[Passage],
    settings: Settings,
    on_text: OnText | None,
    chat: ChatModel | None,
) -> Answer:
    try:
        generation = generate(question, passages, settings.llm, on_text, chat)
    except LLMError as error:
        error.passages = list(passages)
        raise
    text, prompt, usage = prepare_reply(generation.text), generation.prompt, generation.usage
    if is_refusal(text):
        return Answer(
            question=question,
            text=text.strip(),
            mode="llm",
            abstained=True,
            passages=prompt.passages,
            usage=usage,
        )
    checked = verify_answer(text, prompt.passages, kb.idf, kb.article_text)
    return Answer(
        question=question,
        text=checked.text,
        mode="llm",
        abstained=False,
        citations=checked.citations,
        passages=prompt.passages,
        verification=replace(checked.verification, truncated=generation.truncated),
        usage=usage,
    )
