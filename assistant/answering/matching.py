"""What a question asks, and whether a sentence holds it: by meaning, not only by exact words.

A question's terms are stemmed content words (`terms`: "members" = "member"), folded for case
and diacritics ("Babaoğlu" = "Babaoglu"). Beyond that:

- a name matches across forms: an acronym stands for the capitalised words it abbreviates,
  derived from the text itself ("CSTO" = "Collective Security Treaty Organization"), and a
  country's new name for its old one (`COUNTRY_RENAMES`, the only list of aliases);
- a term matches its derivations sharing a stem of six letters or more ("member" =
  "membership"), its agent noun ("founded" = "founder", "owns" = "owner", "created" =
  "creator"), and British and American spellings alike ("organisation" = "organization");
- the words that frame a question rather than say what it is about do not have to be found:
  the kind of thing asked for ("which *outlet*", "in what *year*"), verbs of speaking
  ("interviewed", "spoke") and of holding a role ("what position does X *hold*");
- what a question asks for constrains the answer (`answer_kinds`): "how many" wants a number,
  "when" a date, "who" or "which outlet" a name the question does not already give; a figure
  for a name the question gives joined with one it does not ("Azerbaijan and Türkiye") is
  theirs together, not the one asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.answering.answer_kinds import (
    Kind,
    asked_deed,
    asked_group,
    asks_future,
    asks_identity,
    counts_asked,
    describes,
    expected_kind,
    holds_kind,
    instances,
    main_clause,
    plural_noun,
    says_where,
    tells_future,
)
from assistant.answering.named_kinds import CALENDAR_NAMES, is_entity_kind, names_the_kind
from assistant.answering.names import (
    MIN_SHARED_STEM,
    RUNNING_WORD,
    abbreviations,
    acronyms_of,
    canonical,
    coordinated_names,
    described_names,
    full_names,
    lower_case_terms,
    name_terms,
    opening_terms,
    opens_sentence,
    same_place,
    short_references,
    spelled_names,
    surnames,
    text_terms,
)
from vectorstore.ingest.text import STOPWORDS, fold, is_name, terms, words

# Words that frame a question without being its subject: speaking, interviewing and judging
# (news reports speech and opinion with many verbs), holding a role, modal verbs, "how many",
# and adverbs of time a sentence rarely repeats.
FRAMING = frozenset(
    """interview interviewed interviews interviewing speak speaks spoke speaking spoken comment
    comments commented remark remarks remarked note notes noted emphasize emphasized emphasise
    emphasised stress stressed hold holds held play plays played serve serves served still yet
    already ever really actually currently many much may might must shall criticise criticises
    criticised criticize criticizes criticized praise praised condemn condemned welcome welcomed
    deny denied urge urged argue argued insist insisted suggest suggested acknowledge
    acknowledged admit admitted assess assessed evaluate evaluated consider considers considered
    regard regards regarded see sees saw recall recalls recalled describe describes described
    characterise characterises characterised characterize characterizes characterized
    roughly approximately nearly exactly precisely briefly""".split()  # noqa: SIM905 -- a word list reads better as text
)
# Question words after which the next words name the kind of answer ("which outlet").
_WH = frozenset({"what", "which"})
# Words that end that kind: an auxiliary starts the rest of the question.
_AUXILIARIES = frozenset(
    "is are was were do does did has have had will would can could should may might must".split()  # noqa: SIM905
)
_HOW_LONG = re.compile(r"\bhow long\b", re.I)
_HOW_MANY = re.compile(r"\bhow many\b(?:\s+([^\W\d_]+))?", re.I)


@dataclass(frozen=True)
class Question:
    """A question's terms (canonical stems) and what its answer must hold."""

    terms: tuple[str, ...]
    names: frozenset[str]
    # "outlet" in "which outlet", "Oprah" in "what did Harry tell Oprah": found or not, no matter
    kind_terms: frozenset[str] = frozenset()
    expects: Kind | None = None
    # Each multi-word name the question gives, with the acronym that stands for it.
    spelled_out: tuple[tuple[str, frozenset[str]], ...] = field(default=())
    acronyms: frozenset[str] = frozenset()  # "csto" for "CSTO"
    # Each name of several words ("David Marcus"): a later "Mr. Marcus" refers to it.
    full_names: tuple[tuple[str, ...], ...] = ()
    # Each single name's surnames in the articles ("oprah": "winfrey"): found for the name.
    surnames: tuple[tuple[str, frozenset[str]], ...] = ()
    counts: bool = False  # "how many": its number counts what is asked, not something else
    counted: str = ""  # the word after "how many", a stopword too ("articles")
    group: frozenset[str] = frozenset()  # "among white voters": the answer speaks of them
    deed: str | None = None  # "Who founded …": the answer must say "found" (or "founder")
    identity: bool = False  # asks what a named one is: "Who is Kalugin?"
    # asks when or where something still to come happens: the answer speaks of it as to come
    future: bool = False
    opening: frozenset[str] = frozenset()  # the terms of its first word
    # the years and ordinals it names ("the 149th show"), by kind
    instances: tuple[tuple[str, frozenset[str]], ...] = ()

    def found(self, text: str, surroundings: str = "") -> set[str]:
        """The question's terms a text holds, by any of their forms. A name counts only where
        it is written as one (capitalised: "Powers" is not "power"), a place as its people's
        adjective too ("Armenian" for "Armenia's", "Greek" for Greece); a full name's last word
        alone counts as the full name where `surroundings` (its article) spell it out."""
        present = text_terms(text)
        named = set(name_terms(text))
        hits = {t for t in self.terms if t not in self.names and _matches(t, present)}
        hits |= self.names & named
        hits |= {n for n in self.names - hits if any(same_place(n, t) for t in named)}
        hits |= short_references(self.full_names, text, surroundings)
        hits |= {name for name, last in self.surnames if last & named}
        if surroundings and self.names:
            hits |= self.names & described_names(text, surroundings)
        if self.acronyms:  # the question abbreviates what the text spells out
            hits |= self.acronyms & acronyms_of(text)
        abbreviated = abbreviations(text)
        for acronym, parts in self.spelled_out:  # the text abbreviates what the question spells
            if acronym in abbreviated:
                hits |= parts
        return hits

    def holds_answer(self, text: str, surroundings: str = "") -> bool:
        """Whether a text holds the kind of thing asked for (a number, a date, a new name), of
        the group it is asked among. A word capitalised only because it opens the sentence or
        follows a colon, that `surroundings` also write in lower case, names nothing
        ("… put it simply: Renewables “are not a factor”")."""
        if not all(_matches(term, text_terms(text)) for term in self.group):
            return False
        if self.future and not tells_future(text):
            return False  # only a date or a place is asked to come
        if self.expects in ("name", "place"):
            new = set(name_terms(text)) - self.names - self.kind_terms - CALENDAR_NAMES
            new -= opening_terms(text) & lower_case_terms(surroundings)
            # "Yemen" is no answer to "Which country were the Yemeni detainees sent to?"
            new = {n for n in new if not any(same_place(n, given) for given in self.names)}
            if self.expects == "name" and new:
                return names_the_kind(text, self.kind_terms, new)
            if self.expects == "place" and new:
                return any(
                    {canonical(t) for t in terms(found[1])} & new
                    for found in _LOCATED.finditer(text)
                )
            return bool(new)
        if self.expects is None:
            return True
        if self.expects in ("number", "share", "money") and self._with_others(text):
            return False
        if self.counts and not counts_asked(text, self._counts_about):
            return False
        return holds_kind(self.expects, text, self._asks_about)

    def _with_others(self, text: str) -> bool:
        """Whether a text joins a name the question gives with one it does not ("the combined
        population of Azerbaijan and Türkiye"): its figure is theirs together, not the one
        asked for."""
        for group in coordinated_names(text):
            given = [name for name in group if name & self.names]
            if given and any(not name & self.names for name in group):
                return True
        return False

    def names_another_instance(self, text: str) -> bool:
        """Whether a text writes a year or ordinal of a kind the question names, and not the
        one it names: "the 148th annual Westminster show" for a question about the 149th."""
        written = instances(text)
        return any(kind in written and not written[kind] & asked for kind, asked in self.instances)

    def describes_named(self, text: str) -> bool:
        """Asked what a named one is ("Who is Kalugin?"), whether the text says it: the name
        with an apposition or "is a" ("Mikhail Kalugin, Director of the Fourth CIS
        Department")."""
        return self.identity and describes(
            text, lambda word: bool({canonical(t) for t in terms(word)} & self.names)
        )

    def says_where(self, text: str) -> bool:
        """Asked where, whether the text puts a place right after a word of the question."""
        return self.expects == "place" and says_where(text, self._asks_about)

    def _asks_about(self, word: str) -> bool:
        return any(canonical(t) in self.terms for t in terms(word))

    def _counts_about(self, word: str) -> bool:
        """Whether a word after a number says it counts what is asked: one of the question's
        terms, or the word it counts ("articles" in "How many articles …")."""
        same = self.counted and word.lower().removesuffix("s") == self.counted.removesuffix("s")
        return bool(same) or self._mentions(word)

    def _mentions(self, word: str) -> bool:
        """Whether a word is one of the question's terms in any form ("attendees": "attend")."""
        present = text_terms(word)
        return any(_matches(term, present) for term in self.terms)


