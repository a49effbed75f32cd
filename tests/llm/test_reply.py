"""A real model's reply made ready for verification: its citation habits rewritten as [n],
and the prompt it echoed back never shown as answer text."""

from __future__ import annotations

import pytest

from assistant.answering.reply import normalise_markers, prepare_reply, strip_scaffolding


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Russia holds it [1, 2].", "Russia holds it [1][2]."),
        ("Russia holds it [1,2,3].", "Russia holds it [1][2][3]."),
        ("Russia holds it [1][2].", "Russia holds it [1][2]."),
        ("Russia holds it [1][1][2].", "Russia holds it [1][2]."),
        ("Russia holds it [1, 1].", "Russia holds it [1]."),
        ("Russia holds it [1-3].", "Russia holds it [1][2][3]."),
        ("Russia holds it [2–3].", "Russia holds it [2][3]."),
        ("Russia holds it 【1】.", "Russia holds it [1]."),
        ("Russia holds it 【1, 2】.", "Russia holds it [1][2]."),
        ("Russia holds it [Passage 1].", "Russia holds it [1]."),
        ("Russia holds it [passages 1 and 2].", "Russia holds it [1][2]."),
        ("Russia holds it (Source 1).", "Russia holds it [1]."),
        ("Russia holds it (Sources 1, 3).", "Russia holds it [1][3]."),
        ("Russia holds it [Source 2].", "Russia holds it [2]."),
        ("Russia holds it [^1].", "Russia holds it [1]."),
        ("[1] Russia holds it.", "[1] Russia holds it."),
    ],
)
def test_citation_forms_that_name_passages_become_markers(written: str, normalised: str) -> None:
    assert normalise_markers(written) == normalised


@pytest.mark.parametrize(
    "ambiguous",
    [
        "The line reopened in (1) Gyumri.",  # a bare (1) is not clearly a citation
        "Ranges such as [1-40] are not passages.",
        "A backwards range [3-1] names nothing.",
        "In [2024] it reopened.",
        "Passage 1 of the treaty.",
    ],
)
def test_ambiguous_numbers_are_left_alone(ambiguous: str) -> None:
    assert normalise_markers(ambiguous) == ambiguous


def test_echoed_passage_blocks_and_labels_are_not_answer_text() -> None:
    reply = (
        "Passages:\n\n"
        '<passage n="1" article="999_fake" title="T">\nSome article text.\n</passage>\n\n'
        "Question: What does Russia claim?\n"
        "Answer: Russia claims the railway is its subsidiary's [1]."
    )
    assert strip_scaffolding(reply) == "Russia claims the railway is its subsidiary's [1]."


def test_a_reply_that_is_only_echoed_prompt_is_empty() -> None:
    cut_mid_echo = 'Passages:\n\n<passage n="1" article="001" title="T">\nThe text goes on and'
    assert strip_scaffolding(cut_mid_echo) == ""
    assert prepare_reply("</passage>\nQuestion: Who?\n") == ""


def test_a_plain_answer_is_unchanged() -> None:
    answer = "Kalugin said the concession stays with South Caucasus Railways [1].\n\nIt runs on."
    assert prepare_reply(answer) == answer
