"""Whether a sentence names the kind of thing a "which" or "who" question asks for: a named
thing ("which outlet", "which country", "which member"), near where the sentence speaks of that
kind ("three power plants shut down" names none), not said to be unnamed, not a day or month."""

from __future__ import annotations

from assistant.answering.names import canonical
from vectorstore.ingest.text import is_name, terms

# Kinds of answer that are named things: "which outlet", "which company", "which country".
_ENTITY_KINDS = frozenset(
    """outlet outlets newspaper newspapers agency agencies channel company companies firm firms
    country countries city cities organization organizations organisation organisations
    party parties airline airlines carrier carriers university universities person people
    official officials minister ministers state states automaker automakers carmaker
    carmakers app apps platform platforms chain chains retailer retailers brand brands
    startup startups network networks team teams club clubs band bands island islands
    region regions province provinces capital capitals nation nations leader leaders
    politician politicians comedian comedians singer singers actor actors actress actresses
    author authors artist artists player players member members general generals senator
    senators judge judges executive executives lawmaker lawmakers director directors
    candidate candidates plant plants friend friends relative relatives cousin cousins aide
    aides adviser advisers advisor advisors colleague colleagues rival rivals""".split()  # noqa: SIM905
)


def is_entity_kind(word: str) -> bool:
    return word in _ENTITY_KINDS


# Days and months are written capitalised but name no one: "on Friday" answers no "which".
CALENDAR_NAMES = frozenset(
    terms(
        "monday tuesday wednesday thursday friday saturday sunday january february march april "
        "june july august september october november december"
    )
)
# How near a name must stand to the kind of thing asked for to name it ("the Diablo Canyon
# plant", "plants such as Moss Landing").
_NAMING_WORDS = 3
# Words saying that the one spoken of is not named: "an unnamed member of the family".
_UNNAMED = frozenset("unnamed unidentified anonymous undisclosed unknown".split())  # noqa: SIM905


def names_the_kind(text: str, kind: frozenset[str], new: set[str]) -> bool:
    """Whether a sentence names the kind of thing asked for: where it speaks of that kind
    ("three power plants shut down", "an unnamed member of the family"), a new name stands
    near it; a sentence that does not speak of the kind may name it in any words ("El Salvador
    has offered …" for "Which country has offered …")."""
    tokens = text.split()
    token_terms = [{canonical(t) for t in terms(token)} for token in tokens]
    spoken = [i for i, found in enumerate(token_terms) if found & kind]
    if not spoken:
        return True
    for i in spoken:
        if _UNNAMED & {w.lower().strip(",.") for w in tokens[max(0, i - 2) : i]}:
            continue
        near = range(max(0, i - _NAMING_WORDS), min(len(tokens), i + _NAMING_WORDS + 1))
        if any(is_name(tokens[j]) and token_terms[j] & new for j in near):
            return True
    return False
