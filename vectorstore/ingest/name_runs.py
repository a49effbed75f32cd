"""Names in running text: runs of capitalised words ("Security Council Secretary Sergey
Shoigu"), the full name a surname stands for, organisations named whole ("University and
College Union"), lower-case particles inside a name ("Bill de Blasio")."""

from __future__ import annotations

import re

from vectorstore.ingest.text import STOPWORDS, fold

JOINERS = frozenset(("and", "of", "for", "&"))

# Last words of names that speak but are nobody's "he" or "she" (Broward County, City Council).
ORGANISATIONS = frozenset(
    """county council university college party union ministry department government office
    agency commission committee institute association federation company group bank court
    administration authority service police army operator news times post house senate
    congress parliament assembly""".split()  # noqa: SIM905
)

WORD = re.compile(r"[^\W\d_][\w'’.-]*")

PARTICLES = frozenset("de da di del della van von der den du dos ter bin ibn".split())  # noqa: SIM905

PREPOSITIONS = frozenset("of for in at from to with by on near".split())  # noqa: SIM905


def organisation(name: str) -> bool:
    return fold(name.split()[-1]) in ORGANISATIONS


def bare(word: str) -> str:
    return re.sub(r"['’]s$", "", word.strip(',.;:!?"“”«»()'))


def capitalised(word: str) -> bool:
    stripped = bare(word)
    return bool(stripped) and stripped[0].isupper() and fold(stripped) not in STOPWORDS


def trailing_name(words: list[str]) -> list[str]:
    run: list[str] = []
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if particle(word, run) and index and capitalised(words[index - 1]):
            run.insert(0, word)  # "Bill de Blasio"
            continue
        if not capitalised(word) or (run and word.endswith((",", ".", ":", ";"))):
            break
        run.insert(0, word)
    return run[-4:]


def particle(word: str, run: list[str]) -> bool:
    """A lower-case word inside a name, between its capitalised words ("de" in "Bill de
    Blasio", "von der" in "Ursula von der Leyen")."""
    return bool(run) and word in PARTICLES


def person_name(run: list[str]) -> str:
    """A full name from a run of capitalised words: its last two, with the particles
    between them ("Mayor Bill de Blasio" → "Bill de Blasio")."""
    capitalised = [i for i, word in enumerate(run) if word not in PARTICLES]
    return " ".join(bare(word) for word in run[capitalised[-2] if len(capitalised) > 1 else 0 :])


def without_article(words: list[str]) -> list[str]:
    return words[1:] if words and words[0].lower() in ("the", "a", "an") else words


def place_of(words: list[str]) -> bool:
    """Whether the trailing name of a phrase follows a preposition ("MP for Newcastle")."""
    run = trailing_name(words)
    before = words[: len(words) - len(run)]
    return bool(run) and bool(before) and before[-1].lower() in PREPOSITIONS


def organisation_name(words: list[str]) -> list[str]:
    """The trailing capitalised words with the joining words inside them ("University and
    College Union", "Bank of England")."""
    run: list[str] = []
    for word in reversed(words):
        joins = word.lower() in JOINERS and run
        if not (capitalised(word) or joins) or (run and word.endswith((",", ".", ":", ";"))):
            break
        run.insert(0, word)
    while run and run[0].lower() in JOINERS:
        run.pop(0)
    return run[-6:]


def leading_name(words: list[str]) -> list[str]:
    run: list[str] = []
    for index, word in enumerate(words):
        following = (w for w in words[index:] if w not in PARTICLES)
        if particle(word, run) and capitalised(next(following, "")):
            run.append(word)
            continue
        if not capitalised(word):
            break
        run.append(word)
        if word.endswith((",", ".", ":", ";")):
            break
    return run


def full_names(text: str) -> dict[str, str]:
    """Surname (folded) → the first full name ending with it ("Timofeev" → "Ivan Timofeev");
    titles before a name are left out ("Security Council Secretary Sergey Shoigu")."""
    names: dict[str, str] = {}
    for line in text.split("\n"):
        run: list[str] = []
        for word in [*line.split(), "."]:
            if particle(word, run):
                run.append(word)
                continue
            if capitalised(word) and WORD.match(bare(word)):
                run.append(bare(word))
                if not word.endswith((",", ".", ":", ";", "?", "!")):
                    continue
            while run and run[-1] in PARTICLES:
                run.pop()
            if len([w for w in run if w not in PARTICLES]) >= 2:
                names.setdefault(fold(run[-1]), person_name(run))
            run = []
    return names
