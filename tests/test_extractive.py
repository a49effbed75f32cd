"""What counts as an answer and how a sentence meets a question's meaning (issue 14): names
across forms, derivations, the kind of answer asked for, statements only, reading order."""

from __future__ import annotations

import pytest

from assistant.answering.answer import REFUSAL, Citation, excerpt_around
from assistant.answering.extractive import answer_extractively
from assistant.answering.matching import read_question
from assistant.answering.scoring import score_sentences
from assistant.answering.sentences import is_statement
from tests.fakes import HashEmbeddings
from vectorstore.search.retrieval import Passage

embed = HashEmbeddings().embed_documents


def flat_idf(term: str) -> float:
    return 1.0


def passage_of(text: str, title: str = "T", article_id: str = "a1", rank: int = 1) -> Passage:
    return Passage(
        rank, 1.0 / rank, f"c{rank}", article_id, title, None, None, None, text, 0, len(text)
    )


def answer(question: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    return answer_extractively(score_sentences(question, passages, flat_idf, embed), 0.5)


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # an acronym in the question, its words spelled out in the text, and the reverse
        (
            "Is Armenia a member of the CSTO?",
            "Armenia suspended its membership in the Collective Security Treaty Organization.",
        ),
        ("Did the Collective Security Treaty Organization meet?", "The CSTO did not meet."),
        # a place and its people's adjective, regular or not
        ("Which Armenian proposals were discussed?", "Armenia's proposals were discussed."),
        ("Was Japan's plan discussed?", "The Japanese plan was discussed."),
        ("Which Greek island was hit?", "An island of Greece was hit."),
        ("Is Russia a Caucasian power?", "Russia is a power in the Caucasus."),
        ("What does the West want?", "Western countries want a pain point."),
        # a country's new name for its old one; case and diacritics folded
        ("Is Türkiye a member of NATO?", "Turkey and Greece are both NATO members."),
        ("What did Babaoğlu say?", "BABAOGLU spoke of peace."),
        # derivations sharing a stem; British and American spelling
        ("Which organisations must register?", "Organizations must register by May."),
        # a verb and its agent noun, either way round
        ("Who founded the charity?", "The charity's founder spoke first."),
        ("Who is the creator of the app?", "She created the app in 2019."),
    ],
)
def test_a_question_term_is_found_in_its_other_forms(question: str, sentence: str) -> None:
    asked = read_question(question)
    assert set(asked.terms) <= asked.found(sentence)


def test_a_word_ending_like_an_agent_noun_is_not_one() -> None:
    assert "form" not in read_question("Who formed the band?").found("The former singer left.")


def test_the_founder_a_sentence_names_answers_who_founded_it() -> None:
    text = (
        "A group of organizers, known as the Harbour Crew, backs Ortiz.\n"
        "The group's founder, Ana Lima, is a force in local politics."
    )
    _, citations = answer("Who founded the Harbour Crew?", [passage_of(text)])
    assert [c.quote for c in citations] == [
        "The group's founder, Ana Lima, is a force in local politics."
    ]


def test_a_lowercase_word_is_not_the_name_it_spells() -> None:
    asked = read_question("Did Bill Powers think the blackouts were necessary?")
    assert "power" not in asked.found("The utilities had plenty of power available.")
    # a full name's last word alone refers to it where the article spells it out
    article = "said Bill Powers, an engineer. Later Mr. Powers said more."
    assert {"bill", "power"} <= asked.found("Mr. Powers said more.", article)


# question | the kind of answer it wants | a sentence holding it | one lacking it
KINDS = """
How many meetings took place? | number | Three meetings took place. | Meetings took place.
When did Armenia join? | date | Armenia joined in 1992. | Armenia joined.
What will the drives cost? | money | They cost $300 each. | They cost 20TB.
What is the population of Georgia? | number | It has 3.7 million people. | It is big.
Who estimated the energy use? | name | Evan Sparks estimated it. | It was estimated.
Which automaker faces an inquiry? | name | Tesla faces an inquiry. | The industry faces one.
What percentage of voters are black? | share | About 60% of them are black. | Five are black.
What share of staff are on contracts? | share | Two-thirds of them are. | 67,000 of them are.
What percentage would pay, even at the cost of jobs? | share | 60% would. | They would pay $5.
When will the next summit be? | date | The next one will be on May 5. | The last was on May 5.
Where will the next summit be? | place | It will be held in Baku. | It was held in Baku.
Where is the fleet's base? | place | Its base is near Vigo. | Its base serves Lima and Ortiz.
"""