# Whom something was said to ("What did Harry tell Oprah about …", "told reporters"): the
# occasion, not the subject; the sentence quoting it rarely names them.
_AUDIENCE = re.compile(
    r"\b(?:tell|tells|told|telling|(?:say|says|said|saying|complaint|complaints|letter|reply|"
    r"answer|message|comments?|remarks?)\s+to)\s+"
    r"((?:[A-Z][\w'’.-]*\s+)*[A-Z][\w'’.-]*|reporters|journalists)\b"
)


def read_question(question: str) -> Question:
    """What a question asks: its terms, its names, the kind of answer it wants."""
    names = frozenset(name_terms(question))
    asking = main_clause(question)
    kind = _kind_words(asking, names)
    audience = [found[1] for found in _AUDIENCE.finditer(question)]
    kind_terms = frozenset(canonical(t) for t in terms(" ".join(kind + audience)))
    framing = set(terms(" ".join(FRAMING)))
    if _HOW_LONG.search(question):
        framing.add("long")  # asks for a duration: "for 3 years" need not say "long"
    question_terms = tuple(dict.fromkeys(canonical(t) for t in terms(question) if t not in framing))
    spelled_out = tuple((acronym, frozenset(parts)) for acronym, parts in spelled_names(question))
    expects = expected_kind(asking, kind)
    how_many = _HOW_MANY.search(asking)
    return Question(
        terms=question_terms,
        names=names,
        kind_terms=kind_terms,
        expects=expects,
        spelled_out=spelled_out,
        acronyms=frozenset(abbreviations(question)) & frozenset(question_terms),
        full_names=tuple(full_names(question)),
        counts=bool(how_many),
        counted=(how_many[1] or "").lower() if how_many else "",
        group=frozenset(canonical(t) for t in terms(" ".join(asked_group(question)))),
        deed=next(
            (t for t in question_terms if t in text_terms(asked_deed(asking) or "")),
            _which_deed(asking, kind, question_terms) or _done_to(asking, question_terms),
        ),
        instances=tuple((kind, frozenset(found)) for kind, found in instances(question).items()),
        identity=asks_identity(asking),
        future=expects in ("date", "calendar", "place") and asks_future(asking),
        opening=frozenset(canonical(t) for t in terms(" ".join(question.split()[:1]))),
    )


