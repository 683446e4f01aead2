"""The Cluster Query Language: parsing, meaning and error messages.

tests/cases/cql.yaml holds the behaviour table (instances + expression ->
selection or exact error text); this file runs it, checks the real-world
corpus, and fuzzes the parser with hypothesis.
"""

from __future__ import annotations

import string
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from ecsprep.errors import ExitCode, InputError
from ecsprep.sim.cql import (
    MAX_LENGTH,
    And,
    Comparison,
    CqlSyntaxError,
    Facts,
    Node,
    Not,
    Operator,
    Or,
    Subject,
    parse,
    render,
)
from ecsprep.sim.cql.nodes import ALLOWED, LISTS, PATTERNS, UNARY
from ecsprep.sim.cql.parser import MAX_DEPTH

CASES_FILE = Path(__file__).parent / "cases" / "cql.yaml"


def load_suites() -> list[dict[str, Any]]:
    suites: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return suites


def facts_of(instance: dict[str, Any]) -> Facts:
    registered = instance.get("registeredAt")
    return Facts(
        ec2_instance_id=instance["ec2InstanceId"],
        attributes=instance.get("attributes", {}),
        agent_connected=instance.get("agentConnected", True),
        agent_version=str(instance.get("agentVersion", "1.70.2")),
        registered_at=None
        if registered is None
        else datetime.fromisoformat(registered.replace("Z", "+00:00")),
        running_tasks_count=instance.get("runningTasksCount", 0),
        task_groups=frozenset(instance.get("taskGroups", [])),
    )


def case_params() -> list[Any]:
    params = []
    for number, suite in enumerate(load_suites()):
        instances = [facts_of(instance) for instance in suite["given"]]
        for case in suite["cases"]:
            params.append(pytest.param(instances, case, id=f"{number}:{case['expr']}"))
    return params


