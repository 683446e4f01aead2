"""CQL `=~` matches in bounded time whatever the pattern (issue 12), and gives
the same answer as Python's `re.fullmatch` wherever `re` finishes."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ecsprep.sim.cql import CqlSyntaxError, Facts, parse
from ecsprep.sim.cql.pattern import Pattern

# Patterns that take Python's backtracking `re` from seconds to hours.
CATASTROPHIC = [
    ("(a*)*b", "a" * 30),
    ("a*a*a*a*a*a*a*b", "a" * 128),
    ("(x+x+)+y", "x" * 128),
    ("(a|aa)+$", "a" * 127 + "!"),
    ("(.*a){12}", "a" * 127 + "!"),
    ("^(([a-z])+.)+[A-Z]([a-z])+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"),
]


@pytest.mark.parametrize(("pattern", "value"), CATASTROPHIC)
def test_catastrophic_patterns_finish_at_once(pattern: str, value: str) -> None:
    expression = parse(f"attribute:v =~ '{pattern}'")
    start = time.perf_counter()
    assert expression.matches(Facts(ec2_instance_id="i-1", attributes={"v": value})) is False
    # A backtracking matcher needs about 2**127 steps on these; a generous bound keeps the
    # case from failing on a loaded machine while still telling the two apart.
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a)\1", "backreferences"),
        (r"(?=a)a", "lookahead"),
        (r"a{5000}", "a repeat of more than"),
        (r"(?:){1000000000}", "a repeat of more than"),
        (r"((a{100}){100})", "automaton states"),
    ],
)
def test_patterns_beyond_a_bounded_matcher_are_refused_with_why(pattern: str, why: str) -> None:
    with pytest.raises(CqlSyntaxError, match=re.escape(why)):
        parse(f"attribute:v =~ '{pattern}'")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("t2.*", "t2.micro", True),
        ("t2.*", "xt2.micro", False),  # the whole value (Java's Pattern.matches)
        ("(?i)M5\\..*", "m5.large", True),
        ("m[4-6]\\.(x|2x)?large", "m6.2xlarge", True),
        ("[^c].*", "c5.large", False),
        ("\\d+", "123", True),
        ("\\w+\\s\\w+", "ab cd", True),
        ("^a$", "a", True),
        ("a\\b", "a", True),
        ("", "", True),
        ("a{2,3}", "aaaa", False),
        ("a{2,}", "aaaa", True),
        ("a+?", "aaa", True),
    ],
)
def test_documented_shapes_match_as_re_does(pattern: str, value: str, expected: bool) -> None:
    assert Pattern(pattern).fullmatch(value) is expected
    assert (re.fullmatch(pattern, value) is not None) is expected


_ATOMS = st.sampled_from(["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "(a|b)", "(ab|a)", "()"])
_QUANTIFIERS = st.sampled_from(["", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?"])
_PATTERNS = st.lists(st.tuples(_ATOMS, _QUANTIFIERS).map("".join), min_size=0, max_size=6).map(
    "".join
) | st.lists(st.tuples(_ATOMS, _QUANTIFIERS).map(lambda p: f"({p[0]}{p[1]})*"), max_size=3).map(
    "".join
)


@settings(max_examples=500, deadline=None)
@given(_PATTERNS, st.text(alphabet="ab1_ ", max_size=8))
def test_same_answer_as_re(pattern: str, value: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return
    assert Pattern(pattern).fullmatch(value) is (compiled.fullmatch(value) is not None)


# Classes, anchors, categories and scoped flags too, on values with capitals, digits,
# spaces, newlines and a non-ASCII letter; Python's `re` is the oracle.
_WIDE_ATOMS = st.sampled_from(
    [
        "a",
        "A",
        "1",
        ".",
        "[a-c]",
        "[^a1]",
        "[A-Z_]",
        "[\\d ]",
        "[\\w-]",
        "[^\\W]",
        "\\D",
        "\\S",
        "\\W",
        "\\s",
        "\\b",
        "\\B",
        "^",
        "$",
        "\\A",
        "\\Z",
        "(?i:a)",
        "(?i:[a-c])",
        "(?i:[^b])",
        "(?s:.)",
        "(?m:^)",
        "(?m:$)",
        "(?a:\\w)",
        "(?a:\\b)",
        "(?-i:a)",
        "(a|B)",
        "(?:1|)",
    ]
)
_WIDE_QUANTIFIERS = st.sampled_from(["", "", "*", "+", "?", "{2}", "{0,2}", "??", "{1,}?"])
_WIDE = st.lists(st.tuples(_WIDE_ATOMS, _WIDE_QUANTIFIERS).map("".join), max_size=5).map("".join)


@settings(max_examples=800, deadline=None)
@given(_WIDE, st.text(alphabet="aAbB1_ -\né", max_size=6))
def test_classes_anchors_and_flags_match_as_re_does(pattern: str, value: str) -> None:
    # Before 3.14, Python's \B never matches an empty text (Java's and 3.14's do).
    assume(not (value == "" and "\\B" in pattern))
    try:
        compiled = re.compile(pattern)
    except re.error:
        return
    assert Pattern(pattern).fullmatch(value) is (compiled.fullmatch(value) is not None)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("(?i)[^b]", "B", False),
        ("(?i)É", "é", True),
        ("(?s).", "\n", True),
        (".", "\n", False),
        ("a$", "a\n", False),  # fullmatch: the newline is part of the value
        ("(?m)a$\\n", "a\n", True),
        ("a\\Z", "a", True),
        ("(?a)\\w", "é", False),
        ("\\w", "é", True),
        ("[^\\d]", "5", False),
        ("a\\B", "a", False),
        ("(?m)a\n^b", "a\nb", True),  # ^ after a newline, in multiline mode
        ("a\n^b", "a\nb", False),
        ("a$\n", "a\n", True),  # $ before a final newline
        ("a$\nb", "a\nb", False),  # ...only a final one
        ("(?a)é\\b", "é", False),  # \b with ASCII word characters
        ("é\\b", "é", True),
        (" a\\b", " a", True),
        ("[a-c]", "a", True),  # both ends of a range
        ("[a-c]", "c", True),
        ("(?i)ſ", "S", True),  # ignore case: a letter whose capital lowers to another
        ("(?i)ı", "I", True),
        ("(?i)[ſ]", "S", True),
        ("(?i)[ı]", "I", True),
        ("(?i)k", "\u212a", True),  # the Kelvin sign lowers to k
        ("(?i)(a)", "A", True),  # a flag set for the whole pattern holds inside groups
        ("(?s)(.)", "\n", True),
        ("(?m)a\n(^b)", "a\nb", True),
        ("(?a)(\\w)", "é", False),
        ("(ab|cd|ef)", "ab", True),  # every branch of three
        ("(ab|cd|ef)", "cd", True),
        ("(ab|cd|ef)", "ef", True),
        ("(?:){2000}", "", True),  # 2000 repeats of nothing need no state
        ("(?i)[a-c]", "B", True),  # ignore case in a class of a range
        ("(?i)[A-C]", "b", True),
        ("(?i)[^a-c]", "B", False),
    ],
)
def test_flags_and_anchors(pattern: str, value: str, expected: bool) -> None:
    assert Pattern(pattern).fullmatch(value) is expected
    assert (re.fullmatch(pattern, value) is not None) is expected


def test_non_boundary_on_an_empty_value_matches_as_in_java() -> None:
    assert Pattern("\\B").fullmatch("") is True  # Python's re before 3.14 says no


def test_a_value_seen_before_gets_the_same_answer() -> None:
    pattern = Pattern("t2\\..*")
    assert [pattern.fullmatch(v) for v in ("t2.micro", "m5.large", "t2.micro")] == [
        True,
        False,
        True,
    ]


REFUSED = "regular expression {!r} refused at column 16: "
BEYOND = (
    "can't be matched in bounded time, so the simulator doesn't accept them; "
    "write the pattern without"
)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "a{2001,}",
            "a repeat of more than 2000 can't be matched in bounded time; write a smaller count",
        ),
        (
            "a{2001}",
            "a repeat of more than 2000 can't be matched in bounded time; write a smaller count",
        ),
        (
            "a{0,2001}",
            "a repeat of more than 2000 can't be matched in bounded time; write a smaller count",
        ),
        # 2000 states in all: the match state and 1999 characters fit, 2000 characters don't
        (
            "a{2000}",
            "the pattern needs more than 2000 automaton states (large {n} repeats); "
            "write it shorter",
        ),
        ("(a)\\1", f"backreferences {BEYOND}"),
        ("a*+", f"possessive repeats {BEYOND}"),
    ],
)
def test_what_a_bounded_matcher_refuses_says_why_and_what_to_do(pattern: str, message: str) -> None:
    with pytest.raises(CqlSyntaxError) as caught:
        parse(f"attribute:v =~ '{pattern}'")
    assert caught.value.message == REFUSED.format(pattern) + message


def test_the_most_states_a_pattern_may_have() -> None:
    assert Pattern("a{1999}").fullmatch("a" * 1999)
