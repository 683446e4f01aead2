"""The CQL syntax tree and what each node means on one container instance.

Nodes are frozen values. A `Comparison` reads its arguments once, when it is
built (as versions, timestamps, integers, regexes…), so evaluating it against
thousands of instances only compares values.
"""

from __future__ import annotations

import operator as ops
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ecsprep.sim.cql.facts import InstanceFacts
from ecsprep.sim.cql.literals import (
    as_utc,
    natural_key,
    read_boolean,
    read_integer,
    read_timestamp,
    read_version,
)
from ecsprep.sim.cql.pattern import Pattern, PatternError


class Subject(str, Enum):
    """What a comparison looks at; the values are the `subjects` kinds."""

    ATTRIBUTE = "attribute"
    EC2_INSTANCE_ID = "ec2InstanceId"
    AGENT_CONNECTED = "agentConnected"
    AGENT_VERSION = "agentVersion"
    REGISTERED_AT = "registeredAt"
    RUNNING_TASKS_COUNT = "runningTasksCount"
    TASK_GROUP = "task:group"


class Operator(str, Enum):
    """The twelve CQL operators; the value is the symbol used when rendering."""

    EQUALS = "=="
    NOT_EQUALS = "!="
    GREATER_THAN = ">"
    GREATER_THAN_EQUAL = ">="
    LESS_THAN = "<"
    LESS_THAN_EQUAL = "<="
    EXISTS = "exists"
    NOT_EXISTS = "!exists"
    IN = "in"
    NOT_IN = "!in"
    MATCHES = "=~"
    NOT_MATCHES = "!~"


SPELLINGS: Mapping[str, Operator] = {
    **{op.value: op for op in Operator},
    "equals": Operator.EQUALS,
    "not_equals": Operator.NOT_EQUALS,
    "greater_than": Operator.GREATER_THAN,
    "greater_than_equal": Operator.GREATER_THAN_EQUAL,
    "less_than": Operator.LESS_THAN,
    "less_than_equal": Operator.LESS_THAN_EQUAL,
    "not_exists": Operator.NOT_EXISTS,
    "not_in": Operator.NOT_IN,
    "matches": Operator.MATCHES,
    "not_matches": Operator.NOT_MATCHES,
}

UNARY = frozenset({Operator.EXISTS, Operator.NOT_EXISTS})
LISTS = frozenset({Operator.IN, Operator.NOT_IN})
PATTERNS = frozenset({Operator.MATCHES, Operator.NOT_MATCHES})
ORDERINGS: Mapping[Operator, Callable[[Any, Any], bool]] = {
    Operator.GREATER_THAN: ops.gt,
    Operator.GREATER_THAN_EQUAL: ops.ge,
    Operator.LESS_THAN: ops.lt,
    Operator.LESS_THAN_EQUAL: ops.le,
}
# A negative operator is "the subject is there, and the positive one is false"
# (AWS: `attribute:stack != prod` lists instances that have `stack`).
POSITIVE_OF: Mapping[Operator, Operator] = {
    Operator.NOT_EQUALS: Operator.EQUALS,
    Operator.NOT_IN: Operator.IN,
    Operator.NOT_MATCHES: Operator.MATCHES,
}

_TEXT_OPERATORS = frozenset(
    {Operator.EQUALS, Operator.NOT_EQUALS, Operator.IN, Operator.NOT_IN} | PATTERNS
)
_ORDERED_OPERATORS = frozenset({Operator.EQUALS, Operator.NOT_EQUALS, *ORDERINGS})

# The operators the AWS guide lists per subject; attributes list none, so all apply.
ALLOWED: Mapping[Subject, frozenset[Operator]] = {
    Subject.ATTRIBUTE: frozenset(Operator),
    Subject.EC2_INSTANCE_ID: _TEXT_OPERATORS,
    Subject.AGENT_CONNECTED: _TEXT_OPERATORS,
    Subject.AGENT_VERSION: _ORDERED_OPERATORS,
    Subject.REGISTERED_AT: _ORDERED_OPERATORS,
    Subject.RUNNING_TASKS_COUNT: _ORDERED_OPERATORS,
    Subject.TASK_GROUP: _TEXT_OPERATORS | UNARY,
}

# How an argument is read for each subject, and the example shown when it can't be.
_READERS: Mapping[Subject, tuple[Callable[[str], Any], str]] = {
    Subject.AGENT_CONNECTED: (read_boolean, "true or false"),
    Subject.AGENT_VERSION: (read_version, "a version such as 1.14.5"),
    Subject.REGISTERED_AT: (read_timestamp, "a date such as 2018-02-13 or 2018-06-18T22:28:28Z"),
    Subject.RUNNING_TASKS_COUNT: (read_integer, "a whole number such as 1"),
}


class OperandError(ValueError):
    """An argument that the subject cannot use; `index` says which one."""

    def __init__(self, problem: str, index: int, detail: str = "") -> None:
        super().__init__(problem + detail)
        self.problem = problem
        self.detail = detail
        self.index = index