@pytest.mark.parametrize(("instances", "case"), case_params())
def test_case(instances: list[Facts], case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(CqlSyntaxError) as caught:
            parse(case["expr"])
        assert str(caught.value) == case["error"]
        return
    expression = parse(case["expr"])
    selected = [facts.ec2_instance_id for facts in instances if expression.matches(facts)]
    assert selected == case["matches"]


def test_case_file_covers_every_operator_spelling_and_subject() -> None:
    text = CASES_FILE.read_text(encoding="utf-8")
    for spelling in ["equals", "not_equals", "greater_than", "greater_than_equal", "less_than",
                     "less_than_equal", "not_exists", "!exists", "not_in", "!in", "not_matches",
                     "matches", "=~", "!~", "&&", "||"]:  # fmt: skip
        assert spelling in text, spelling
    for subject in Subject:
        assert f"{subject.value}" in text, subject


# ---- the real-world corpus (tests/corpus/cql, vendored with its SOURCES.md) -------------

CORPUS_CQL = Path(__file__).parent / "corpus" / "cql" / "expressions.txt"

REJECTED = {  # line -> why (SOURCES.md flags them: a template, a prose wrapper)
    28: "template placeholder '${GpuInstanceType}'",
    29: "'memberOf(...)' is the constraint type",
}


def test_corpus_lines_parse_or_are_rejected_as_flagged() -> None:
    lines = CORPUS_CQL.read_text().splitlines()
    assert len(lines) == 29
    for number, line in enumerate(lines, start=1):
        if number in REJECTED:
            with pytest.raises(CqlSyntaxError) as caught:
                parse(line)
            assert caught.value.message.startswith(REJECTED[number]), number
        else:
            expression = parse(line)
            assert expression.text == line
            assert parse(render(expression.root)).root == expression.root


def test_terraform_interpolation_in_a_list_is_a_template() -> None:
    # the shape of the shared corpus's unlicensed line 32, written here (not vendored)
    with pytest.raises(CqlSyntaxError) as caught:
        parse("attribute:ecs.availability-zone in [${var.zone_a},${var.zone_b}]")
    assert caught.value.message.startswith("template placeholder '${var.zone_a}'")


# ---- the API the placement engine codes against -------------------------------------------


def test_expression_keeps_its_text_and_lists_its_subjects() -> None:
    text = "attribute:stack exists and not(task:group == database) or runningTasksCount < 2"
    expression = parse(text)
    assert expression.text == text
    assert expression.subjects == frozenset({"attribute", "task:group", "runningTasksCount"})
    assert parse("agentConnected == true").subjects == frozenset({"agentConnected"})


def test_parse_builds_the_documented_tree() -> None:
    tree = parse("attribute:a == 1 or not attribute:b exists and task:group in [x, 'y z']").root
    assert tree == Or(
        (
            Comparison(Subject.ATTRIBUTE, Operator.EQUALS, ("1",), "a"),
            And(
                (
                    Not(Comparison(Subject.ATTRIBUTE, Operator.EXISTS, (), "b")),
                    Comparison(Subject.TASK_GROUP, Operator.IN, ("x", "y z")),
                )
            ),
        )
    )


def test_render_writes_symbols_for_word_aliases() -> None:
    expression = parse("attribute:a equals b and(attribute:c not_in ['d e'])")
    assert render(expression.root) == "attribute:a == b and attribute:c !in ['d e']"


def test_syntax_error_is_an_input_error_with_position() -> None:
    with pytest.raises(CqlSyntaxError) as caught:
        parse("attribute:stack == prod )")
    error = caught.value
    assert isinstance(error, InputError)
    assert error.exit_code is ExitCode.USAGE
    assert error.source == "attribute:stack == prod )"
    assert error.column == 25
    assert error.message == "unexpected ')' at column 25: there is no '(' to close"


def test_facts_protocol_is_structural() -> None:
    class Instance:  # any object with these properties works, e.g. the engine's model
        def __init__(self) -> None:
            self.attributes = {"stack": "prod"}
            self.ec2_instance_id = "i-1"
            self.agent_connected = True
            self.agent_version = "1.0.0"
            self.registered_at = None
            self.running_tasks_count = 0
            self.task_groups = ("service:web",)

    assert parse("attribute:stack == prod and task:group == service:web").matches(Instance())


def test_naive_registration_time_reads_as_utc() -> None:
    facts = Facts(ec2_instance_id="i-1", registered_at=datetime(2018, 2, 13, 0, 0, 1))
    assert parse("registeredAt > 2018-02-13T00:00:00Z").matches(facts)
    assert not parse("registeredAt > 2018-02-13T00:00:01+00:00").matches(facts)


def test_unreadable_agent_version_matches_no_comparison() -> None:
    facts = Facts(ec2_instance_id="i-1", agent_version="unknown")
    assert not parse("agentVersion < 9").matches(facts)
    assert not parse("agentVersion != 9").matches(facts)


# ---- limits ------------------------------------------------------------------------------


def padded(length: int) -> str:
    head = "attribute:stack == "
    return head + "x" * (length - len(head))


def test_expression_of_2000_characters_is_accepted() -> None:
    assert len(padded(MAX_LENGTH)) == 2000
    parse(padded(MAX_LENGTH))


def test_expression_over_2000_characters_is_refused_with_a_cut_excerpt() -> None:
    with pytest.raises(CqlSyntaxError) as caught:
        parse(padded(MAX_LENGTH + 5))
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        "expression too long at column 2001: AWS allows 2000 characters and this one has 2005"
    )
    # The last 100 characters, as the column (2001) is near the end.
    assert lines[1] == "…" + "x" * 100
    assert lines[2] == " " * 96 + "^"


def test_error_excerpt_is_cut_on_both_sides_in_the_middle() -> None:
    text = "attribute:a == b or " * 40 + "bogus == x or " + "attribute:a == b or " * 40 + "x"
    with pytest.raises(CqlSyntaxError) as caught:
        parse(text)
    line, caret = caught.value.excerpt()
    assert line.startswith("…")
    assert line.endswith("…")
    assert line[caret - 1 : caret + 4] == "bogus"


def test_attribute_name_over_128_characters_is_refused() -> None:
    parse(f"attribute:{'n' * 128} exists")
    with pytest.raises(CqlSyntaxError, match="attribute name longer than 128 characters"):
        parse(f"attribute:{'n' * 129} exists")


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    parse("(" * MAX_DEPTH + "agentConnected == true" + ")" * MAX_DEPTH)
    with pytest.raises(CqlSyntaxError, match="nested more than 50 levels") as caught:
        parse("not " * (MAX_DEPTH + 1) + "agentConnected == true")
    assert caught.value.column == 4 * MAX_DEPTH + 1