@pytest.mark.parametrize(
    ("question", "expects", "holding", "lacking"),
    [tuple(part.strip() for part in line.split("|")) for line in KINDS.strip().splitlines()],
)
def test_a_question_wants_its_kind_of_answer(
    question: str, expects: str, holding: str, lacking: str
) -> None:
    asked = read_question(question)
    assert asked.expects == expects
    assert asked.holds_answer(holding) and not asked.holds_answer(lacking)


@pytest.mark.parametrize(
    ("sentence", "counts"),
    [
        ("Two lawmakers invited him to deliver a lecture in Berlin.", False),  # counts lawmakers
        ("About 300 guests attended the lecture in Berlin.", True),  # the guests who attended
        ("The lecture drew 300 people.", True),
        ("Some 300 attended the lecture.", True),  # a number counting no noun of its own
        ("A two-hour lecture in Berlin drew them.", False),  # it counts hours
        ("Some 300-400 attended the lecture.", True),  # a range
        ("He gave the lecture on his 19th birthday.", False),  # an ordinal counts nothing
        ("People attended the lecture in 2019.", False),  # nor does a year
        ("People attended the lecture on August 6.", False),  # nor a day of the month
        ("On 6 May people attended the lecture.", False),
        ("Some 68 per cent of people attended the lecture.", False),  # a share of them
    ],
)
def test_a_number_answers_how_many_only_when_it_counts_what_is_asked(
    sentence: str, counts: bool
) -> None:
    asked = read_question("How many people attended the lecture in Berlin?")
    assert asked.holds_answer(sentence) is counts
    assert read_question("How many hours did the lecture last?").holds_answer(
        "It was a two-hour lecture."
    )


def test_a_number_counting_a_word_the_index_ignores_counts_that_word() -> None:
    sentence = "The Turkish Wikipedia has 335,000 articles, written by volunteers."
    assert read_question("How many articles does the Turkish Wikipedia have?").holds_answer(
        sentence
    )
    editors = read_question("How many volunteer editors does the Turkish Wikipedia have?")
    assert not editors.holds_answer(sentence)


def test_a_figure_among_one_group_does_not_answer_for_another() -> None:
    text = "Ortiz's support among Ohio's older voters fell to 35%."
    _, citations = answer(
        "What was Ortiz's support among Ohio's younger voters?", [passage_of(text)]
    )
    assert citations == []
    _, citations = answer("What was Ortiz's support among Ohio's older voters?", [passage_of(text)])
    assert [c.quote for c in citations] == [text]
    # the group ends at its noun: "fall" asks what happened to it
    asked = read_question("How far did support among older voters fall?")
    assert asked.group == {"older", "voter"}


def test_asked_who_did_it_a_sentence_near_in_meaning_must_still_say_the_deed() -> None:
    crew = [passage_of("The River Crew sided with Dahl.")]
    # near the question in meaning, naming the crew and someone, but not who leads it
    assert answer("Who leads the River Crew?", crew) == (REFUSAL, [])
    assert answer("Who is the chair of the River Crew?", crew) == (REFUSAL, [])  # a role
    # a question not asking who did it is still answered in other words
    assert answer("Did the River Crew back Dahl?", crew)[1]
    led = [passage_of("The River Crew is led by Dahl.")]
    assert answer("Who led the River Crew?", led)[1]
    # another verb will do where the embedding puts it near the deed
    robot = [passage_of("A Rutgers-led team has created a blood-sampling robot.")]
    assert answer("Who developed the blood-sampling robot?", robot) == (REFUSAL, [])

    def created_is_developed(texts: list[str]) -> list[list[float]]:
        return embed(["developed" if text == "created" else text for text in texts])

    candidates = score_sentences(
        "Who developed the blood-sampling robot?", robot, flat_idf, created_is_developed
    )
    assert answer_extractively(candidates, 0.5)[1]


@pytest.mark.parametrize(
    ("question", "deed"),
    [
        ("How many students were fined over the illegal party?", "fine"),
        ("How many people have been killed in the attack?", "kill"),
        ("How many people attended the lecture?", None),  # counts those who did it
    ],
)
def test_asked_how_many_a_deed_was_done_to_the_answer_says_that_deed(
    question: str, deed: str | None
) -> None:
    assert read_question(question).deed == deed
    party = [passage_of("Students held an illegal party, involving up to 200 students.")]
    assert answer("How many students were fined over the illegal party?", party) == (REFUSAL, [])


