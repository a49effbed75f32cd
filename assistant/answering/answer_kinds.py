"""The kind of thing a question asks for, and whether a text holds one: "how many" wants a
number, "what percentage" a proportion, "how much does it cost" an amount of money, "when" a
date, "what date" or "which year" a calendar date, "who" or "which outlet" a name, "where" a
place (best put right after the question's own word: "found on Zandmotor beach").

A date that stands as an adjective before a noun dates that thing ("a 26 December 2019
ruling"): it answers only a question about that thing. So does a number before a plural noun
count that thing: "two lawmakers invited him" does not say how many people attended. And a
figure among a group ("support among white voters") is answered only for that group: a
sentence about "black voters" speaks of another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from assistant.answering.named_kinds import is_entity_kind
from vectorstore.ingest.text import STOPWORDS, words

# "when" wants a date ("last week" will do); "what date", "which year" a calendar date.
Kind = Literal["number", "share", "date", "calendar", "name", "place", "money"]

_DATE_KINDS = frozenset({"year", "date", "day", "month", "time"})
_CALENDAR_KINDS = frozenset({"year", "date", "month"})
# "What percentage of …", "what share of …" want a proportion: 60%, 5.8 per cent, two-thirds.
_SHARE_KINDS = frozenset({"percentage", "percent", "proportion", "share"})
_SHARE = re.compile(
    r"\d\s?%|\bper\s?cent\b|\bpercentage points?\b|\b(?:half|a third|a quarter|a fifth|a tenth)\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine)[-\s]"
    r"(?:thirds?|quarters?|fifths?|sixths?|eighths?|tenths?)\b",
    re.I,
)
_NUMBER_KINDS = frozenset(
    """number percentage percent share rate amount price cost figure toll total size population
    age gdp budget salary income revenue""".split()  # noqa: SIM905
)
# "What is the population of …", "What was the robot's success rate …": the thing asked for.
_WHAT_IS_THE = re.compile(r"\bwhat (?:is|was|are|were|will be) the ([^?]*)", re.I)
_HOW_NUMBER = re.compile(r"\bhow (?:many|much|large|big|old|long|far|high|fast|often)\b", re.I)
# A question about what something costs wants an amount of money.
_PRICE = re.compile(  # not inside an adjective: "low-paid staff", "low-cost flights"
    r"(?<!-)\b(?:cost|costs|price|prices|priced|pay|paid|fee|fees|spend|spends|spending|spent"
    r"|worth|money)\b(?!-)",
    re.I,
)
# "at the cost of some trade deals" is no price
_AT_THE_COST = re.compile(r"\bat (?:the|a|any) cost\b", re.I)
_MONEY = re.compile(
    r"[$€£¥₽]\s?\d|\d\s?(?:[$€£¥₽]|dollars?|euros?|pounds?|rubles?|roubles?|yuan|yen|cents?"
    r"|pence|usd|eur|gbp)\b|\b(?:free of charge|for free)\b",
    re.I,
)


# "when" or "where" asks for a date or a place only as the question's own word, not in a
# clause after another ("How did Meghan react when Oprah showed her …", "What was the area
# where the flint was found called?").
def _own_question_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:(?!\b(?:what|which|who|whom|whose|how|why)\b).)*\b{word}\b", re.I)


_WHEN = _own_question_word("when")
# "What was the area called back then?": its name.
_CALLED = re.compile(
    r"^\W*what\s+(?:is|was|are|were)\b.*\b(?:called|named|known as)\b(?:\s+[\w'’-]+){0,5}\W*$",
    re.I,
)
_BY_NAME = re.compile(r"\bby name\b|\bname (?:them|it|him|her)\b", re.I)
_WHO = re.compile(r"^\W*(?:who|whom)\b", re.I)
# "Who is Anne Gonzales?" asks what a named person is; "Who is the CEO of …?" and "Who was
# Tsai Ing-wen's main opponent?" ask for one.
_WHO_IS_NAMED = re.compile(
    r"^\W*who (?:is|are|was|were)\b(?!\s+(?:the|a|an)\s+[a-z])(?![^?]*['’]s?\s+[a-z])", re.I
)
_WHERE = _own_question_word("where")
# Numbers written as words that count: "two", "hundreds".
_COUNT_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?"
    r"|thousands?|millions?|billions?"
)
_NUMBER = re.compile(rf"\d|\b(?:{_COUNT_WORDS}|trillions?|half|twice|double|triple)\b", re.I)
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)s?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
    r"\.?\s+\d|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow"
    r"|spring|summer|autumn|fall|winter|last (?:week|month|year)|next (?:week|month|year))\b",
    re.I,
)
# A calendar date: a year, or a day of a month.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_MONTH_WORD = re.compile(_MONTH, re.I)
_CALENDAR = re.compile(
    rf"\b(?:1[89]\d\d|20\d\d)s?\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}",
    re.I,
)
# A date standing as an adjective before a noun: "a 26 December 2019 ruling", "the 2020 race".
_DATE_PHRASE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{4}}|(?:1[89]|20)\d\d)"
)
_ATTRIBUTIVE_DATE = re.compile(
    rf"(?P<det>\b(?:a|an|the|its|his|her|their|this|that)\s+){_DATE_PHRASE}\s+"
    r"(?!(?:and|or|but|to|in|on|at|of|for|by|with|from|when|as|was|is|were|are|has|had|will"
    r"|would|after|before|until|since)\b)(?P<noun>[a-z][a-z-]{2,})\b",
    re.I,
)


# A word, then a place put right after it: "found on Zandmotor beach", "held in Khankendi".
_PLACED = re.compile(
    r"(?P<word>[^\W\d_][\w'’-]*)\s+(?:[a-z]+\s+){0,2}?(?:in|on|at|near|off|outside|inside)"
    r"\s+(?:the\s+)?[A-ZÀ-ÖØ-Þ]"
)


def says_where(text: str, asks_about: Callable[[str], bool]) -> bool:
    """Whether a text puts a place right after a word of the question: "The tool was found
    on Zandmotor beach" says where it was found; "researchers … in The Netherlands have
    found a tool" says where the researchers are."""
    return any(asks_about(found["word"]) for found in _PLACED.finditer(text))


