"""Speakers found at ingest reach the store, passages, citations, answers and their renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.answer import Citation
from assistant.answering.extractive import answer_extractively
from assistant.answering.generate import format_passage
from assistant.answering.scoring import score_sentences
from assistant.chat import citation_lines
from assistant.cli.app import app
from tests.fakes import HashEmbeddings
from vectorstore.ingest.attribution import INTERVIEWER, SpeakerSpan
from vectorstore.knowledge import KnowledgeBase, Layout
from vectorstore.search.retrieval import Passage

runner = CliRunner()
INTERVIEW = (
    "Ana Lima: the port will double – INTERVIEW\n"
    "In an interview with Harbour News, port director Ana Lima explains the plan.\n"
    "– Will the port double in size by 2030?\n"
    "– Yes, the port will double in size by 2030, with a new quay and a rail link.\n"
    "– And the unions?\n"
    "– They support it, as long as jobs stay local."
)


def passage(text: str, speakers: tuple[SpeakerSpan, ...], outlet: str | None = "Harbour News"):
    return Passage(
        1, 1.0, "c1", "a", "T", outlet, None, None, text, 0, len(text), None, None, speakers
    )


def spans_of(text: str, *parts: tuple[str, str]) -> tuple[SpeakerSpan, ...]:
    return tuple(SpeakerSpan(text.index(s), text.index(s) + len(s), who) for s, who in parts)


def test_stored_chunks_and_searched_passages_carry_speakers(
    fake_kb: KnowledgeBase, tmp_path: Path
) -> None:
    (tmp_path / "port.txt").write_text(INTERVIEW, encoding="utf-8")
    fake_kb.ingest([tmp_path])
    found = fake_kb.search("port double in size", k=1)[0]
    answer_start = found.start + found.text.index("– Yes")
    assert found.speaker(answer_start, answer_start + 10) == "Ana Lima"
    question_start = found.start + found.text.index("– Will")
    assert found.speaker(question_start, question_start + 10) == INTERVIEWER
    assert {"start", "end", "speaker"} <= set(found.to_dict()["speakers"][0])


def test_an_index_of_an_earlier_chunking_is_rechunked_on_the_next_ingest(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "port.txt").write_text(INTERVIEW, encoding="utf-8")
    embeddings = HashEmbeddings()
    layout = Layout(tmp_path / "kb")
    kb = KnowledgeBase.open(layout, embeddings, embeddings.model_name)  # type: ignore[arg-type]
    kb.ingest([tmp_path / "docs"])
    article = next(iter(kb.store.manifest().values()))
    # what an earlier version stored: another fingerprint, chunks without speakers
    kb.store.articles.update(ids=[article.id], metadatas=[{"chunking": "syntok:v2"}])
    report = kb.ingest([tmp_path / "docs"])
    assert report.updated == 1
    assert all(chunk.speakers for chunk in kb.store.iter_chunks())


def test_citations_show_who_said_the_quote() -> None:
    text = "Rain fell. “The port will double,” Ana Lima said."
    cited = Citation.from_passage(
        1,
        passage(text, spans_of(text, ("“The port will double,” Ana Lima said.", "Ana Lima"))),
        11,
        len(text),
    )
    assert cited.speaker == "Ana Lima" and cited.said_by == "— Ana Lima, Harbour News"
    assert Citation.from_passage(1, passage(text, ()), 0, 10).said_by == ""
    assert "— Ana Lima, Harbour News" in citation_lines([cited])[0]


def test_the_llm_prompt_says_who_speaks_in_each_passage() -> None:
    text = "– Will it double? – Yes, it will double by 2030."
    speakers = spans_of(
        text, ("– Will it double?", INTERVIEWER), ("– Yes, it will double by 2030.", "Ana Lima")
    )
    block = format_passage(1, passage(text, speakers))
    assert (
        'speakers="Interviewer from “– Will it double?”; Ana Lima from “– Yes, it will double...”"'
        in block
    )


def fake_embed(texts: list[str]) -> list[list[float]]:
    return HashEmbeddings().embed_documents(texts)


def test_what_x_said_quotes_x_not_a_question_put_to_x_nor_someone_else() -> None:
    text = (
        "– Will the port double in size by 2030? "
        "– Yes, the port will double in size by 2030. "
        "Critic Bo Dahl said the port will never double in size."
    )
    speakers = spans_of(
        text,
        ("– Will the port double in size by 2030?", INTERVIEWER),
        ("– Yes, the port will double in size by 2030.", "Ana Lima"),
        ("Critic Bo Dahl said the port will never double in size.", "Bo Dahl"),
    )
    found = passage(text, speakers)
    candidates = score_sentences(
        "What did Lima say about the port doubling in size?", [found], lambda _: 1.0, fake_embed
    )
    _, citations = answer_extractively(candidates, 0.5)
    assert citations and {c.speaker for c in citations} == {"Ana Lima"}
    # X's words on something else are not what X said about this
    candidates = score_sentences(
        "What did Lima say about harbour fees?", [found], lambda _: 1.0, fake_embed
    )
    assert "Ana Lima" not in {c.speaker for c in answer_extractively(candidates, 0.5)[1]}
    # a question about the topic, not about what someone said, is answered from every speaker
    candidates = score_sentences(
        "Will the port double in size?", [found], lambda _: 1.0, fake_embed
    )
    _, citations = answer_extractively(candidates, 0.5)
    assert "Bo Dahl" in {c.speaker for c in citations}


@pytest.fixture
def home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    return seeded_home


def test_seed_questions_about_what_someone_said_quote_them(home: Path) -> None:
    asked = "What did Timofeev say about NATO security guarantees for Armenia?"
    result = runner.invoke(app, ["ask", asked, "--no-llm", "--json"])
    citations = json.loads(result.stdout)["citations"]
    assert citations and citations[0]["speaker"] == "Ivan Timofeev"
    assert all(c["speaker"] in ("Ivan Timofeev", None) for c in citations)
    result = runner.invoke(app, ["ask", "what did shoigu say about ukraine", "--no-llm", "--json"])
    assert "Matthew Miller" not in {c["speaker"] for c in json.loads(result.stdout)["citations"]}
    shown = runner.invoke(app, ["ask", asked, "--no-llm"]).stdout
    assert "— Ivan Timofeev, Alpha News" in shown


def test_asked_what_x_said_a_sentence_naming_x_that_no_one_says_is_not_quoted() -> None:
    text = (
        "Minister Ana Lima visited the port of Vigo on Monday. "
        "“Dredging will start in May,” Lima said about the harbour dredging."
    )
    speakers = spans_of(
        text, ("“Dredging will start in May,” Lima said about the harbour dredging.", "Ana Lima")
    )
    found = passage(text, speakers)
    # her own words do not speak of Vigo; the sentence that does is not what she said
    candidates = score_sentences(
        "What did Lima say about Vigo?", [found], lambda _: 1.0, fake_embed
    )
    assert answer_extractively(candidates, 0.5)[1] == []
    candidates = score_sentences(
        "What did Lima say about the harbour dredging?", [found], lambda _: 1.0, fake_embed
    )
    assert {c.speaker for c in answer_extractively(candidates, 0.5)[1]} == {"Ana Lima"}


def test_asked_what_x_thinks_x_other_words_on_it_near_the_best_are_quoted_with_it() -> None:
    from assistant.answering.candidate import Candidate

    text = (
        "“A closure makes for a good story if you close the port,” Lima said. "
        "“This should never have closed the port.” "
        "Critic Bo Dahl said the port closure was useless."
    )
    found = passage(text, ())

    def sentence(words: str, similarity: float, **role: bool) -> Candidate:
        start = text.index(words)
        return Candidate(
            found, start, start + len(words), 0.7, similarity, topic_coverage=0.45, **role
        )

    answers = sentence(
        "“A closure makes for a good story if you close the port,” Lima said.", 0.66, by_asked=True
    )
    own = sentence("“This should never have closed the port.”", 0.58, by_asked=True)
    other = sentence("Critic Bo Dahl said the port closure was useless.", 0.6, by_other=True)
    assert answers.qualifies(0.5) and not own.qualifies(0.5)
    _, citations = answer_extractively([answers, own, other], 0.5)
    assert [c.quote for c in citations] == [
        "“A closure makes for a good story if you close the port,” Lima said.",
        "“This should never have closed the port.”",
    ]
    # alone, her words near the subject do not make an answer
    assert answer_extractively([own, other], 0.5)[1] == []


def test_asked_what_x_told_someone_the_one_told_need_not_be_named() -> None:
    text = "“My father and my brother, they are trapped,” Harry said of his family."
    found = passage(text, spans_of(text, (text, "Prince Harry")))
    candidates = score_sentences(
        "What did Prince Harry tell Oprah about his father and brother?",
        [found],
        lambda _: 1.0,
        fake_embed,
    )
    assert [c.quote for c in answer_extractively(candidates, 0.5)[1]] == [text]


def test_asked_whether_x_commented_a_report_of_x_declining_to_answers() -> None:
    quoted = "“It was very discourteous to pull out,” Miller said of Meadows."
    own = "“I am done with it,” Meadows said."
    text = (
        f"{quoted} {own} "
        "Through a spokesperson, Meadows' congressional office declined to comment for this story."
    )
    found = passage(text, spans_of(text, (quoted, "Jeff Miller"), (own, "Mark Meadows")))
    candidates = score_sentences(
        "Did Meadows' congressional office comment on the story?",
        [found],
        lambda _: 1.0,
        fake_embed,
    )
    quotes = [c.quote for c in answer_extractively(candidates, 0.5)[1]]
    assert quotes[0].startswith("Through a spokesperson")
    assert quoted not in quotes  # someone else's words are not the office's comment


def test_a_person_quoted_in_a_story_speaks_to_what_its_headline_says() -> None:
    text = "“It was very discourteous to leave everybody in a lurch,” Miller said."
    found = Passage(
        1,
        1.0,
        "c1",
        "a",
        "Meadows accused of timing his retirement",
        None,
        None,
        None,
        text,
        0,
        len(text),
        None,
        None,
        spans_of(text, (text, "Jeff Miller")),
    )
    question = "What did Jeff Miller think of the timing of Meadows' retirement?"
    candidates = score_sentences(question, [found], lambda _: 1.0, fake_embed)
    assert [c.quote for c in answer_extractively(candidates, 0.5)[1]] == [text]
    # not what he said about something the story is not about
    candidates = score_sentences(
        "What did Jeff Miller think of the harbour fees?", [found], lambda _: 1.0, fake_embed
    )
    assert answer_extractively(candidates, 0.5)[1] == []


def test_asked_what_someone_said_by_what_the_article_calls_them() -> None:
    intro = (
        "Ana Lima, the Labour MP for Vigo Central, backed the report on Monday. "
        "The report runs to 90 pages. It was written by a team of six. "
    )
    quote = "“Cheap contracts for dockers have become a business model for ports,” Lima said. "
    other = "“Dockers and ports are doing well,” said Bo Dahl, a spokesman for the dockers."
    text = intro + quote + other
    found = passage(text, spans_of(text, (quote.strip(), "Ana Lima"), (other, "Bo Dahl")))
    candidates = score_sentences(
        "According to the Vigo Central MP, what have cheap contracts become at ports?",
        [found],
        lambda _: 1.0,
        fake_embed,
    )
    # the MP's words answer, though they do not say "Vigo Central" again
    assert [c.quote for c in answer_extractively(candidates, 0.5)[1]] == [quote.strip()]
    # a spokeswoman is a spokesman's role: the question picks out Dahl, not Lima
    candidates = score_sentences(
        "What did the spokeswoman for the dockers say about ports?",
        [found],
        lambda _: 1.0,
        fake_embed,
    )
    assert {c.speaker for c in answer_extractively(candidates, 0.5)[1]} == {"Bo Dahl"}


def test_a_question_names_an_organisation_speaking_only_whole() -> None:
    from assistant.answering.asked_speakers import asked_speakers
    from assistant.answering.matching import read_question

    question = "What did the Wilson County school system say about cameras?"
    asked = read_question(question)
    assert asked_speakers(question, asked, ["Broward County"], []).names == frozenset()
    assert asked_speakers(question, asked, ["Wilson County"], []).names == {"Wilson County"}


def test_a_speaker_is_found_by_what_the_whole_article_calls_them() -> None:
    intro = "Ana Lima, the Labour MP for Vigo Central, backed the report.\n"
    quote = "“Cheap contracts for dockers have become a business model,” Lima said."
    found = passage(quote, spans_of(quote, (quote, "Ana Lima")))
    question = "According to the Vigo Central MP, what have cheap contracts become?"
    # the passage quoting her does not say who she is: alone, it does not answer …
    alone = score_sentences(question, [found], lambda _: 1.0, fake_embed)
    assert answer_extractively(alone, 0.5)[1] == []
    # … the article she is presented in does
    whole = score_sentences(question, [found], lambda _: 1.0, fake_embed, lambda _: intro + quote)
    assert [c.quote for c in answer_extractively(whole, 0.5)[1]] == [quote]


def test_a_description_matching_what_the_question_asks_about_is_not_whom_it_asks() -> None:
    from assistant.answering.asked_speakers import asked_speakers
    from assistant.answering.matching import read_question

    text = "Arif Mammadov, the former ambassador to the European Union, said little."
    found = passage(text, spans_of(text, (text, "Arif Mammadov")))

    def asked_of(question: str) -> frozenset[str]:
        return asked_speakers(question, read_question(question), ["Arif Mammadov"], [found]).names

    assert asked_of("What does Lima think of the European Union?") == frozenset()
    assert asked_of("What does he think of the European Union?") == frozenset()
    assert asked_of("What did the former ambassador to the European Union say?") == {
        "Arif Mammadov"
    }


def test_a_person_the_question_asks_about_is_not_whom_it_asks() -> None:
    from assistant.answering.asked_speakers import asked_speakers
    from assistant.answering.matching import read_question

    text = "“He has been hit before,” said Jim Rich, a former editor of the Daily News."
    found = passage(text, spans_of(text, (text, "Jim Rich")))
    people = ["Jim Rich", "Michael Bloomberg"]

    def asked_of(question: str) -> frozenset[str]:
        return asked_speakers(question, read_question(question), people, [found]).names

    # Bloomberg is what the editor's words are about; the editor is who speaks
    assert asked_of("What did the former Daily News editor find shocking about Bloomberg?") == {
        "Jim Rich"
    }
    assert asked_of("What did Bloomberg say about the editor?") == {"Michael Bloomberg"}


def test_asked_what_someone_asked_for_their_reported_request_answers() -> None:
    intro = "“Mark is held in high esteem,” said Al Ward, the chairman of the district party. "
    request = "He said he asked that the congressman refrain from endorsing anyone."
    text = intro + request
    found = passage(text, spans_of(text, (intro.strip(), "Al Ward"), (request, "Al Ward")))
    question = "What did the chairman of the district party ask of the congressman?"
    candidates = score_sentences(question, [found], lambda _: 1.0, fake_embed)
    assert request in [c.quote for c in answer_extractively(candidates, 0.5)[1]]


def test_a_name_owning_the_role_asked_is_not_who_speaks_unless_nobody_holds_the_role() -> None:
    from assistant.answering.asked_speakers import asked_speakers
    from assistant.answering.matching import read_question

    text = (
        "Wayne King, the congressman's deputy chief of staff, filed to run. "
        "“I was surprised,” said King, who resigned from Meadows' office. "
        "“I am retiring,” Mark Meadows said."
    )
    found = passage(text, spans_of(text, (text, "Wayne King")))
    people = ["Wayne King", "Mark Meadows"]

    def asked_of(question: str) -> frozenset[str]:
        return asked_speakers(question, read_question(question), people, [found]).names

    assert asked_of("What did Meadows' deputy chief of staff say about the race?") == {"Wayne King"}
    # nobody is called Meadows' congressional office: it speaks for Meadows
    assert asked_of("Did Meadows' congressional office comment on the story?") == {"Mark Meadows"}


def test_asked_what_a_person_said_whom_no_sentence_quotes_a_report_of_their_words_answers() -> None:
    question = "What did Ana Lima say about the port closure?"
    scene = "Ana Lima speaks during a debate on the port closure in Vigo."
    found = score_sentences(question, [passage(scene, ())], lambda _: 1.0, fake_embed)
    assert answer_extractively(found, 0.5)[1] == []  # a caption of her speaking says nothing
    report = "Ana Lima has described the port closure as a disgrace."
    found = score_sentences(question, [passage(report, ())], lambda _: 1.0, fake_embed)
    assert [c.quote for c in answer_extractively(found, 0.5)[1]] == [report]
