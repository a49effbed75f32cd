"""Who says each sentence of an article, when the text says so.

Reports attribute statements ("Kalugin said", "said Kalugin", "according to him", a quotation
closed by `," the diplomat added`); interviews alternate an interviewer's questions with the
interviewee's answers (dashed or "Q:"/"A:" lines, or question paragraphs in an article that
calls itself an interview). A surname, a pronoun ("he noted") or a role ("the expert
concluded") stands for the last person named as speaking, and a pronoun for the person a
sentence nobody speaks opens with ("Leo Varadkar made a strong claim on RTE. He said: …"); a
surname is given as the full name the article used first. A paragraph that is one quotation
and names no speaker goes on with the speaker of the paragraph before. Sentences the text
attributes to no one get no speaker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore.ingest.name_runs import (
    bare,
    capitalised,
    full_names,
    leading_name,
    organisation,
    organisation_name,
    person_name,
    place_of,
    trailing_name,
    without_article,
)
from vectorstore.ingest.speech import INTERVIEWER, inside, interview_roles, speech_quotes
from vectorstore.ingest.text import Span, fold, sentence_spans

_VERBS = """said says say stated states noted notes stressed stresses added adds claimed claims
    emphasized emphasizes emphasised emphasises told tells warned warns explained explains
    believes believed thinks thought argued argues concluded concludes continued continues
    acknowledged acknowledges reiterated reiterates insisted insists commented comments
    remarked remarks underlined underlines asserted asserts declared declares announced
    announces replied replies answered answers admitted admits recalled recalls wrote writes
    cited cites considers considered suggested suggests predicted predicts disclosed
    discloses urged urges observed observes agreed agrees disagreed disagrees spoke responded
    responds""".split()  # noqa: SIM905 -- a word list reads better as text
_VERB = re.compile(r"\b(?:" + "|".join(_VERBS) + r")\b")
# A verb of speaking followed by what was spoken about, not what was said ("commented on").
_TOPIC_VERBS = frozenset("commented comments remarked remarks spoke".split())  # noqa: SIM905
_TOPIC_AFTER = re.compile(r"\s+(?:on|about|upon)\b", re.I)
_SPEECH_FOLLOWS = re.compile(r"[:“\"«]|\b(?:saying|that)\b")
# An abbreviation in brackets after the name it stands for: "(UCEA)".
_ABBREVIATION = re.compile(r"^\([A-Z][A-Z.&-]+\)[,.;:]?$")
_ADVERBS = frozenset("also then has had have further again later recently once firmly".split())  # noqa: SIM905
_PRONOUNS = frozenset(("he", "she"))  # "his comments" and "her answers" say nothing
_ROLES = frozenset(
    """diplomat expert analyst minister official ambassador spokesperson spokesman spokeswoman
    president secretary politician professor deputy senator general director chairman
    researcher economist scholar lawmaker envoy source interviewee speaker mp""".split()  # noqa: SIM905
)
_ACCORDING = re.compile(r"\baccording to ([^,.;:]+)|\bin (his|her) (?:opinion|view|words)\b", re.I)
_QUOTE_MARK = re.compile(r"[\"“”«»]")
_CLOSING = " \t\"“”«»'’)"
# How far into a sentence its subject is looked for ("Last night Tanaiste Leo Varadkar").
_OPENING_WORDS = 8
_SPOKESPERSON = re.compile(
    r"\b(?:spokes(?:person|man|woman)|representative|official)s? (?:for|of|at)\b", re.I
)
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])\W*$")


@dataclass(frozen=True)
class SpeakerSpan:
    """`text[start:end]` is said by `speaker`."""

    start: int
    end: int
    speaker: str


def attribute_speakers(text: str, spans: Sequence[Span] | None = None) -> list[SpeakerSpan]:
    """Each sentence whose speaker the text names, in order (consecutive sentences of one
    speaker merged into one span)."""
    sentences = list(spans if spans is not None else sentence_spans(text))
    reader = _Reader(text, sentences)
    found: list[SpeakerSpan] = []
    for index, sentence in enumerate(sentences):
        speaker = reader.speaker(index)
        if speaker is None:
            continue
        between = text[found[-1].end : sentence.start] if found else "-"
        if found[-1:] and found[-1].speaker == speaker and not between.strip():
            found[-1] = SpeakerSpan(found[-1].start, sentence.end, speaker)
        else:
            found.append(SpeakerSpan(sentence.start, sentence.end, speaker))
    return found


def speaker_of(spans: Sequence[SpeakerSpan], start: int, end: int) -> str | None:
    """Who says most of `text[start:end]`; None when no one is named for most of it."""
    best, most = None, 0
    for span in spans:
        overlap = min(end, span.end) - max(start, span.start)
        if overlap > most:
            best, most = span.speaker, overlap
    return best if most * 2 >= end - start else None


def clipped(spans: Sequence[SpeakerSpan], start: int, end: int) -> tuple[SpeakerSpan, ...]:
    """The spans cut to `[start, end)`."""
    return tuple(
        SpeakerSpan(max(start, s.start), min(end, s.end), s.speaker)
        for s in spans
        if s.start < end and s.end > start
    )


def encode_speakers(spans: Sequence[SpeakerSpan]) -> str:
    """Compact JSON, `[[start, end, "speaker"], …]`, as stored with a chunk."""
    return json.dumps([[s.start, s.end, s.speaker] for s in spans], ensure_ascii=False)


def decode_speakers(stored: object) -> tuple[SpeakerSpan, ...]:
    """What `encode_speakers` wrote; nothing for a chunk stored without (or with damaged)
    speakers."""
    try:
        rows = json.loads(stored) if isinstance(stored, str) else []
        return tuple(SpeakerSpan(int(s), int(e), str(who)) for s, e, who in rows)
    except (ValueError, TypeError):
        return ()


class _Reader:
    """One pass over an article's sentences, remembering the last person named as speaking."""

    def __init__(self, text: str, sentences: list[Span]) -> None:
        self.text, self.sentences = text, sentences
        self.names = full_names(text)
        self.last: str | None = None
        self.previous: str | None = None  # who says the sentence before
        self.antecedent: str | None = None  # the person the sentence before opens with
        self.quotes = speech_quotes(text, sentences)
        self.quote_speakers: dict[int, str | None] = {}
        self.roles = interview_roles(text, sentences, self)

    def speaker(self, index: int) -> str | None:
        sentence = self.sentences[index]
        self.antecedent = self._opening_person(index - 1) if index else None
        quote = next((q for q in self.quotes if inside(sentence, q)), None)
        speaker = self._quoted(index, quote) if quote else None
        if speaker is None:
            role = self.roles.get(index)
            speaker = role if role else None if quote else self.reported(self._text(sentence))
        if speaker and speaker != INTERVIEWER and not self._body_only(speaker, sentence):
            self.last = speaker  # "he said" and "the expert added" mean a person
        self.previous = speaker
        return speaker

    def _body_only(self, speaker: str, sentence: Span) -> bool:
        """Whether an organisation speaks with no person named for it: "Broward County says
        …" is nobody's "he", but "a spokesperson for UCEA said …" is the next "he said"."""
        return organisation(speaker) and not _SPOKESPERSON.search(self._text(sentence))

    def _opening_person(self, index: int) -> str | None:
        """The person a sentence nobody speaks names among its first words, outside any
        quotation ("Last night Tanaiste Leo Varadkar made a strong claim …"): who "he" in
        the next sentence is. None when the sentence has a speaker: "he" is then that one."""
        if self.previous is not None:
            return None
        opening = _QUOTE_MARK.split(self._text(self.sentences[index]), maxsplit=1)[0]
        words = opening.split()[:_OPENING_WORDS]
        for start, word in enumerate(words):
            if not capitalised(word) or (start and capitalised(words[start - 1])):
                continue
            run = leading_name(words[start:])
            if place_of(words[: start + len(run)]) or _POSSESSIVE.search(run[-1]):
                continue  # "in South Caucasus", "Varadkar's advisers"
            who = self.names.get(fold(bare(run[-1])))
            if who and not organisation(who):
                return who
        return None

    def reported(self, sentence: str, topic_too: bool = False) -> str | None:
        """The speaker a sentence of reported speech names: "X said", "said X", "according
        to X"; a pronoun or role for the last speaker. "X commented on the talks" reports
        that X spoke, in the reporter's words: nobody's speech (X is the last speaker all
        the same), unless `topic_too`."""
        for verb in _VERB.finditer(sentence):
            who = self._subject(sentence[: verb.start()]) or self._after(sentence[verb.end() :])
            if who and not topic_too and _on_a_topic(sentence, verb):
                self.last = who if not organisation(who) else self.last
                continue
            if who:
                return who
        for found in _ACCORDING.finditer(sentence):
            named = (found.group(1) or "him").split()
            who = self.last if named[-1].lower() in ("him", "her") else self._who(named)
            if who:
                return who
        return None

    def _quoted(self, index: int, quote: Span) -> str | None:
        """The speaker of the quotation a sentence stands in, found once per quotation: after
        its closing mark, before its opening one, or in a sentence ending with a colon."""
        if quote.start not in self.quote_speakers:
            self.quote_speakers[quote.start] = self._quote_speaker(index, quote)
        return self.quote_speakers[quote.start]

    def _quote_speaker(self, index: int, quote: Span) -> str | None:
        line_end = self.text.find("\n", quote.end)
        after = self.text[quote.end + 1 : line_end if line_end >= 0 else len(self.text)]
        line_start = self.text.rfind("\n", 0, quote.start) + 1
        before = self.text[line_start : quote.start].rstrip()
        # "X urged students to talk, saying: “…” He added …": the colon says who speaks
        introduced = before.endswith(":") and self.reported(before, topic_too=True)
        if introduced:
            return introduced
        verb = _VERB.search(after)
        if verb and len(after[: verb.start()].split()) <= 4:
            who = self._subject(after[: verb.start()]) or self._after(after[verb.end() :])
            if who:
                return who
        if before:
            if _VERB.search(before) or _ACCORDING.search(before):
                return self.reported(before, topic_too=True)  # None if it names no one we know
            return self.last if before.endswith(":") else None
        previous = self._text(self.sentences[index - 1]) if index else ""
        if not previous.endswith(":"):
            return self._quote_goes_on(quote, after)
        return self.reported(previous, topic_too=True) or self.last

    def _quote_goes_on(self, quote: Span, after: str) -> str | None:
        """Who says a paragraph that is one quotation naming no speaker: the speaker of the
        paragraph right before it, still speaking (`Varadkar explained: "…"` then `"We asked
        for comfort …"`). An interviewer's question has no such sequel."""
        whole = not after.strip(_CLOSING)
        return self.previous if whole and self.previous != INTERVIEWER else None

    def _subject(self, before: str) -> str | None:
        """The speaker named just before a speech verb: "Kalugin", "Arif Mammadov, the former
        ambassador,", "he", "the diplomat"."""
        words = before.rstrip().rstrip(",").split()
        while words and words[-1].lower() in _ADVERBS:
            words.pop()
        if not words:
            return None
        if before.rstrip().endswith(",") or words[-1].endswith(","):
            return self._appositive(" ".join(words).rstrip(","))
        return self._who(words)

    def _appositive(self, before: str) -> str | None:
        """ "NAME, an appositive," or "…, NAME," before the verb. A name inside the
        appositive's phrase ("the Labour MP for Newcastle Central", "the entity that controls
        … of California") is where the speaker is from, not who speaks."""
        parts = [p.split() for p in before.split(",") if p.strip()]
        whole = [part for part in parts if all(map(capitalised, without_article(part)))]
        described = [part for part in parts[-2:] if not place_of(part)]
        for part in [*reversed(whole), *reversed(described)]:
            who = self._who(without_article(part) or part)
            if who:
                return who
        return None

    def _who(self, words: list[str]) -> str | None:
        last = words[-1].lower().strip(",")
        if last in _PRONOUNS:
            return self.antecedent or self.last
        if last in _ROLES and any(w.lower() == "the" for w in words[-4:]):
            return self.last
        return self.name(words)

    def _after(self, after: str) -> str | None:
        """ "said Kalugin", "stated by Mikhail Kalugin"."""
        words = after.split()
        if words and words[0].lower() == "by":
            words = words[1:]
        run = leading_name(words)
        return self.name(run) if run else None

    def name(self, words: list[str]) -> str | None:
        """The full name the trailing capitalised words stand for; None if they name no one.
        An organisation is named whole ("the University and College Union"), without the
        abbreviation in brackets after it ("(UCEA)")."""
        if len(words) > 1 and _ABBREVIATION.match(words[-1]):
            words = words[:-1]
        run = trailing_name(words)
        if not run:
            return None
        if len(run) >= 2 and organisation(bare(run[-1])):
            return " ".join(bare(w) for w in organisation_name(words))
        key = fold(bare(run[-1]))
        if key in self.names:
            return self.names[key]
        return person_name(run) if len(run) >= 2 else None

    def label(self, words: list[str]) -> str | None:
        """The speaker an interview's label names: a name, or a first name the article gives
        in full elsewhere ("Marissa:" for Marissa Halpert), when only one full name has it."""
        who = self.name(words)
        if who or len(words) != 1:
            return who
        first = fold(bare(words[0]))
        matches = {full for full in self.names.values() if fold(full.split()[0]) == first}
        return matches.pop() if len(matches) == 1 else None

    def first_full_name(self, text: str) -> str | None:
        return next(iter(full_names(text).values()), None)

    def _text(self, span: Span) -> str:
        return self.text[span.start : span.end]


def _on_a_topic(sentence: str, verb: re.Match[str]) -> bool:
    """ "X commented on the talks." but not "X commented on the talks: “…”" (a quotation)."""
    rest = sentence[verb.end() :]
    return (
        verb[0] in _TOPIC_VERBS
        and bool(_TOPIC_AFTER.match(rest))
        and not _SPEECH_FOLLOWS.search(rest)
    )