# A count standing as a word of its own: "24", "1,200", "1,600-2,300", "two", "hundreds"; or
# joined to its unit, a measure: "two-hour", "5-year-old".
_COUNT = re.compile(rf"(?:\d[\d,.]*(?:[-–]\d[\d,.]*)?|{_COUNT_WORDS})(?:-[^\W\d_]+)*", re.I)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)", re.I)
_YEAR = re.compile(r"(?:1[89]|20)\d\ds?")
_EDGES = "\"'“”‘’«»()[],;:.!?"
_PERCENTAGE = re.compile(r"\S+\s+(?:per\s?cent|percent|percentage points?)\b", re.I)
# How many words after a number may say what it counts ("24 burials each day").
_COUNTED_WORDS = 3


def counts_asked(text: str, asks_about: Callable[[str], bool]) -> bool:
    """Whether some number of a text may count what a "how many" question asks about: it
    is not followed by a plural noun (a figure, a unit: "80TB", "54%", "13 member carriers"),
    or one of the words after it is the question's ("24 burials each day"). "Two lawmakers
    from the AfD invited him" counts lawmakers, not how many people attended, and a
    "two-hour lecture" hours; "68 per cent of people" is a share of them; an ordinal
    ("Wikipedia's 19th birthday"), a year ("in 2017", "the 1990s") or a day of a month ("on
    August 6") counts nothing."""
    tokens = [token.strip(_EDGES) for token in text.split()]
    for i, token in enumerate(tokens):
        if not _counting(tokens, i):
            continue
        following = tokens[i + 1 : i + 1 + _COUNTED_WORDS]
        unit = token.partition("-")[2]  # "two-hour" counts hours, whatever follows
        if _PERCENTAGE.match(" ".join([token, *following])):
            continue  # "68 per cent of people" is a share of them, not how many
        if unit[:1].isalpha():
            if asks_about(unit):
                return True
        elif following and plural_form(following[0]):
            if any(asks_about(word) for word in following):
                return True
        elif not _YEAR.fullmatch(token):
            return True
    return False


def _counting(tokens: list[str], i: int) -> bool:
    """Whether the i-th word is a number that may count: not an ordinal, nor a day of the
    month beside it."""
    token = tokens[i]
    if _ORDINAL.fullmatch(token) or not (
        _COUNT.fullmatch(token) or (token[:1].isdigit() and token[-1:].isalpha())
    ):
        return False
    beside = tokens[max(i - 1, 0) : i] + tokens[i + 1 : i + 2]
    return not (token.isdigit() and any(_MONTH_WORD.fullmatch(word) for word in beside))


