"""A sentence of a retrieved passage as a possible extractive answer: where it stands, how
much of the question it holds and how near it is in meaning, and whether it qualifies."""

from __future__ import annotations

from dataclasses import dataclass

from vectorstore.search.retrieval import Passage

# Weight of term coverage against embedding similarity in a sentence's score.
COVERAGE_WEIGHT = 0.6
# Below this embedding similarity a sentence is about something else, whatever words it shares.
MIN_SIMILARITY = 0.3
# A sentence holding every name and term of the question needs less: the words say it, even
# when the embedding of a short or quoted sentence ("its agenda is non-confrontational") is far.
MIN_SIMILARITY_ALL_TERMS = 0.15
# At or above it, a sentence that names the subject answers in other words ("obliged to
# intervene" for "defend") even without the question's other terms (`says_some_of_it`).
STRONG_SIMILARITY = 0.6


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, in article offsets, with its scores."""

    passage: Passage
    start: int
    end: int
    coverage: float
    similarity: float
    name_coverage: float = 1.0
    topic_coverage: float = 1.0
    holds_answer: bool = True  # holds the kind of thing asked for (a number for "how many")
    all_terms: bool = False  # holds every name and term the question asks about
    states_names: bool = False  # the question only names (Who is Anne Gonzales?); this names all
    stated_name_coverage: float = 1.0  # names found in the sentence itself, not the ones before
    continues: bool = False  # refers back to the thing the sentences before name ("the law")
    by_asked: bool = False  # said by the person the question asks about
    by_other: bool = False  # said by someone else, when the question asks what a person said
    holds: frozenset[str] = frozenset()  # the question's terms it holds, with its context's
    states: frozenset[str] = frozenset()  # the question's terms its own words hold
    says_where: bool = False  # asked where: puts a place right after the question's word
    describes: bool = False  # asked who X is: says it ("Mikhail Kalugin, Director of …")
    other_case: bool = False  # its article speaks of the asked case elsewhere (`other_cases`)
    # asked who did something or has a role ("Who leads the Crew?", "Who is the CEO of …"),
    # it does not say that deed or role: naming the Crew and someone says nothing of who leads
    lacks_deed: bool = False
    # gives the figure or date the sentence right before it leaves out, about that sentence's
    # subject ("I'm still planting fruit trees in my backyard." "At last count, I have 34")
    completes: bool = False

    def qualifies(self, min_support: float) -> bool:
        """Names the question's subject and speaks to what is asked about it."""
        floor = MIN_SIMILARITY_ALL_TERMS if self.all_terms else MIN_SIMILARITY
        if self.states_names:
            floor = 0.0  # a quote naming its speaker is far from "Who is …?" in meaning
        return (
            self.holds_answer
            and not self.other_case
            and not self.lacks_deed
            and self.similarity >= floor
            and self.name_coverage >= min_support
            and (
                self.topic_coverage >= min_support
                or (self.similarity >= STRONG_SIMILARITY and self.says_some_of_it(min_support))
            )
        )

    def says_some_of_it(self, min_support: float) -> bool:
        """Holds some of the question's terms itself, not only through the sentences before:
        "about 25 bodies a week are interred on the island" is near "How many people are
        buried on Hart Island in total?" in meaning, but says neither Hart Island nor a total."""
        return self.topic_coverage > 0 or self.stated_name_coverage >= min_support

    @property
    def score(self) -> float:
        return COVERAGE_WEIGHT * self.coverage + (1 - COVERAGE_WEIGHT) * self.similarity


def adjacent(first: Candidate, second: Candidate) -> bool:
    """Whether two sentences stand one right after the other in one paragraph."""
    if first.passage.chunk_id != second.passage.chunk_id or first.end > second.start:
        return False
    gap = text_of(first.passage, first.end, second.start)
    return not gap.strip() and "\n" not in gap


def text_of(passage: Passage, start: int, end: int) -> str:
    return passage.text[start - passage.start : end - passage.start]
