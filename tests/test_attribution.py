"""Who says each sentence: reports, interviews, pronouns, surnames, on made-up texts, on the
seeds and on real news pages."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import REPO, SEEDS
from vectorstore.ingest.articles import Article, load_articles
from vectorstore.ingest.attribution import (
    INTERVIEWER,
    SpeakerSpan,
    attribute_speakers,
    decode_speakers,
    encode_speakers,
    speaker_of,
)

PAGES = REPO.parent / "shared" / "datasets" / "news-html" / "pages"


def who_says(text: str, sentence: str) -> str | None:
    """The speaker found for the sentence that begins with `sentence`."""
    start = text.index(sentence)
    return speaker_of(attribute_speakers(text), start, start + len(sentence))


def seed(article_id: str) -> str:
    (article,) = [
        a for a in load_articles([SEEDS]) if isinstance(a, Article) and a.id == article_id
    ]
    return article.text


REPORT = (
    "Budget row in Springfield\n"
    "Jane Doe, the mayor of Springfield, said the budget was balanced. "
    '"We cut nothing that matters. Every school stays open," she added. '
    "The council met on Tuesday.\n"
    "According to Tom Baker, the deficit is larger than stated. "
    "“The figures do not add up,” said Baker, an economist at the state university. "
    "He warned that taxes would rise.\n"
    "Doe disagreed: “Our accounts were audited twice.”\n"
    'Residents called the plan a "quiet cut" on the radio.\n'
    # a quotation over two paragraphs, closed by a role ("the minister")
    "Minister Lena Park spoke after the talks.\n"
    '"We will not sign this year. The terms are unfair.\n'
    '"Our farmers would pay the price," the minister said.\n'
    "Markets fell.\n"
    # "he" is the last person, not the organisation that spoke since
    "Kenneth Preston, a student, says he supports cameras in hallways. "
    "(Broward County says it is not installing face recognition.) "
    "But cameras should be a last resort, he tells the paper.\n"
    "His comments drew praise from teachers."
)


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Jane Doe, the mayor of Springfield, said", "Jane Doe"),  # NAME, appositive, said
        ('"We cut nothing that matters.', "Jane Doe"),  # a quotation closed by "she added"
        ("Every school stays open", "Jane Doe"),
        ("The council met on Tuesday.", None),  # the reporter's own words
        ("According to Tom Baker", "Tom Baker"),
        ("“The figures do not add up,” said Baker", "Tom Baker"),  # "said X", surname → full name
        ("He warned that taxes would rise.", "Tom Baker"),  # a pronoun: the last speaker
        ("Doe disagreed: “Our accounts", "Jane Doe"),  # a quotation after a colon
        ("Residents called the plan", None),  # a quoted term is nobody's speech
        ('"We will not sign', "Lena Park"),
        ('"Our farmers', "Lena Park"),
        ("Markets fell.", None),
        ("(Broward County says", "Broward County"),
        ("But cameras should be", "Kenneth Preston"),
        ("His comments drew", None),  # "comments" here is no verb of speech
    ],
)
def test_reported_speech_names_its_speaker(sentence: str, speaker: str | None) -> None:
    assert who_says(REPORT, sentence) == speaker


DASHED = (
    "Ana Lima: the port will double – INTERVIEW\n"
    "In an interview with Harbour News, port director Ana Lima explains the plan.\n"
    "– Will the port really double in size by 2030?\n"
    "– Yes. The new quay opens next year and the rail link follows.\n"
    "We have the money for both.\n"
    "– What do the unions think?\n"
    "– They support it, as long as jobs stay local."
)
QA = (
    "Rail chief on delays\n"
    "Omar Reyes spoke to The Courier about the timetable.\n"
    "Q: Why are trains late so often?\n"
    "A: Old signals. We replace them this winter.\n"
    "Q: And the fares?\n"
    "A: They stay as they are."
)
NAMED = (
    "Five questions for Mia Holm\n"
    "Mia Holm studies glaciers at the institute.\n"
    "The Courier: How fast is the ice melting?\n"
    "Mia Holm: Faster than any model predicted.\n"
    "The Courier: Can it be stopped.\n"
    "Ms Holm: Slowed, yes. Stopped, no."
)

# labels by first name, the full names given once before
FIRST_NAMES = (
    "People behind the site\n"
    "Mia Holm, an engineer, and Omar Reyes, her lead, rebuilt the site.\n"
    "How did you start?\n"
    "Mia: With a beta that we tested for a year.\n"
    "Omar: Then we rebuilt all of it.\n"
    "What came next?\n"
    "Mia: Speed, above all.\n"
)


@pytest.mark.parametrize(
    ("text", "sentence", "speaker"),
    [
        (FIRST_NAMES, "Mia: With a beta", "Mia Holm"),
        (FIRST_NAMES, "Omar: Then", "Omar Reyes"),
        (FIRST_NAMES, "Mia: Speed", "Mia Holm"),
        (DASHED, "– Will the port", INTERVIEWER),
        (DASHED, "– What do the unions think?", INTERVIEWER),
        (DASHED, "The new quay opens", "Ana Lima"),
        (DASHED, "We have the money", "Ana Lima"),  # an answer's next paragraph
        (DASHED, "– They support it", "Ana Lima"),
        (QA, "Q: Why are trains", INTERVIEWER),
        (QA, "A: Old signals.", "Omar Reyes"),
        (QA, "We replace them", "Omar Reyes"),
        (NAMED, "The Courier: How fast", INTERVIEWER),
        (NAMED, "The Courier: Can it", INTERVIEWER),  # a label, whatever the stop
        (NAMED, "Mia Holm: Faster", "Mia Holm"),
        (NAMED, "Ms Holm: Slowed", "Mia Holm"),  # a surname label
    ],
)
def test_interview_questions_are_the_interviewers_and_answers_the_interviewees(
    text: str, sentence: str, speaker: str
) -> None:
    assert who_says(text, sentence) == speaker


def test_an_article_with_a_rhetorical_question_is_no_interview() -> None:
    text = (
        "Why the bridge matters\n"
        "Who pays for the bridge? The city does, said treasurer Karl Witt.\n"
        "Is that fair? Many think not.\n"
        "The vote is in May."
    )
    assert who_says(text, "Is that fair?") is None


def test_seed_interview_never_gives_the_interviewers_question_to_the_interviewee() -> None:
    text = seed("002_f2e8a6a69dfd7595")
    question = "– What are your forecasts regarding the current state"
    assert who_says(text, question) == INTERVIEWER
    assert who_says(text, "Whether some like it or not") == "Grigory Trofimchuk"
    assert who_says(text, "– How do you assess the outcome") == INTERVIEWER
    assert who_says(text, "– This was a landmark, historic event") == "Grigory Trofimchuk"
    assert who_says(text, "Azerbaijan's Khankendi hosted") is None  # a caption between answers


def test_seed_reports_attribute_quotes_surnames_roles_and_pronouns() -> None:
    shoigu = seed("003_8e6bc3ac408dff73")
    assert who_says(shoigu, "“A wide range of issues were discussed.") == "Sergey Shoigu"
    assert who_says(shoigu, 'Miller added, "The United States') == "Matthew Miller"
    assert who_says(shoigu, "The former ambassador believes") == "Arif Mammadov"
    assert who_says(shoigu, "In his opinion, if there were") == "Arif Mammadov"
    assert who_says(shoigu, "He believes that all countries") == "Hikmat Babaoğlu"
    assert who_says(shoigu, "According to the law") is None
    kalugin = seed("001_50972318ba77ce19")
    assert who_says(kalugin, "Russia itself is a Caucasian power.") == "Mikhail Kalugin"
    assert who_says(kalugin, "According to him, these agreements") == "Mikhail Kalugin"
    # a quotation inside the quotation ("route") does not end it
    assert who_says(kalugin, "Additionally, Armenia's membership") == "Mikhail Kalugin"
    timofeev = seed("004_248f2f0668189d86")
    assert who_says(timofeev, "If you are not a NATO member") == "Ivan Timofeev"
    assert who_says(timofeev, "We are allies, and aggression") is None  # the headline


def test_speaker_spans_are_in_order_inside_the_text_and_stored_compactly() -> None:
    text = seed("003_8e6bc3ac408dff73")
    spans = attribute_speakers(text)
    assert spans and all(0 <= s.start < s.end <= len(text) for s in spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert decode_speakers(encode_speakers(spans)) == tuple(spans)
    assert decode_speakers(None) == () and decode_speakers("not json") == ()
    assert decode_speakers('[[1, "x"]]') == ()


def test_the_speaker_of_a_stretch_is_who_says_most_of_it() -> None:
    spans = [SpeakerSpan(0, 10, "A"), SpeakerSpan(10, 14, "B")]
    assert speaker_of(spans, 2, 12) == "A"
    assert speaker_of(spans, 12, 30) is None  # B says too little of it


@given(st.text(alphabet=st.sampled_from('ab “”"\n.?:–QA said he Kim Lee'), max_size=200))
def test_any_text_gets_spans_inside_it(text: str) -> None:
    for span in attribute_speakers(text):
        assert 0 <= span.start < span.end <= len(text) and span.speaker


@pytest.mark.skipif(not PAGES.is_dir(), reason=f"the real news pages are not at {PAGES}")
@pytest.mark.parametrize(
    ("page", "sentence", "speaker"),
    [
        ("economist.com.thinking.html", "The Economist: You say that groups", INTERVIEWER),
        ("economist.com.thinking.html", "Mr Malone: Groups don’t always", "Thomas Malone"),
        ("economist.com.thinking.html", "That sounds like gender equality", "Thomas Malone"),
        ("latimes.com.bloomberg.html", "“It is a big risk for Bloomberg", "Paul Begala"),
        ("latimes.com.bloomberg.html", "“He has not debated since 2009", "Paul Begala"),
        ("dw.com.colonial.html", '"This shows that the political right', "Tahir Della"),
        ("bbc.com.52241221.html", "He said the state was succeeding", "Andrew Cuomo"),
        ("bbc.com.52241221.html", '"Obviously the place we have used', "Bill de Blasio"),
        ("corkbeo.ie.level.html", 'He said: "We asked them what do we say', "Leo Varadkar"),
        ("corkbeo.ie.level.html", '"We asked is it credible', "Leo Varadkar"),
        (
            "theguardian.com.academics.html",
            "“UCEA has over recent years",
            "Universities and Colleges Employers’ Association",
        ),
    ],
)
def test_real_pages(page: str, sentence: str, speaker: str) -> None:
    (article,) = [a for a in load_articles([PAGES / page]) if isinstance(a, Article)]
    assert who_says(article.text, sentence) == speaker


@pytest.mark.parametrize(
    ("text", "sentence", "speaker"),
    [
        # a name inside the appositive is where the speaker is from
        (
            "The Harbour Authority, the body that runs the docks of Vigo, said it would act.",
            "The Harbour Authority",
            "Harbour Authority",
        ),
        ("Ana Lima, the MP for Vigo Central, said fees will rise.", "Ana Lima", "Ana Lima"),
        # an organisation is named whole, without its abbreviation
        (
            "A spokesperson for the Ports and Harbours Association (PHA) said it would act.",
            "A spokesperson",
            "Ports and Harbours Association",
        ),
        # the reporter saying that someone commented on a topic is not their speech …
        ("Ana Lima commented on the dredging plan. She said it will start soon.", "Ana Lima", None),
        # … but "she" is still her, and a quotation after the colon is hers
        (
            "Ana Lima commented on the dredging plan. She said it will start soon.",
            "She",
            "Ana Lima",
        ),
        ("Ana Lima commented on the plan: “It will start in May, not later.”", "Ana", "Ana Lima"),
        ("Ana Lima said on Monday that dredging will start.", "Ana", "Ana Lima"),
    ],
)
def test_appositives_organisations_and_reports_of_speaking(
    text: str, sentence: str, speaker: str | None
) -> None:
    assert who_says(text, sentence) == speaker


@pytest.mark.parametrize(
    ("text", "sentence", "speaker"),
    [
        # "he" is the person the sentence before opens with, when nobody speaks that sentence …
        (
            "Ana Lima spoke first. Last night Minister Tom Baker made a claim on the radio. "
            "He said the port would close.",
            "He said the port",
            "Tom Baker",
        ),
        # … but the speaker of a quoted sentence, whoever the quotation names
        (
            '"Tom Baker is wrong," Ana Lima said. He added nothing.',
            "He added",
            "Ana Lima",
        ),
        # a name after "in" is a place, one with "'s" is somebody's
        (
            "Ana Lima said little. In South Carolina the port is new. He said it works.",
            "He said it",
            "Ana Lima",
        ),
        (
            "Ana Lima said little. Then Tom Baker's aides left. He said it works.",
            "He said it",
            "Ana Lima",
        ),
        # lower-case words inside a name
        ("Mayor Bill de Blasio said the city would cope.", "Mayor Bill", "Bill de Blasio"),
        ("The tunnel will open, said Ursula von der Leyen.", "The tunnel", "Ursula von der Leyen"),
        # a paragraph that is one quotation goes on with the paragraph before
        (
            'Ana Lima spoke.\nLima said: "We will build."\n"We asked for money."',
            '"We asked',
            "Ana Lima",
        ),
        ('Ana Lima spoke.\nThe port is old.\n"We asked for money."', '"We asked', None),
        # a spokesperson for an organisation is the next "he"
        (
            "Ana Lima said no. A spokesperson for the Harbour Authority said it would act.\n"
            '"We are ready," he said.',
            '"We are ready',
            "Harbour Authority",
        ),
        # "responded" is a verb of speaking
        (
            "Tom Baker said no.\nMr Lima responded: “We are ready, as always.”",
            "Mr Lima",
            "Mr Lima",
        ),
        # a colon before a quotation names its speaker, not the sentence after it
        (
            "Tom Baker said no.\nA spokesperson for the Harbour Authority urged calm, saying: "
            "“We are ready, as always.” He added more.",
            "He added",
            "Harbour Authority",
        ),
    ],
)
def test_pronouns_continued_quotations_and_names_with_particles(
    text: str, sentence: str, speaker: str | None
) -> None:
    assert who_says(text, sentence) == speaker