def plural_noun(word: str) -> bool:
    return plural_form(word) and word not in STOPWORDS


def plural_form(word: str) -> bool:
    """A word written as a plural, stopwords too: after a number, "articles" and "reports"
    are what it counts."""
    return (
        word.isalpha()
        and word.islower()
        and len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is"))
    )


# A year or an ordinal ("the 149th show", "in 2024") picks out one instance of a thing.
_INSTANCE = re.compile(r"\b(?:\d+(?:st|nd|rd|th)|(?:1[89]|20)\d\d)\b", re.I)


def instances(text: str) -> dict[str, set[str]]:
    """The years and ordinals a text writes, by kind ("year", "ordinal"), lower-cased."""
    found: dict[str, set[str]] = {}
    for match in _INSTANCE.finditer(text):
        token = match[0].lower()
        found.setdefault("ordinal" if token[-1].isalpha() else "year", set()).add(token)
    return found


def asks_identity(question: str) -> bool:
    """Whether a question asks what a named person or thing is ("Who is Kalugin?")."""
    return bool(_WHO_IS_NAMED.match(question))


# After a name, what says what it is: an apposition ("Kalugin, Director of …", "Lima, the
# port's director"), a relative clause ("Lima, who heads …") or a copula ("Lima is a …").
_DESCRIPTION = re.compile(
    r"^(?:['’]s?)?\s*(?:,\s+(?:the\s+|a\s+|an\s+|who\s+|which\s+)?[^\W\d_]"
    r"|\s+(?:is|was)\s+(?:the|a|an)\b)"
)


# A list of names, not an apposition: "Lima, Dahl and Ortiz", "Lima, and others".
_LISTED = re.compile(r"\s*,\s+(?:(?:and|or)\b|[A-Z][\w'’.-]*\s*(?:,|\band\b|\bor\b|&))")


def describes(text: str, is_named: Callable[[str], bool]) -> bool:
    """Whether a text says what something it names is: a word `is_named` says is the asked
    name, followed by an apposition, a relative clause or "is a"."""
    for found in re.finditer(r"[^\W\d_][\w'’.-]*", text):
        if found[0][:1].isupper() and is_named(found[0]):
            after = text[found.end() :]
            if _DESCRIPTION.match(after) and not _LISTED.match(after):
                return True
    return False


def holds_kind(kind: Kind, text: str, asks_about: Callable[[str], bool]) -> bool:
    """Whether a text holds a number, a date or an amount of money, as `kind` says; a date
    counts only if it dates something `asks_about` (a word of the question) or nothing."""
    if kind == "number":
        return bool(_NUMBER.search(text))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "share":
        return bool(_SHARE.search(text))
    dates = _ATTRIBUTIVE_DATE.sub(
        lambda found: found[0] if asks_about(found["noun"]) else found["det"], text
    )
    return bool((_CALENDAR if kind == "calendar" else _DATE).search(dates))


# A clause before the question itself: "When the government asked NPHET what to tell …, how
# did the team answer?" asks how, not when.
_AUXILIARIES = "did|does|do|is|are|was|were|will|would|can|could|has|have|had|should"
_LEADING_CLAUSE = re.compile(
    r"^\W*(?:when|if|after|before|while|as|once|since|although|though|because|given)\b"
    rf"(?!\s+(?:{_AUXILIARIES})\b)[^,?]*,"
    rf"\s*(?=(?:how|what|who|whom|whose|which|where|when|why|{_AUXILIARIES})\b)",
    re.I,
)


# A question about what is still to come ("When will the next meeting take place?") and a
# sentence that speaks of something to come ("will be held", "is scheduled for", "next").
_ASKS_FUTURE = re.compile(r"\b(?:will|shall|next|upcoming|going to)\b", re.I)
_TELLS_FUTURE = re.compile(
    r"\b(?:will|shall|would|next|upcoming|forthcoming|coming|scheduled|planned|plans?|set to|due"
    r"|expected|is to|are to|going to|later this|to be held|to take place)\b|\bwon[’']t\b|'ll\b",
    re.I,
)


def asks_future(question: str) -> bool:
    return bool(_ASKS_FUTURE.search(question))