@pytest.mark.parametrize(
    ("question", "deed"),
    [
        ("Who founded the Reckoning Crew?", "found"),
        ("Who is the CEO of Alaska Airlines?", "ceo"),
        ("Who is Jo Grady?", None),  # asks what she is
        ("Whom did the Crew endorse?", None),
        ("Who interviewed Ivan Timofeev?", None),  # a framing verb: the outlet may be asked
    ],
)
def test_the_deed_or_role_a_question_asks_who_has(question: str, deed: str | None) -> None:
    assert read_question(question).deed == deed


def test_the_kind_of_answer_and_framing_words_need_not_be_found() -> None:
    asked = read_question("Which outlet interviewed Ivan Timofeev?")
    assert "outlet" in asked.kind_terms and "interview" not in asked.terms
    _, citations = answer(
        "Which outlet interviewed Ivan Timofeev?",
        [passage_of("Speaking with Alpha News, Ivan Timofeev commented on the summit.\n")],
    )
    assert citations and "Alpha News" in citations[0].quote


@pytest.mark.parametrize(
    "line",
    [
        "Is Armenia still a member of the alliance?",  # a question
        "Coronavirus: New York ramps up mass burials amid outbreak",  # a headline line
        "By Nada Tawfik, BBC News, New York",  # a byline
        "Photo: Flickr",  # a caption
        "Of course not.",  # a fragment
    ],
)
def test_only_statements_are_quoted(line: str) -> None:
    assert not is_statement(line, whole_line=True)


def test_the_headline_is_not_quoted_where_the_body_holds_the_figure() -> None:
    title = "Shares fell 2 percent on Monday"
    text = f"{title}\n\nShares of the company fell 2 percent on Monday, traders said.\n"
    _, citations = answer("How much did shares fall on Monday?", [passage_of(text, title)])
    assert [c.quote for c in citations] == [
        "Shares of the company fell 2 percent on Monday, traders said."
    ]


def test_a_statement_that_ends_in_a_question_is_quoted_up_to_it() -> None:
    text = "The European Union is not a military force, they are trying now, but when will it be?\n"
    _, citations = answer("Is the European Union a military force?", [passage_of(text)])
    assert [c.quote for c in citations] == [
        "The European Union is not a military force, they are trying now"
    ]


def test_a_name_from_the_title_or_the_sentence_before_counts() -> None:
    text = "Speaking to reporters, he was calm.\n\nThe alliance obliges Russia to intervene.\n"
    _, citations = answer(
        "Does the alliance oblige Timofeev's Russia to intervene?",
        [passage_of(text, title="Allies — Ivan Timofeev")],
    )
    assert citations and citations[0].quote == "The alliance obliges Russia to intervene."


def test_quotes_follow_article_order_and_none_is_shown_twice() -> None:
    text = (
        "Wikipedia was blocked in Turkey in 2017.\n\nThe court ruled the Wikipedia block in Turkey "
        "unconstitutional in 2019.\n"
    )
    first = passage_of(text, article_id="a1", rank=1)
    copy = passage_of(text, article_id="a2", rank=2)  # the same article syndicated
    _, citations = answer("When was the Wikipedia block in Turkey?", [copy, first])
    quotes = [c.quote for c in citations]
    assert len(quotes) == len(set(quotes))
    positions = [(c.article_id, c.start) for c in citations]
    assert positions == sorted(
        positions, key=lambda p: ([c.article_id for c in citations].index(p[0]), p[1])
    )


def test_a_near_miss_is_refused() -> None:
    text = "Ivan Timofeev directs the Russian International Affairs Council.\n"
    assert answer("How old is Ivan Timofeev?", [passage_of(text)]) == (REFUSAL, [])


def test_a_source_shows_the_passage_around_its_quote() -> None:
    text = "First sentence here.\n\nThe quoted sentence is this one. A third one follows.\n"
    source = passage_of(text)
    start = text.index("The quoted")
    citation = Citation.from_passage(
        1, source, start, start + len("The quoted sentence is this one.")
    )
    excerpt = excerpt_around(citation, [source])
    assert (
        excerpt.text
        == "First sentence here. ¶ The quoted sentence is this one. A third one follows."
    )
    assert excerpt.text[excerpt.quote_start : excerpt.quote_end] == citation.quote
    assert excerpt_around(citation, []).text == citation.quote


