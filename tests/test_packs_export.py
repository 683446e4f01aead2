"""`ecsprep packs export`: the exact JSON and Anki text of a small library, and back."""

from __future__ import annotations

import json
from pathlib import Path

from ecsprep.packs.export import library_from_data, library_to_anki, library_to_data
from ecsprep.packs.model import (
    Difficulty,
    Exam,
    Library,
    Option,
    Origin,
    Pack,
    Question,
    QuestionType,
    Reference,
    Term,
    Topic,
)

TOPIC = Topic(
    id="roles",
    title="IAM roles",
    notes="Two roles.",
    summary="Task role and execution role.",
    tags=("iam",),
    refs=(Reference("https://docs.aws.amazon.com/x.html", "X"),),
    pack="mine",
)
TERM = Term(
    term="task role",
    definition="The role the containers use.",
    topic="roles",
    aliases=("container role",),
    see=("execution role",),
    try_command="ecsprep explain task role",
    pack="mine",
)
MULTI = Question(
    id="two-roles",
    topics=("roles", "iam-basics"),
    type=QuestionType.MULTIPLE,
    stem="  Which two roles\r\ndoes a task have? (Choose two.)  ",
    options=(
        Option(key="A", text="Task role", why="Its credentials reach the containers."),
        Option(key="B", text="Instance <role>", why="That is the host's."),
        Option(key="C", text="Execution role", why="The agent pulls\twith it."),
    ),
    answer=frozenset({"C", "A"}),
    explanation="Two roles:\nthe task's and the agent's.",
    difficulty=Difficulty.HARD,
    choose=2,
    terms=("task role",),
    tags=("seed", "exam style"),
    exams=(Exam.DVA, Exam.SOA),
    refs=(Reference("https://docs.aws.amazon.com/y.html"),),
    check={"scenario": "s", "options": {"A": {"expect": {"placed": 1}}}},
    pack="mine",
)
SINGLE = Question(
    id="one-role",
    topics=("roles",),
    type=QuestionType.SINGLE,
    stem="Which role pulls the image?",
    options=(
        Option(key="A", text="Execution role", why="Yes."),
        Option(key="B", text="Task role", why="No."),
    ),
    answer=frozenset({"A"}),
    explanation="The execution role.",
    pack="mine",
)
PACK = Pack(
    id="mine",
    title="My pack",
    version="3",
    description="Roles.",
    source=Path("packs/mine.yaml"),
    origin=Origin.USER,
    topics=(TOPIC,),
    glossary=(TERM,),
    questions=(MULTI, SINGLE),
)
OTHER = Pack(id="other", title="Other", version="1", source=None, origin=Origin.OPTION)
LIBRARY = Library.of((PACK, OTHER))


def test_the_json_shape_field_by_field() -> None:
    data = library_to_data(LIBRARY)
    assert data["packs"] == [
        {
            "id": "mine",
            "title": "My pack",
            "version": "3",
            "description": "Roles.",
            "origin": "user",
            "file": str(Path("packs/mine.yaml")),
            "counts": {"topics": 1, "terms": 1, "questions": 2},
        },
        {
            "id": "other",
            "title": "Other",
            "version": "1",
            "description": "",
            "origin": "option",
            "file": None,
            "counts": {"topics": 0, "terms": 0, "questions": 0},
        },
    ]
    assert data["topics"] == [
        {
            "id": "roles",
            "title": "IAM roles",
            "summary": "Task role and execution role.",
            "tags": ["iam"],
            "notes": "Two roles.",
            "refs": [{"url": "https://docs.aws.amazon.com/x.html", "title": "X"}],
            "pack": "mine",
        }
    ]
    assert data["glossary"] == [
        {
            "term": "task role",
            "aliases": ["container role"],
            "definition": "The role the containers use.",
            "topic": "roles",
            "see": ["execution role"],
            "try": "ecsprep explain task role",
            "pack": "mine",
        }
    ]
    assert data["questions"][0] == {
        "id": "two-roles",
        "topics": ["roles", "iam-basics"],
        "type": "multiple",
        "choose": 2,
        "difficulty": "hard",
        "stem": MULTI.stem,
        "options": [
            {
                "key": "A",
                "text": "Task role",
                "explanation": "Its credentials reach the containers.",
            },
            {"key": "B", "text": "Instance <role>", "explanation": "That is the host's."},
            {"key": "C", "text": "Execution role", "explanation": "The agent pulls\twith it."},
        ],
        "answer": ["A", "C"],  # sorted
        "explanation": "Two roles:\nthe task's and the agent's.",
        "refs": [{"url": "https://docs.aws.amazon.com/y.html", "title": ""}],
        "terms": ["task role"],
        "tags": ["seed", "exam style"],
        "exams": ["dva", "soa"],
        "check": {"scenario": "s", "options": {"A": {"expect": {"placed": 1}}}},
        "pack": "mine",
    }
    assert data["questions"][1]["check"] is None
    assert (data["questions"][1]["choose"], data["questions"][1]["difficulty"]) == (1, "medium")


def test_the_json_reads_back_as_the_same_library() -> None:
    data = json.loads(json.dumps(library_to_data(LIBRARY)))
    assert library_from_data(data) == LIBRARY
    rebuilt = library_from_data(data)
    assert [p.source for p in rebuilt.packs] == [Path("packs/mine.yaml"), None]
    assert rebuilt.packs[1].questions == ()  # each pack gets its own questions back


def test_anki_notes_exactly() -> None:
    text = library_to_anki(LIBRARY)
    assert text.endswith("\n")
    assert text.splitlines() == [
        "#separator:tab",
        "#html:true",
        "#notetype:Basic",
        "#tags column:3",
        # the stem is stripped, CRLF is one line break; it says "(Choose two.)" itself
        "Which two roles<br>does a task have? (Choose two.)<br>"
        "<br>A. Task role<br>B. Instance &lt;role&gt;<br>C. Execution role"
        "\t<b>A, C</b><br><br>Two roles:<br>the task&#x27;s and the agent&#x27;s.<br>"
        "<br>A ✓: Its credentials reach the containers.<br>B: That is the host&#x27;s."
        "<br>C ✓: The agent pulls with it."
        "\troles iam-basics seed exam_style",
        "Which role pulls the image?<br><br>A. Execution role<br>B. Task role"
        "\t<b>A</b><br><br>The execution role.<br><br>A ✓: Yes.<br>B: No.\troles",
    ]


def test_a_multiple_question_without_choose_in_its_stem_gets_the_hint() -> None:
    from dataclasses import replace

    bare = replace(MULTI, stem="Which roles does a task have?")
    note = library_to_anki(Library.of((replace(PACK, questions=(bare,)),))).splitlines()[4]
    assert note.startswith("Which roles does a task have?<br><i>(Choose 2.)</i><br><br>A. ")