@dataclass(frozen=True, slots=True)
class Comparison:
    """`subject operator [argument]`, e.g. attribute:ecs.instance-type =~ t2.*"""

    subject: Subject
    operator: Operator
    arguments: tuple[str, ...] = ()  # none for exists, one, or the list of in / !in
    name: str = ""  # the attribute name, for Subject.ATTRIBUTE only
    _operands: tuple[Any, ...] = field(init=False, repr=False, compare=False)
    _pattern: Pattern | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_operands", tuple(self._operand(i) for i in self._indexes()))
        pattern = None
        if self.operator in PATTERNS:
            pattern = _compile(self.arguments[0])
        object.__setattr__(self, "_pattern", pattern)

    def _indexes(self) -> range:
        if self.operator not in ALLOWED[self.subject]:
            raise OperandError(f"operator {self.operator.value!r} cannot be used", -1)
        wanted = (
            "none" if self.operator in UNARY else "one or more" if self.operator in LISTS else "one"
        )
        count = len(self.arguments)
        if (wanted == "none") != (count == 0) or (wanted == "one" and count != 1):
            raise OperandError(f"{self.operator.value!r} takes {wanted} argument(s)", -1)
        return range(count)

    def _operand(self, index: int) -> Any:
        text = self.arguments[index]
        if self.operator in PATTERNS:
            return text
        if self.subject in _READERS:
            reader, example = _READERS[self.subject]
            value = reader(text)
            if value is None:
                raise OperandError(f"{self.subject.value} needs {example}, not {text!r}", index)
            return value
        return natural_key(text) if self.operator in ORDERINGS else text

    @property
    def subjects(self) -> frozenset[str]:
        return frozenset({self.subject.value})

    def matches(self, facts: InstanceFacts) -> bool:
        values = self._read(facts)
        if self.operator in UNARY:
            return (values is not None) == (self.operator is Operator.EXISTS)
        if values is None:
            return False  # a missing subject matches no comparison, negative ones included
        positive = POSITIVE_OF.get(self.operator)
        if positive is not None:
            return not self._holds(positive, values)
        return self._holds(self.operator, values)

    def _holds(self, operator: Operator, values: tuple[Any, ...]) -> bool:
        """True when some value of the subject satisfies the (positive) operator."""
        if operator is Operator.EQUALS or operator is Operator.IN:
            return any(value in self._operands for value in values)
        if operator is Operator.MATCHES:
            assert self._pattern is not None
            return any(self._pattern.fullmatch(_as_text(value)) for value in values)
        compare = ORDERINGS[operator]
        keys = (natural_key(v) if isinstance(v, str) else v for v in values)
        return any(compare(key, self._operands[0]) for key in keys)

    def _read(self, facts: InstanceFacts) -> tuple[Any, ...] | None:
        """The subject's value(s) on this instance; None when it has none."""
        subject = self.subject
        if subject is Subject.ATTRIBUTE:
            if self.name not in facts.attributes:
                return None
            return (facts.attributes[self.name] or "",)  # a name-only attribute reads as ""
        if subject is Subject.TASK_GROUP:
            return tuple(facts.task_groups) or None
        if subject is Subject.AGENT_VERSION:
            version = read_version(facts.agent_version)
            return None if version is None else (version,)
        if subject is Subject.REGISTERED_AT:
            moment = facts.registered_at
            return None if moment is None else (as_utc(moment),)
        if subject is Subject.RUNNING_TASKS_COUNT:
            return (facts.running_tasks_count,)
        if subject is Subject.AGENT_CONNECTED:
            return (facts.agent_connected,)
        return (facts.ec2_instance_id,)


def _compile(text: str) -> Pattern:
    try:
        return Pattern(text)
    except PatternError as exc:
        raise OperandError(f"regular expression {text!r} refused", 0, f": {exc}") from None
    except re.error as exc:
        raise OperandError(f"invalid regular expression {text!r}", 0, f": {exc.msg}") from None
    except OverflowError as exc:  # a{4294967296}
        raise OperandError(f"invalid regular expression {text!r}", 0, f": {exc}") from None


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Not:
    """`not x` / `!x` / `not(x)`: true where x is false, missing subjects included."""

    operand: Node

    @property
    def subjects(self) -> frozenset[str]:
        return self.operand.subjects

    def matches(self, facts: InstanceFacts) -> bool:
        return not self.operand.matches(facts)


@dataclass(frozen=True, slots=True)
class And:
    """Two or more operands joined by `and` / `&&`."""

    operands: tuple[Node, ...]

    @property
    def subjects(self) -> frozenset[str]:
        return frozenset().union(*(node.subjects for node in self.operands))

    def matches(self, facts: InstanceFacts) -> bool:
        return all(node.matches(facts) for node in self.operands)


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more operands joined by `or` / `||`."""

    operands: tuple[Node, ...]

    @property
    def subjects(self) -> frozenset[str]:
        return frozenset().union(*(node.subjects for node in self.operands))

    def matches(self, facts: InstanceFacts) -> bool:
        return any(node.matches(facts) for node in self.operands)


Node = Comparison | Not | And | Or


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression: the text as written and its syntax tree."""

    text: str
    root: Node

    @property
    def subjects(self) -> frozenset[str]:
        """The subject kinds used; the engine caches results when none of them
        change during a simulation (runningTasksCount and task:group do)."""
        return self.root.subjects

    def matches(self, facts: InstanceFacts) -> bool:
        return self.root.matches(facts)