def test_a_sentence_going_on_about_the_best_one_is_quoted_with_it() -> None:
    text = (
        'In Georgia, the "foreign agent" law has come into effect despite protests. According to '
        "the law, organizations funded from abroad must register.\n"
    )
    _, citations = answer("What does Georgia's foreign agent law require?", [passage_of(text)])
    assert [c.quote[:20] for c in citations] == ['In Georgia, the "for', "According to the law"]


def test_the_search_leaves_out_the_words_framing_a_question() -> None:
    from assistant.answering.matching import search_text

    assert search_text("Which outlet interviewed Ivan Timofeev?") == "Which outlet Ivan Timofeev?"
    assert search_text("Who was interviewed?") == "Who was interviewed?"  # nothing left otherwise


def test_an_interview_answer_is_about_the_question_put_just_before_it() -> None:
    text = (
        "Port director Ana Lima spoke to Harbour News about Vigo.\n"
        "– How do you assess the outcome of the Vigo port summit?\n"
        "– It was a landmark event, and the port will gain from it."
    )
    _, citations = answer(
        "How does Lima assess the outcome of the Vigo port summit?", [passage_of(text)]
    )
    assert [c.quote for c in citations] == [
        "– It was a landmark event, and the port will gain from it."
    ]


def test_a_reply_takes_the_question_only_when_it_opens_the_line_after_it() -> None:
    from assistant.answering.sentences import quotable_sentences

    text = "Is the port open?\nYes, the port opens daily at six. Ships wait outside the harbour."
    found = quotable_sentences([passage_of(text)])
    assert [s.answers for s in found] == ["Is the port open?", ""]


@pytest.mark.parametrize(
    "question",
    [
        '"Are you worried about the vote in Ohio?" King asked.',  # its tag split off
        '"Are you worried about the vote in Ohio?" asked King.',  # its tag kept on
    ],
)
def test_a_reported_question_is_not_quoted_and_the_reply_after_it_answers_it(
    question: str,
) -> None:
    text = f'{question}\n\n"No, not really," Scott said. "We just take the message out."'
    _, citations = answer(
        "Is Scott worried about what will happen to the vote in Ohio?", [passage_of(text)]
    )
    assert [c.quote for c in citations] == ['"No, not really," Scott said.']
    assert not is_statement('"What is it about Joe Biden you like?" King asked Scott.')


def test_a_lowercase_question_word_the_articles_only_write_capitalised_is_a_name() -> None:
    from assistant.answering.matching import with_names_written

    texts = ["Dredging began. Critic Bo Dahl visited Vigo, where the dredging stopped."]
    asked = with_names_written(read_question("what did dahl say about dredging in vigo"), texts)
    # "Dredging" is capitalised only where it opens a sentence
    assert asked.names == {"dahl", "vigo"}
    # a name must be written as one: "Vigo", not "vigo"
    assert asked.found("Dahl stayed in Vigo") >= {"dahl", "vigo"}
    assert not asked.found("vigo") & {"vigo"}


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        # "what date" wants a calendar date; "today" is none
        ("On what date did the port close?", "The port closed today, the mayor said.", False),
        ("On what date did the port close?", "The port closed on 3 May 2021.", True),
        ("When did the port close?", "The port closed today, the mayor said.", True),
        # a date before a noun dates that thing, not what the question asks about
        ("On what date did the port close?", "It follows a 3 May 2021 ruling on the port.", False),
        (
            "When did the court rule on the port?",
            "It follows a 3 May 2021 ruling on the port.",
            True,
        ),
        ("In which year did demand peak?", "Demand reached its 2006 peak again.", True),
    ],
)
def test_a_date_answers_only_when_it_dates_what_is_asked(
    question: str, sentence: str, answers: bool
) -> None:
    assert read_question(question).holds_answer(sentence) is answers