# A name after a word that places something: "in Gyumri", "near the Tehran border".
_LOCATED = re.compile(
    r"\b(?:in|at|on|near|outside|inside|into|within|along|from|to|across|throughout|off)\s+"
    r"(?:the\s+)?"
    r"((?:[A-Z][\w'’.-]*\s*)+)"
)


def with_names_written(asked: Question, texts: Sequence[str]) -> Question:
    """The question with the words it writes in lower case that the texts only ever write
    capitalised, inside a sentence, taken as names ("what did shoigu say about ukraine"), and
    its first word a name only if the texts write it capitalised."""
    capitalised: set[str] = set()
    anywhere: set[str] = set()  # written capitalised, a sentence's first word too
    lower: set[str] = set()
    for text in texts:
        for found in RUNNING_WORD.finditer(text):
            word = found[0]
            if word[:1].isupper():
                anywhere.update(canonical(t) for t in terms(word))
                if not opens_sentence(text, found.start()):
                    capitalised.update(canonical(t) for t in terms(word))
            else:
                lower.update(canonical(t) for t in terms(word))
    written = {t for t in asked.terms if t in capitalised - lower} - asked.names
    # a question's first word is capitalised whatever it is: "Roughly how many …" names
    # nothing the texts never write capitalised
    unwritten = asked.opening - anywhere
    if not written and not unwritten & asked.names:
        return asked
    return replace(asked, names=(asked.names | written) - unwritten)


def with_surnames(asked: Question, texts: Sequence[str]) -> Question:
    """The question with the surnames the texts give its names of one word ("Oprah" in
    "Oprah Winfrey"), so that a sentence saying "Winfrey" names her."""
    in_full = {part for name in asked.full_names for part in name}
    found = surnames(asked.names - in_full, texts)
    return replace(asked, surnames=tuple(sorted(found.items()))) if found else asked


def search_text(question: str) -> str:
    """What to search for: the question without the words that frame it ("Which outlet
    interviewed Ivan Timofeev?" looks for "Which outlet Ivan Timofeev?"), which would
    otherwise find every interview but the one asked about."""
    kept = [w for w in question.split() if fold(w).strip("?!.,;:'\"") not in FRAMING]
    return " ".join(kept) if any(is_name(w) or fold(w) not in STOPWORDS for w in kept) else question


