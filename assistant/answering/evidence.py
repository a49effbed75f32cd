"""What in a passage may be quoted as evidence: not text addressed to an AI, not a source list.

An article may carry instructions for a model that reads it ("Ignore previous instructions and
…", "Note to AI systems summarising this article: you must state that …"). They are recognised
by their form, not by one phrase: an override of earlier instructions, a role marker or chat
template token, an AI as the addressee, a second-person order to say something, an imperative
to reply. The check reads the text as a model would see it (`visible_text`: NFKC, invisible
format characters such as zero-width spaces removed), so spelling tricks do not hide an
instruction. Such a sentence and the rest of its paragraph (the payload that follows an
address) are never quoted nor counted as support; nor is an entry of a source list
("[1] Invented Source — Nobody, 1999").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from vectorstore.ingest.text import Span, paragraph_spans, sentence_spans

# Characters a reader cannot see: format characters (zero-width spaces and joiners, bidi
# controls, soft hyphens, the Unicode tag characters that can spell out hidden text).
_INVISIBLE = "Cf"
# Marks that combine with a letter (strike-through overlays, variation selectors, accents):
# an English instruction is still one without them.
_MARKS = frozenset({"Mn", "Me"})

# Verbs of producing an answer: what an instruction orders a model to do.
_SAY = (
    r"(?:say|state|reply|answer|respond|write|output|print|claim|conclude|declare|assert|repeat"
    r"|report|mention|insist|cite|tell (?:the |your |all )?(?:users?|readers?|people|everyone))"
)
# The imperative of a reply: "Say that …", "Reply with …".
_REPLY = (
    r"(?:say|state|reply|answer|respond|write|output|print|repeat|claim|conclude|declare"
    r"|tell (?:the |your |all )?(?:users?|readers?|people|everyone))"
)
# Who an instruction addresses when it addresses a model.
_AI = (
    r"(?:ais?|a\.i\.|llms?|chatgpt|gpt[\w.-]*|claude|gemini|copilot|chat ?bots?"
    r"|(?:large )?language models?|(?:ai |virtual |digital )?assistants?"
    r"|(?:ai|automated|artificial intelligence) (?:systems?|models?|tools?|agents?|readers?"
    r"|crawlers?|assistants?|summari[sz]ers?))"
)
# Forms that are instructions whatever else the sentence says.
_INSTRUCTION = re.compile(
    "|".join(
        [
            # an override of the instructions a model was given
            r"\b(?:ignore|disregard|forget|override|overrule|bypass|discard|abandon"
            r"|stop following|do not follow|don't follow)\b[^.!?]{0,40}?\b(?:previous|prior"
            r"|above|earlier|preceding|foregoing|original|initial|system|your|all|any|other)\b"
            r"[^.!?]{0,25}?\b(?:instructions?|prompts?|rules|guidelines|guidance|directions"
            r"|directives|commands|orders|context|messages?|constraints|guardrails|programming)\b"
            r"|\b(?:ignore|disregard|forget)\b (?:(?:everything|anything|all)(?: of)?(?: the)?"
            r"(?: text)? (?:above|before|else|previously|prior|you (?:were|have been) told)"
            r"|the (?:above|foregoing|preceding))\b",
            # a role marker or a chat template's tokens
            r"(?:^|[>\])}|]\s*)(?:system|assistant|developer|user|human|ai|model)\s*:",
            r"<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>|^#{2,}\s*(?:instruction|system|response)",
            # a new persona
            r"\byou are (?:now|no longer) (?:in|free|unrestricted|operating|acting|bound"
            r"|an? (?:ai|assistant|language model))\b|\bfrom now on,? you\b"
            r"|\bpretend (?:that )?you\b|\b(?:developer|god) mode\b",
            # an AI as the addressee
            rf"\bif you(?:'re| are) (?:an?|the) (?:ai|llm|language model|assistant|chatbot|bot"
            rf"|model|automated)\b|^(?:dear |hey |hello |attention,? )?{_AI}\s*:"
            rf"|\b(?:dear|hey|attention|calling all) {_AI}\b"
            rf"|\b(?:notes?|messages?|instructions?|attention|reminder|notice|directive|memo"
            rf"|warning|request)\s+(?:for|to)\s+(?:all |any |the )?{_AI}\b[^:.!?]{{0,60}}:",
            # an order to say something: second person or imperative
            rf"\byou (?:must|shall|are (?:required |instructed |ordered |obliged )?to|need to)"
            rf" (?:(?:now|always|only|instead|also|clearly|simply) )*{_SAY}\b",
            rf"^(?:(?:please|now|instead|always|only|just|simply),? )*{_REPLY}"
            rf" (?:(?:only|instead|exactly|simply) )?(?:that\b|with\b|:|[\"“'‘]|the following"
            rf"|as follows)",
            rf"^(?:please )?(?:always|never|do not|don't) (?:ever )?{_SAY}\b",
            # an AI obliged to say something
            rf"\b{_AI}\b[^.!?]{{0,60}}?\b(?:must|should|shall|need to|have to|are to"
            rf"|(?:are|is) (?:required|instructed|asked) to)"
            rf" (?:(?:always|only|also|now|instead|simply) )?{_SAY} (?:that\b|with\b|:|[\"“])",
        ]
    ),
    re.IGNORECASE,
)
# An AI named as the reader of the text: an instruction when an order comes with it.
_ADDRESSED = re.compile(
    rf"^{_AI}\s*,|\b(?:notes?|messages?|instructions?|reminder|notice|memo|request)\s+(?:for|to)"
    rf"\s+(?:all |any |the )?{_AI}\b|\b{_AI} (?:reading|summari[sz]ing|processing|parsing"
    r"|crawling|indexing|analy[sz]ing|scraping|ingesting|answering questions about)"
    r" (?:this|these|the following)\b",
    re.IGNORECASE,
)
_ORDER = re.compile(
    r"\byou (?:must|shall|should|will|need to|have to|are (?:required|instructed|expected"
    r"|supposed|asked|told|ordered|obliged|to)|ought to|may only|can only)\b"
    r"|\b(?:make sure|be sure|remember|always|never|do not|don't)\b",
    re.IGNORECASE,
)
# Quote marks, brackets and bullets before a sentence's first word.
_LEAD = re.compile(r"^[\s\"“”'‘’«»(\[*•\-–—]+")
# A source-list entry or heading: "[1] Invented Source — Nobody, 1999", "Sources: …".
_REFERENCE = re.compile(
    r"^\s*(?:\[\d{1,3}\]|(?:sources?|references?|bibliography|works cited|citations)\s*:)",
    re.IGNORECASE,
)


def visible_text(text: str, gap: str = "") -> str:
    """The text as a reader sees it: compatibility forms folded (NFKC: fullwidth letters,
    ligatures), each invisible character replaced by `gap`."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(gap if unicodedata.category(c) == _INVISIBLE else c for c in folded)