# ---- properties --------------------------------------------------------------------------

NAME = st.text(alphabet=string.ascii_letters + string.digits + "_./-", min_size=1, max_size=12)
VALUE = st.text(max_size=12).filter(
    lambda v: not ("'" in v and '"' in v) and "${" not in v and "{{" not in v
)
PATTERN = st.from_regex(r"[a-z0-9:\-]{0,6}(\.\*)?", fullmatch=True)
ARGUMENTS: dict[Subject, st.SearchStrategy[str]] = {
    Subject.AGENT_CONNECTED: st.sampled_from(["true", "false", "True"]),
    Subject.AGENT_VERSION: st.lists(st.integers(0, 300), min_size=1, max_size=4).map(
        lambda parts: ".".join(map(str, parts))
    ),
    Subject.REGISTERED_AT: st.sampled_from(
        ["2018-06-18T22:28:28+00:00", "2018-06-18T22:28:28Z", "2018-06-18T22:28:28", "2018-06-18"]
    ),
    Subject.RUNNING_TASKS_COUNT: st.integers(0, 10_000).map(str),
}


@st.composite
def comparisons(draw: st.DrawFn) -> Comparison:
    subject = draw(st.sampled_from(list(Subject)))
    operator = draw(st.sampled_from([op for op in Operator if op in ALLOWED[subject]]))
    if operator in UNARY:
        count = 0
    elif operator in LISTS:
        count = draw(st.integers(1, 3))
    else:
        count = 1
    argument = PATTERN if operator in PATTERNS else ARGUMENTS.get(subject, VALUE)
    arguments = tuple(draw(argument) for _ in range(count))
    name = draw(NAME) if subject is Subject.ATTRIBUTE else ""
    return Comparison(subject, operator, arguments, name)


def operands(children: st.SearchStrategy[Node]) -> st.SearchStrategy[tuple[Node, ...]]:
    return st.lists(children, min_size=2, max_size=3).map(tuple)


TREES: st.SearchStrategy[Node] = st.recursive(
    comparisons(),
    lambda children: st.one_of(
        children.map(Not), operands(children).map(And), operands(children).map(Or)
    ),
    max_leaves=8,
)


@given(TREES)
def test_render_then_parse_gives_the_same_tree(tree: Node) -> None:
    text = render(tree)
    assume(len(text) <= MAX_LENGTH)
    assert parse(text).root == tree


CQL_PIECES = st.sampled_from(
    ["attribute:", "ecs.instance-type", "task:group", "agentVersion", "registeredAt",
     "runningTasksCount", "agentConnected", "ec2InstanceId", " ", "==", "!=", "=~", "!~", ">",
     "<=", "in", "!in", "exists", "!exists", "not_in", "and", "or", "not", "!", "&&", "||", "(",
     ")", "[", "]", ",", "'", '"', "t2.*", "1.14.5", "2018-02-13", "${x}", "{{", "<A>", "memberOf("]
)  # fmt: skip


@given(st.one_of(st.text(max_size=40), st.lists(CQL_PIECES | st.text(max_size=2)).map("".join)))
def test_parser_raises_only_syntax_errors(text: str) -> None:
    try:
        expression = parse(text)
    except CqlSyntaxError as error:
        problem = error
    else:
        problem = None
    if problem is not None:
        assert 1 <= problem.column <= max(len(text), MAX_LENGTH + 1)
        assert str(problem).startswith(problem.message)
        return
    assert parse(render(expression.root)).root == expression.root
    expression.matches(Facts(ec2_instance_id="i-1", attributes={"ecs.instance-type": "t2.micro"}))