def test_a_figure_for_another_case_does_not_answer_the_case_the_article_leaves_open() -> None:
    text = (
        "The robot drew blood from 31 volunteers.\n"
        "For volunteers whose veins were easy to access, the success rate was 97%.\n"
        "Next the team will improve success rates in patients with difficult veins."
    )
    question = "What was the success rate for patients with difficult veins?"
    assert answer(question, [passage_of(text)])[1] == []
    # with no sentence on difficult veins, the article draws no such line: the rate answers
    plain = "\n".join(text.split("\n")[:2])
    _, citations = answer("What was the robot's success rate for volunteers?", [passage_of(plain)])
    assert [c.quote for c in citations] == [text.split("\n")[1]]


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        ("What is the population of Georgia?", "Georgia has 3.7 million people.", True),
        # a figure for names joined together is theirs together
        ("What is the population of Georgia?", "Georgia and Armenia have 6.5 million.", False),
        (
            "How many troops does Georgia have?",
            "Armenia, Georgia and Iran have 9,000 troops.",
            False,
        ),
        (
            "What is the joint population of Georgia and Armenia?",
            "Georgia and Armenia have 6.5 million.",
            True,
        ),
        # only a figure: what is not a number or an amount is not joined
        ("Is Georgia a member?", "Georgia and Armenia are members.", True),
        # asked which one, a sentence speaking of that kind names it near, or does not answer
        ("Which plants shut down in May?", "In May three power plants shut down in Ohio.", False),
        ("Which plants shut down in May?", "The Moss Landing plant shut down in May.", True),
        # it says the one asked for is not named
        (
            "Which member of the board resigned?",
            "An unnamed member of the board, Lima said, resigned.",
            False,
        ),
        # a sentence not speaking of the kind may name it in any words
        ("Which country offered to take them?", "El Salvador offered to take them.", True),
        # a day of the week names nothing
        ("Which plants shut down?", "On Friday the power plants shut down.", False),
    ],
)
def test_a_figure_of_names_joined_or_a_kind_named_nowhere_near_does_not_answer(
    question: str, sentence: str, answers: bool
) -> None:
    assert read_question(question).holds_answer(sentence) is answers


def test_the_noun_a_name_was_written_with_refers_to_that_name() -> None:
    text = (
        "Version 13 adds a feature to calls. The feature only works on the Model X phone.\n"
        "The new “Gaze Fix” feature adjusts the eyes."
    )
    asked = read_question("On which phones does Gaze Fix work?")
    assert {"gaze", "fix"} <= asked.found("The feature only works on the Model X phone.", text)
    # a noun written after two names refers to neither
    two = text + " The old “Blur” feature is gone."
    assert not {"gaze", "fix"} & asked.found("The feature only works on the Model X phone.", two)


def test_asked_where_the_sentence_putting_a_place_after_the_question_word_comes_first() -> None:
    text = (
        "Researchers at institutions in The Netherlands studied a flint tool with birch tar.\n"
        "The tool was found on Zandvoort beach, which lies near the coast."
    )
    _, citations = answer("Where was the flint tool with birch tar found?", [passage_of(text)])
    assert any("Zandvoort" in c.quote for c in citations)
    asked = read_question("Where was the flint tool found?")
    assert asked.says_where("The tool was found on Zandvoort beach.")
    assert not asked.says_where("Researchers in The Netherlands found the tool.")


def test_a_surname_after_a_comma_is_the_full_name_the_article_gives() -> None:
    asked = read_question("At which university does Thomas Malone teach management?")
    article = "Thomas Malone wrote a paper. As a professor of management at MIT, Mr Malone writes."
    assert {"thoma", "malon"} <= asked.found(
        "As a professor of management at MIT, Mr Malone writes.", article
    )


def test_a_name_the_outlet_gives_counts_as_the_title_does() -> None:
    text = "I still believe we can tackle it. I am planting 34 fruit trees in my backyard."
    found = Passage(1, 1.0, "c1", "a1", "Plans", "The Atlantic", None, None, text, 0, len(text))
    _, citations = answer("How many fruit trees does the Atlantic writer plant?", [found])
    assert [c.quote for c in citations] == ["I am planting 34 fruit trees in my backyard."]


def test_a_figure_completing_the_sentence_before_is_quoted_with_it() -> None:
    text = (
        "I still believe we can tackle the climate crisis. I'm still planting fruit trees in my "
        "backyard. At last count, I have 34, one for each year of my life.\n"
    )
    _, citations = answer("How many fruit trees are in the backyard?", [passage_of(text)])
    assert [c.quote for c in citations] == [
        "I'm still planting fruit trees in my backyard.",
        "At last count, I have 34, one for each year of my life.",
    ]
    # a figure that does not lean on the sentence before says nothing of it
    text = "Voters chose Lynda Bennett as the party's candidate. Turnout was 23 percent.\n"
    answered, _ = answer("How many votes did Lynda Bennett get?", [passage_of(text)])
    assert answered == REFUSAL


