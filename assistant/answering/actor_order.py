"""Actor order: two names a claim relates through a word of its sentence ("Kallas cited …
Kalugin") must stand the same way round around that word in the sentence, in the same voice
(a passive, "was received by", turns the order round)."""

from __future__ import annotations

from assistant.answering.reading import MONTHS, WEEKDAYS, Reading, Word, word_list

_BE = frozenset(word_list("is are was were be been being get gets got gotten"))
# Prepositions of place and time: a name after them is where or when, not who.
_SETTINGS = frozenset(
    word_list(
        "in at on during near within across throughout inside outside around over under via"
        " through since until"
    )
)
_TOWARDS, _AWAY = frozenset({"to", "into", "toward", "towards"}), frozenset({"from"})


def cast(*readings: Reading) -> frozenset[str]:
    """The names of the texts (capitalised words inside a sentence), months and weekdays
    left out; a name counts in every text, at the start of a sentence too."""
    return frozenset(
        w.term
        for reading in readings
        for w in reading.words
        if w.term and w.name and w.text not in MONTHS and w.text not in WEEKDAYS
    )


def actors(reading: Reading, names: frozenset[str]) -> dict[int, str]:
    """Who acts in a text: its names by position, leaving out places and times ("in Baku")."""
    words = reading.words
    return {
        i: w.term
        for i, w in enumerate(words)
        if w.term in names and not (i and words[i - 1].text in _SETTINGS)
    }


def actors_swapped(said: Reading, source: Reading) -> bool:
    names = cast(said, source)
    return (
        _order_swapped(said, source, names)
        or _bindings_swapped(said, source, names)
        or _directions_swapped(said, source, names)
    )


def _order_swapped(said: Reading, source: Reading, names: frozenset[str]) -> bool:
    """Two actors the claim relates through a word of the sentence ("Kallas cited …
    Kalugin") stand the other way round around that word in the sentence, in the same voice,
    and never in the claim's order."""
    placed = sorted(actors(said, names).items())
    for x, (i, first) in enumerate(placed):
        for j, second in placed[x + 1 :]:
            if first == second or said.words[i].clause != said.words[j].clause:
                continue
            region = said.words[i + 1 : j]
            linking = {w.term for w in region if w.term and w.term not in names} & source.terms
            if not linking:
                continue
            voice = _passive(region)
            same = _voices(source, names, (first, second), linking)
            reverse = _voices(source, names, (second, first), linking)
            consistent = voice in same or (not voice) in reverse
            if (voice in reverse or (not voice) in same) and not consistent:
                return True
    return False


def _voices(
    reading: Reading, names: frozenset[str], pair: tuple[str, str], linking: set[str]
) -> set[bool]:
    """The voices (passive or not) of every stretch from one actor of the pair to the other,
    in that order, that holds a linking word."""
    first, second = pair
    named = actors(reading, names)
    found = set()
    for i in (k for k, term in named.items() if term == first):
        for j in (k for k, term in named.items() if term == second and k > i):
            region = reading.words[i + 1 : j]
            if any(w.term in linking for w in region):
                found.add(_passive(region))
    return found


def _passive(region: list[Word]) -> bool:
    """A passive agent: "was received by", "met by" (not "the call by")."""
    for k, word in enumerate(region):
        if word.text == "by" and k:
            auxiliary = any(w.text in _BE for w in region[:k])
            if auxiliary or region[k - 1].text.endswith(("ed", "en")):
                return True
    return False


def _bindings_swapped(said: Reading, source: Reading, names: frozenset[str]) -> bool:
    """What the claim says of one actor, the sentence says of another actor that the claim
    names elsewhere ("Russia emphasizes the economy, while China …" for "China emphasizes
    the economy, while Russia …")."""
    claimed, sourced = _clauses(said, names), _clauses(source, names)
    everyone = {term for who, _ in claimed for term in who}
    for who, what in claimed:
        matched = [
            (len(what & said_there), there_who)
            for there_who, said_there in sourced
            if what & said_there
        ]
        if not who or not matched:
            continue
        best = max(count for count, _ in matched)
        holders = set().union(*(there for count, there in matched if count == best))
        if holders and not holders & who and holders & (everyone - who):
            return True
    return False


def _clauses(reading: Reading, names: frozenset[str]) -> list[tuple[set[str], set[str]]]:
    """Each clause's actors and its other content words."""
    named = actors(reading, names)
    clauses: dict[int, tuple[set[str], set[str]]] = {}
    for i, word in enumerate(reading.words):
        who, what = clauses.setdefault(word.clause, (set(), set()))
        if i in named:
            who.add(named[i])
        elif word.term and word.term not in names:
            what.add(word.term)
    return list(clauses.values())


def _directions_swapped(said: Reading, source: Reading, names: frozenset[str]) -> bool:
    """An actor the claim has something go to, the sentence has it come from, or the other
    way round ("came to Iran from Azerbaijan" for "came to Azerbaijan from Iran")."""
    going, coming = _directions(said, names)
    there_going, there_coming = _directions(source, names)
    turned = (going & there_coming) - there_going
    return bool(turned or (coming & there_going) - there_coming)


def _directions(reading: Reading, names: frozenset[str]) -> tuple[set[str], set[str]]:
    named = actors(reading, names)
    words = reading.words
    before = {i: words[i - 1].text for i in named if i}
    going = {named[i] for i, word in before.items() if word in _TOWARDS}
    coming = {named[i] for i, word in before.items() if word in _AWAY}
    return going, coming