def _matches(term: str, present: frozenset[str]) -> bool:
    if term in present or not present.isdisjoint(_agent_forms(term)):
        return True
    if len(term) < MIN_SHARED_STEM:
        return False
    return any(
        len(other) >= MIN_SHARED_STEM and (other.startswith(term) or term.startswith(other))
        for other in present
    )


# Agent nouns are the verb's stem and -er or -or ("found" → "founder", "creat" → "creator");
# a few words that end so are no one who does it ("former" is not one who forms).
_AGENT_ENDINGS = ("er", "or")
_NOT_AGENTS = frozenset({"former", "latter", "center", "corner", "water", "power", "matter"})
MIN_AGENT_STEM = 4


@lru_cache(maxsize=4096)
def _agent_forms(term: str) -> frozenset[str]:
    """The agent noun of a verb's term, and the verb of an agent noun's ("founder" → "found")."""
    forms = {term + ending for ending in _AGENT_ENDINGS} if len(term) >= MIN_AGENT_STEM else set()
    for ending in _AGENT_ENDINGS:
        if term.endswith(ending) and len(term) - len(ending) >= MIN_AGENT_STEM:
            forms.add(term[: -len(ending)])
    return frozenset(forms - _NOT_AGENTS) if term not in _NOT_AGENTS else frozenset()


def _which_deed(question: str, kind: list[str], question_terms: tuple[str, ...]) -> str | None:
    """What the thing asked for did, in a "which" question: the word right after its kind
    ("shut" in "Which power plants shut down …", "slapped" in "Which country slapped …"); None
    when an auxiliary follows ("Which app has soared …")."""
    tokens = words(question)
    if not kind or not tokens or tokens[0] != "which" or tokens[1 : 1 + len(kind)] != kind:
        return None
    after = tokens[1 + len(kind) : 2 + len(kind)]
    if after == ["of"] or (after and after[0] in _HAVE_OR_BE):
        # "Which member of the royal family asked …", "Which candidate has Clyburn endorsed":
        # the deed is the first verb past the group or the auxiliary
        after = [w for w in tokens[2 + len(kind) : 7 + len(kind)] if _past_tense(w)][:1]
    if not after or after[0] in STOPWORDS:
        return None
    return next((t for t in question_terms if t in text_terms(after[0])), None)


_HAVE_OR_BE = frozenset("has have had was were is are".split())  # noqa: SIM905
# "How many students were fined …": a count of those a deed was done to.
_HOW_MANY_DONE = re.compile(
    r"\bhow many\b(?:\s+[\w'’-]+){0,5}?\s+(?:were|was|are|is|have been|has been|had been)\s+"
    r"(\w+ed)\b",
    re.I,
)


def _done_to(question: str, question_terms: tuple[str, ...]) -> str | None:
    """The deed a "how many" question counts those it was done to by: "fined" in "How many
    students were fined …"; a count of something else ("involving up to 200 students")
    does not answer it."""
    done = _HOW_MANY_DONE.search(question)
    if not done:
        return None
    return next((t for t in question_terms if t in text_terms(done[1])), None)


def _past_tense(word: str) -> bool:
    return len(word) > 4 and word.endswith("ed") and word not in STOPWORDS


def _kind_words(question: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The words naming the kind of answer: "outlet" in "Which outlet interviewed …", "storage
    density" in "What storage density does …" (up to an auxiliary, else the first word). A
    name among them narrows the kind and is left to be found: "island" in "Which Greek
    island was …", "country" in "Which Central American country has …"."""
    tokens = words(question)
    for i, token in enumerate(tokens):
        if token not in _WH:
            continue
        rest = [w for w in tokens[i + 1 :] if not {canonical(t) for t in terms(w)} & names]
        following = rest[:4]
        if following[:1] == ["of"]:  # "Which of Princess Diana's friends …": friends
            return [w for w in following[1:] if plural_noun(w)][:1]
        if not following or following[0] in STOPWORDS:
            return []
        for j, word in enumerate(following):
            if word in _AUXILIARIES:
                return following[:j]  # "Which artificial color additive was banned …"
            if word in STOPWORDS:
                break  # "Which mispronunciations of Azerbaijan's name does …": not all kind
        if (
            len(following) > 1
            and plural_noun(following[1])
            and not plural_noun(following[0])
            and not is_entity_kind(following[0])  # "Which automaker faces …"
        ):
            return following[:2]  # "Which power plants shut down …": the noun ends the kind
        return following[:1]
    return []