@pytest.mark.parametrize(
    ("subject", "operator", "arguments", "message"),
    [
        (Subject.AGENT_VERSION, "=~", ("1.*",), "operator '=~' cannot be used"),
        (Subject.ATTRIBUTE, "exists", ("x",), "'exists' takes none argument(s)"),
        (Subject.ATTRIBUTE, "==", ("a", "b"), "'==' takes one argument(s)"),
        (Subject.ATTRIBUTE, "in", (), "'in' takes one or more argument(s)"),
    ],
)
def test_a_comparison_built_by_hand_refuses_what_the_parser_would(
    subject: Subject, operator: str, arguments: tuple[str, ...], message: str
) -> None:
    """The tree keeps its own rules, for code that builds nodes without the parser."""
    from ecsprep.sim.cql.nodes import Comparison, OperandError, Operator

    with pytest.raises(OperandError) as caught:
        Comparison(subject, Operator(operator), arguments, name="a")
    assert (str(caught.value), caught.value.problem, caught.value.index) == (message, message, -1)


def test_a_bad_pattern_names_its_argument() -> None:
    from ecsprep.sim.cql.nodes import Comparison, OperandError, Operator

    with pytest.raises(OperandError) as caught:
        Comparison(Subject.ATTRIBUTE, Operator.MATCHES, ("*x",), name="a")
    assert caught.value.problem == "invalid regular expression '*x'"
    assert caught.value.detail == ": nothing to repeat"
    assert caught.value.index == 0


def test_an_attribute_name_too_long_is_pointed_at_its_129th_character() -> None:
    with pytest.raises(CqlSyntaxError) as caught:
        parse(f"attribute:{'n' * 129} exists")
    assert caught.value.column == 1 + len("attribute:") + 128
    with pytest.raises(CqlSyntaxError) as caught:
        parse(f"not attribute:{'n' * 130} exists")
    assert caught.value.column == 5 + len("attribute:") + 128


def test_parentheses_count_towards_the_nesting_limit() -> None:
    inner = "attribute:a exists"
    parse("(" * MAX_DEPTH + inner + ")" * MAX_DEPTH)
    with pytest.raises(CqlSyntaxError) as caught:
        parse("(" * (MAX_DEPTH + 1) + inner + ")" * (MAX_DEPTH + 1))
    assert (
        caught.value.message == f"expression nested more than {MAX_DEPTH} levels deep at column 51"
    )


def test_a_syntax_error_without_detail_is_the_problem_and_the_column() -> None:
    error = CqlSyntaxError("unexpected 'x'", "a x", 3)
    assert error.message == "unexpected 'x' at column 3"
    assert str(error) == "unexpected 'x' at column 3\na x\n  ^"


@pytest.mark.parametrize(
    ("length", "column", "line_start", "caret"),
    [
        (100, 100, "x", 100),  # exactly the width: shown whole
        (101, 1, "x", 1),  # cut at the end only
        (101, 101, "…", 101),  # cut at the start only: the last 100 characters
        (300, 150, "…", 52),  # cut on both sides: "…" and 50 characters before the column
        (300, 51, "x", 51),  # the window can't start before the text
        (300, 52, "…", 52),
    ],
)
def test_a_long_expression_is_cut_around_the_column(
    length: int, column: int, line_start: str, caret: int
) -> None:
    source = "x" + "".join(chr(0x4E00 + n) for n in range(length - 1))  # all different
    line, at = CqlSyntaxError("p", source, column).excerpt()
    assert line[0] == line_start
    assert at == caret
    assert line[at - 1] == source[column - 1]
    body = line.removeprefix("…").removesuffix("…")
    assert len(body) == min(length, 100)
    assert body in source
    assert line.endswith("…") is (source.find(body) + len(body) < length)


@given(st.integers(101, 400), st.data())
def test_the_excerpt_shows_the_100_characters_centred_on_the_column(
    length: int, data: st.DataObject
) -> None:
    column = data.draw(st.integers(1, length))
    source = "".join(chr(0x4E00 + n) for n in range(length))  # every character differs
    line, at = CqlSyntaxError("p", source, column).excerpt()
    body = line.removeprefix("…").removesuffix("…")
    start = source.index(body)
    # 50 characters before the column when the text allows, else as many as it has
    assert start == min(max(column - 51, 0), length - 100)
    assert len(body) == 100
    assert line.startswith("…") is (start > 0)
    assert line.endswith("…") is (start + 100 < length)
    assert line[at - 1] == source[column - 1]