def test_the_chunk_before_a_passage_gives_its_first_sentences_their_subject() -> None:
    before = "Later that day came a campaign launch by Lynda Bennett, a local activist.\n\n"
    rest = "Online records revealed her campaign website domain had been registered on Oct. 28.\n"
    whole = before + rest
    first = Passage(2, 0.5, "c1", "a1", "T", None, None, None, before, 0, len(before))
    second = Passage(1, 1.0, "c2", "a1", "T", None, None, None, rest, len(before), len(whole))
    question = "When was the domain of Lynda Bennett's campaign website registered?"
    assert answer(question, [second])[0] == REFUSAL  # "her" names nobody in it alone
    _, citations = answer(question, [second, first])
    assert [c.quote for c in citations] == [rest.strip()]


def test_asked_for_a_name_a_word_capitalised_after_a_colon_is_no_name() -> None:
    asked = read_question("What is the name of the CEO of the grid operator?")
    assert asked.expects == "name"
    article = (
        "Wind and renewable power helped. "
        "The CEO of the grid operator put it simply: Renewables help."
    )
    assert not asked.holds_answer(
        "The CEO of the grid operator put it simply: Renewables help.", article
    )
    assert asked.holds_answer("The grid operator's CEO, Elliot Mainzer, put it simply.", article)


def test_a_sentence_about_another_year_or_edition_does_not_answer() -> None:
    text = (
        "Sage, the miniature poodle, won Best in Show at the 148th Westminster dog show.\n\n"
        "In 2024 the show drew 2,500 dogs.\n"
    )
    question = "Which dog won Best in Show at the 149th Westminster dog show?"
    assert answer(question, [passage_of(text)])[0] == REFUSAL
    asked = read_question("How many dogs did the show draw in 2025?")
    assert asked.names_another_instance("In 2024 the show drew 2,500 dogs.")
    assert not asked.names_another_instance("In 2025, as in 2024, the show drew 2,500 dogs.")
    assert not asked.names_another_instance("The show drew 2,500 dogs.")


def test_a_name_among_the_kind_of_answer_asked_for_must_be_found() -> None:
    text = "A magnitude 5.2 earthquake struck Wednesday southeast of the island of Guam.\n"
    question = "Which Greek island was hit by a magnitude 5.2 earthquake?"
    assert "greek" in read_question(question).names - read_question(question).kind_terms
    assert answer(question, [passage_of(text)])[0] == REFUSAL
    # the kind is the word after the names that narrow it
    asked = read_question("Which Central American country has offered to house inmates?")
    assert asked.kind_terms == {"countri"} and asked.expects == "name"


def test_asked_who_someone_is_the_sentence_saying_it_comes_first() -> None:
    text = (
        "As the most recent example, Kalugin cited the call by Kaja Kallas.\n\n"
        "Moscow's goal is stability, as stated by Mikhail Kalugin, Director of the Fourth "
        "Department of the CIS Countries, to RIA Novosti.\n"
    )
    _, citations = answer("Who is Kalugin?", [passage_of(text)])
    assert any("Director of the Fourth" in c.quote for c in citations)
    asked = read_question("Who is Ana Lima?")
    assert asked.describes_named("Ana Lima is a port director.")
    assert asked.describes_named("Lima, who heads the port, spoke.")
    assert not asked.describes_named("Lima, Dahl and Ortiz spoke.")
    # a title ending like "or" is no list: "Director of …"
    assert asked.describes_named("So said Ana Lima, Director of the port, on Monday.")
    assert not read_question("Who is the port director?").describes_named("Lima, the director.")


def test_a_clause_setting_the_scene_does_not_say_what_is_asked() -> None:
    asked = read_question("When the talks failed, how did Lima answer the unions?")
    assert asked.expects is None  # asks how, not when
    assert read_question("When did the talks fail?").expects == "date"
    assert read_question("If the port closes, who pays the workers?").expects == "name"
    # a question that opens with "when did" asks when, whatever follows its comma
    assert read_question("When did the port open, who opened it?").expects == "date"


