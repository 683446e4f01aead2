"""A small fixed content library for the quiz engine and quiz CLI tests.

Built in code rather than read from content/ so the tests do not change when the
shipped packs do: three topics, five single-answer questions and one "choose two".
"""

from __future__ import annotations

from ecsprep.packs.model import Library, Option, Pack, Question, QuestionType, Reference, Topic

TOPICS = ("placement-strategies", "ecr", "fargate")


def _options(*texts: str) -> tuple[Option, ...]:
    letters = "ABCDEFGH"
    return tuple(
        Option(key=letters[i], text=text, why=f"why {letters[i]}: {text}")
        for i, text in enumerate(texts)
    )


def question(
    qid: str,
    topic: str,
    answer: str = "A",
    *,
    n: int = 4,
    tags: tuple[str, ...] = (),
) -> Question:
    keys = frozenset(answer.split(","))
    multiple = len(keys) > 1
    return Question(
        id=qid,
        topics=(topic,),
        type=QuestionType.MULTIPLE if multiple else QuestionType.SINGLE,
        stem=f"Stem of {qid}?",
        options=_options(*(f"{qid} option {k}" for k in "ABCDEFGH"[:n])),
        answer=keys,
        explanation=f"Explanation of {qid}.",
        choose=len(keys),
        tags=tags,
        refs=(Reference(url=f"https://docs.aws.amazon.com/{qid}.html", title=f"Doc {qid}"),),
    )


QUESTIONS = (
    question("binpack-fewest", "placement-strategies", "A", tags=("seed",)),
    question("spread-az", "placement-strategies", "B"),
    question("ecr-login", "ecr", "C", tags=("seed",)),
    question("ecr-lifecycle", "ecr", "D"),
    question("fargate-awsvpc", "fargate", "A"),
    question("fargate-two", "fargate", "A,C", n=5),
)


def library() -> Library:
    topics = tuple(
        Topic(
            id=t,
            title=t.replace("-", " ").title(),
            notes=f"Notes on **{t}**.",
            summary=f"About {t}.",
        )
        for t in TOPICS
    )
    return Library.of(
        (Pack(id="fixture", title="Fixture", version="1", topics=topics, questions=QUESTIONS),)
    )