def tells_future(text: str) -> bool:
    """Whether a text speaks of something to come: a past event ("was approved at the
    meeting in Tehran in October 2023") does not say when the next one is."""
    return bool(_TELLS_FUTURE.search(text))


def main_clause(question: str) -> str:
    """The question without a clause that sets its scene before a comma: the part that says
    what kind of answer is wanted."""
    return _LEADING_CLAUSE.sub("", question, count=1)


def expected_kind(question: str, kind: list[str]) -> Kind | None:
    kind_set = set(kind)
    asked_for = _WHAT_IS_THE.search(question)
    if asked_for:  # up to "of", "for", "in": "the population of Georgia" asks for a population
        head = re.split(r"\b(?:of|for|in|on|at|by|with|from|to|among|between)\b", asked_for[1])[0]
        kind_set |= set(words(head))
    if kind_set & _SHARE_KINDS and not _HOW_NUMBER.search(question):
        return "share"  # "what percentage said …, even at the cost of trade deals?"
    if _PRICE.search(_AT_THE_COST.sub("", question)):
        return "money"
    if _HOW_NUMBER.search(question) or kind_set & _NUMBER_KINDS:
        return "number"
    if kind_set & _CALENDAR_KINDS:
        return "calendar"
    if _WHEN.search(question) or kind_set & _DATE_KINDS:
        return "date"
    if _WHO.search(question) and not _WHO_IS_NAMED.match(question):
        return (
            "name"  # "Who estimated …", "Who is the CEO of …" want a person; "Who is X?" what X is
        )
    if _WHERE.search(question):
        return "place"
    if kind_set & {"name", "names"} or _BY_NAME.search(question) or _CALLED.search(question):
        return "name"
    if kind and all(w not in STOPWORDS for w in kind) and is_entity_kind(kind[-1]):
        return "name"
    return None


# "among the state's white voters": the group a figure is asked for, up to its plural noun or
# a word that starts another part of the question.
_AMONG = re.compile(r"\bamong\s+([^?,;:.!]+)", re.I)
_GROUP_JOINERS = frozenset({"the", "of", "and", "its", "their", "his", "her"})


def asked_group(question: str) -> list[str]:
    """The lower-case words of the group a question asks a figure among ("white", "voters"
    in "support among South Carolina's white voters"); its names are matched as names."""
    found = _AMONG.search(question)
    if not found:
        return []
    group = []
    for word in found[1].split():
        word = re.sub(r"['’]s$", "", word)
        if word.lower() in STOPWORDS and word.lower() not in _GROUP_JOINERS:
            break
        if word.islower() and word not in _GROUP_JOINERS:
            group.append(word)
            if plural_noun(word):  # the group's noun ends it: "black voters" in "… voters fall"
                break
    return group


# "Who founded …", "Who is the CEO of …": the word right after "who" (and "is the") says the
# deed or the role the person asked for has.
_WHO_DEED = re.compile(
    r"^\W*who\s+(?:(?:is|was|are|were)\s+(?:the|an?)\s+)?(?P<word>[^\W\d_]+)", re.I
)


# "Who was Tsai Ing-wen's main opponent?": the role after the possessive.
_WHOSE_ROLE = re.compile(
    r"^\W*who\s+(?:is|was|are|were)\s+[^?]*?['’]s?\s+(?:(?:main|chief|top|new|former|closest)"
    r"\s+)?(?P<word>[a-z]+)",
    re.I,
)


# "Who is going to chair …", "Who will lead …": the deed is the verb after the future.
_WHO_WILL = re.compile(
    r"^\W*who\s+(?:(?:is|are|was|were)\s+going\s+to|will|would|shall)\s+(?P<word>[^\W\d_]+)",
    re.I,
)


def asked_deed(question: str) -> str | None:
    """The deed or role a question asks who has ("founded" in "Who founded the Crew?", "CEO"
    in "Who is the CEO of …?", "opponent" in "Who was Tsai's main opponent?", "chair" in "Who
    is going to chair …?"); None when no deed follows ("Who will be …", "Who is Jo Grady?"
    asks what she is)."""
    found = _WHO_DEED.match(question)
    if found and (found["word"].lower() in ("is", "was", "are", "were") or found["word"].istitle()):
        found = _WHOSE_ROLE.match(question) or found  # a name, then whose role is asked
    found = _WHO_WILL.match(question) or found
    if not found or found["word"].lower() in STOPWORDS:
        return None
    return found["word"]