def test_the_reply_to_a_question_a_sentence_reports_asking_is_quoted_with_it() -> None:
    text = (
        "Lima spoke on the radio.\n"
        "We asked the board what to tell the workers who would lose their jobs. "
        "They thought that was a matter for us.\n"
    )
    _, citations = answer(
        "When Lima asked the board what to tell the workers who would lose their jobs, what "
        "did the board answer?",
        [passage_of(text)],
    )
    assert [c.quote for c in citations][-1] == "They thought that was a matter for us."


def test_asked_for_someone_by_their_role_to_another_the_answer_says_the_role() -> None:
    question = "Who was Ana Lima's main rival in the election?"
    asked = read_question(question)
    assert asked.expects == "name" and asked.deed == "rival"
    text = "Ana Lima spoke in Vigo on May 3 in the run-up to the election.\n"
    assert answer(question, [passage_of(text)])[0] == REFUSAL
    text += "Her main rival in the election, Tom Baker, spoke in Lugo.\n"
    assert "Tom Baker" in answer(question, [passage_of(text)])[0]


def test_a_place_is_not_a_name_that_merely_starts_like_it() -> None:
    asked = read_question("Is Austria a member?")
    assert "austria" not in asked.found("Australian members met.")
    assert "georgia" not in read_question("Did Georgia agree?").found("George agreed.")


@pytest.mark.parametrize(
    ("question", "deed"),
    [
        ("Who is going to chair the new coalition?", "chair"),
        ("Who will lead the talks?", "lead"),
        ("Who will be the next president?", None),
    ],
)
def test_asked_who_will_do_something_the_answer_says_that_deed(
    question: str, deed: str | None
) -> None:
    assert read_question(question).deed == deed


def test_what_someone_recalls_is_what_they_said() -> None:
    text = (
        "– What of Europe?\n"
        "– As Lima recalled, General Ortiz said that a European fleet should be built.\n"
    )
    question = "Which general does Lima recall calling for a European fleet?"
    assert "recal" not in read_question(question).terms  # frames the question like "say"
    assert "Ortiz" in answer(question, [passage_of(text)])[0]


def test_a_price_word_inside_an_adjective_asks_no_price() -> None:
    assert read_question("What has relying on low-paid staff become?").expects is None
    assert read_question("How much did the low-cost flights cost?").expects == "money"


def test_a_sentence_ending_in_a_danda_or_a_cjk_stop_is_shown_whole() -> None:
    from assistant.answering.extractive import shown_quote

    assert shown_quote("হামলাকারীকে আটক করেছে পুলিশ।") == "হামলাকারীকে আটক করেছে পুলিশ।"
    assert shown_quote("人口は多いです。") == "人口は多いです。"
    assert shown_quote("It ran into a question") == "It ran into a question…"


@pytest.mark.parametrize(
    ("question", "deed"),
    [
        ("Which power plants shut down before the blackouts?", "shut"),
        ("Which country slapped tariffs on imports?", "slap"),
        ("Which automaker is facing a new investigation?", None),  # an auxiliary follows
        ("Which outlet interviewed Ivan Timofeev?", None),  # a word framing the question
        # the deed after the group the kind is one of
        ("Which member of the royal family asked about the baby?", "ask"),
        ("Which members of the union voted against the deal?", "vote"),
        ("Which member of the family is the oldest?", None),
        # past an auxiliary: "has … endorsed", "was banned"
        ("Which candidate has Congressman Clyburn endorsed?", "endors"),
        ("Which artificial color additive was banned from use in foods?", "ban"),
    ],
)
def test_asked_which_one_did_something_the_answer_says_that_deed(
    question: str, deed: str | None
) -> None:
    assert read_question(question).deed == deed


def test_a_place_the_question_names_as_its_people_is_no_new_name() -> None:
    asked = read_question("Which country were the Yemeni detainees transferred to?")
    assert not asked.holds_answer("The transferred detainees are from war-torn Yemen.")
    assert asked.holds_answer("The Yemeni detainees were transferred to Oman.")


def test_a_question_asking_for_names_or_money_in_so_many_words() -> None:
    assert read_question("Which plants closed, by name?").expects == "name"
    asked = read_question("How much money is Berlin spending on the project?")
    assert asked.expects == "money"
    assert not asked.holds_answer("Berlin is launching a new five-year project.")