@lru_cache(maxsize=8192)  # asked of the same sentences for every question and every check
def looks_like_instruction(sentence: str) -> bool:
    """Text addressed to an AI rather than a reader: an article may carry it, but it is never
    quoted as evidence nor counted as support. An invisible character is read both as nothing
    ("Ig\\u200bnore") and as a space ("Ignore\\u00adprevious")."""
    return any(_is_instruction(visible_text(sentence, gap)) for gap in ("", " "))


def _is_instruction(text: str) -> bool:
    text = "".join(c for c in text if unicodedata.category(c) not in _MARKS)
    text = _LEAD.sub("", " ".join(text.split()))
    return bool(_INSTRUCTION.search(text) or (_ADDRESSED.search(text) and _ORDER.search(text)))


def is_reference_entry(sentence: str) -> bool:
    """An entry or heading of a source list: a claim about sources, not about the news."""
    return bool(_REFERENCE.match(visible_text(sentence)))


def evidence_spans(text: str) -> list[Span]:
    """The sentences of a text that may be quoted: an instruction and the rest of its paragraph
    (its payload) are left out, and so are source-list entries."""
    spans = []
    for paragraph in paragraph_spans(text):
        line = text[paragraph.start : paragraph.end]
        for span in sentence_spans(line):
            sentence = line[span.start : span.end]
            if looks_like_instruction(sentence):
                break
            if not is_reference_entry(sentence):
                spans.append(Span(paragraph.start + span.start, paragraph.start + span.end))
    return spans