def test_a_question_s_first_word_is_a_name_only_if_the_articles_write_it_so() -> None:
    from assistant.answering.matching import with_names_written

    text = "An estimated 6,500 staff were on zero-hours contracts, Grady said."
    asked = with_names_written(read_question("Roughly how many staff are on contracts?"), [text])
    assert not asked.names
    _, citations = answer("Roughly how many staff are on zero-hours contracts?", [passage_of(text)])
    assert [c.quote for c in citations] == [text]
    asked = with_names_written(read_question("Grady said what?"), [text])
    assert asked.names == {"gradi"}  # the stem of Grady


def test_a_name_in_the_sentence_after_does_not_complete_a_sentence_naming_none() -> None:
    text = (
        "Mr Dahl believes there have been changes in the ministry, with generals arrested. "
        "It is clear that Russia will act in Moldova and in Ukraine as well.\n"
    )
    question = "Which generals were arrested in the ministry?"
    assert answer(question, [passage_of(text)])[0] == REFUSAL


def test_a_sentence_referring_back_is_quoted_after_the_answer_it_refers_to() -> None:
    text = (
        "Saturday's peak demand, according to Mr. Marcus, reached 44,947 megawatts. "
        "But both of those amounts fell below the peak year for electricity use, 2006, when "
        "demand reached 50,270 megawatts, according to data from California ISO.\n"
    )
    question = "What was California's peak electricity demand on Saturday, in megawatts?"
    _, citations = answer(question, [passage_of(text)])
    assert [c.quote for c in citations] == [
        "Saturday's peak demand, according to Mr. Marcus, reached 44,947 megawatts.",
        "But both of those amounts fell below the peak year for electricity use, 2006, when "
        "demand reached 50,270 megawatts, according to data from California ISO.",
    ]


@pytest.mark.parametrize(
    ("question", "expects"),
    [
        ("When did Shoigu visit Baku?", "date"),
        ("Since when has Armenia been a member?", "date"),
        ("where was the summit held", "place"),
        # "when" and "where" in a clause after the question's own word ask for no date or place
        ("How did Meghan react when Oprah showed her the story?", None),
        ("What did he do where the fire started?", None),
        # what a thing is called asks for its name
        ("What was the area where the flint was found called back in Neanderthal times?", "name"),
        ("What is the new party called?", "name"),
        ("What happened after the election was called in Georgia?", None),
    ],
)
def test_the_kind_of_answer_is_asked_by_the_question_s_own_word(
    question: str, expects: str | None
) -> None:
    assert read_question(question).expects == expects


def test_a_first_name_in_the_question_is_found_as_the_surname_the_article_gives_it() -> None:
    intro = "Meghan spoke to Oprah Winfrey for two hours.\n\n"
    # the chunk spelling her name out is not among the passages found: the article is
    rest = "Winfrey read a story about avocados. Meghan laughed at the story about avocados.\n"
    second = Passage(
        1, 1.0, "c2", "a1", "T", None, None, None, rest, len(intro), len(intro) + len(rest)
    )
    question = "What story about avocados did Oprah read?"
    candidates = score_sentences(question, [second], flat_idf, embed, lambda _: intro + rest)
    read = next(
        c for c in candidates if c.passage.text[c.start - c.passage.start :].startswith("Winfrey")
    )
    assert "oprah" in read.holds
    # without the article that spells her name out, "Winfrey" is someone else
    candidates = score_sentences(question, [second], flat_idf, embed)
    read = next(
        c for c in candidates if c.passage.text[c.start - c.passage.start :].startswith("Winfrey")
    )
    assert "oprah" not in read.holds


def test_how_long_asks_for_a_duration_not_for_the_word_long() -> None:
    question = "For how long did the US support Ukraine before handing it a large bill?"
    assert "long" not in read_question(question).terms
    text = "The US supported Ukraine for 3 years, and now they have presented a bill."
    _, citations = answer(question, [passage_of(text)])
    assert [c.quote for c in citations] == [text]


def test_which_of_a_group_asks_for_one_of_it_by_name() -> None:
    asked = read_question("Which of Princess Diana's friends did Meghan turn to for support?")
    assert asked.kind_terms == {"friend"} and asked.expects == "name"
    text = "Meghan reached out to an unnamed friend of Harry's mother, Princess Diana."
    answered = answer("Which of Princess Diana's friends did Meghan turn to?", [passage_of(text)])
    assert answered == (REFUSAL, [])  # the friend is not named
