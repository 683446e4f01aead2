"""Placement constraints: `distinctInstance` and `memberOf` (a CQL expression).

Constraints are binding: an instance that breaks one never gets the task.
Those of the task definition and those of the request both apply, and AWS
counts them together against its limit of 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from ecsprep.sim.documents import Where, as_mapping, as_str

if TYPE_CHECKING:
    from ecsprep.sim import cql

MAX_CONSTRAINTS = 10  # RunTask / CreateService: task definition's and request's together

# Subjects whose value cannot change while tasks are being placed.
STATIC_SUBJECTS = frozenset(
    {"attribute", "ec2InstanceId", "agentConnected", "agentVersion", "registeredAt"}
)


class ConstraintType(str, Enum):
    DISTINCT_INSTANCE = "distinctInstance"
    MEMBER_OF = "memberOf"


@dataclass(frozen=True, slots=True)
class Constraint:
    type: ConstraintType
    expression: cql.Expression | None = None  # memberOf only

    @property
    def text(self) -> str:
        if self.expression is None:
            return self.type.value
        return f"{self.type.value}({self.expression.text})"

    @property
    def is_static(self) -> bool:
        """True when the answer for an instance cannot change during one run."""
        return self.expression is not None and self.expression.subjects <= STATIC_SUBJECTS

    def as_aws(self) -> dict[str, str]:
        if self.expression is None:
            return {"type": self.type.value}
        return {"type": self.type.value, "expression": self.expression.text}


DISTINCT_INSTANCE = Constraint(ConstraintType.DISTINCT_INSTANCE)


def member_of(text: str, where: Where | None = None) -> Constraint:
    """A memberOf constraint; a bad expression is refused with a caret under the column."""
    from ecsprep.sim import cql  # only runs with a memberOf pay for the parser's import

    try:
        return Constraint(ConstraintType.MEMBER_OF, cql.parse(text))
    except cql.CqlSyntaxError as exc:
        place = where or Where("memberOf")
        raise place.refuse(str(exc)) from None


def read_constraint(data: object, where: Where) -> Constraint:
    """A constraint in AWS's shape: {"type": "memberOf", "expression": "…"}."""
    document = as_mapping(data, where, "a placement constraint object")
    type_text = as_str(document.get("type", ""), where.key("type"))
    try:
        kind = ConstraintType(type_text)
    except ValueError:
        raise where.key("type").refuse(
            f"{type_text!r} is not a placement constraint type",
            "use distinctInstance or memberOf",
        ) from None
    expression = document.get("expression")
    if kind is ConstraintType.DISTINCT_INSTANCE:
        if expression:
            raise where.key("expression").refuse(
                "distinctInstance takes no expression", "remove the expression"
            )
        return DISTINCT_INSTANCE
    if expression is None:
        raise where.key("expression").refuse(
            "memberOf needs an expression", 'for example "attribute:ecs.instance-type =~ t3.*"'
        )
    return member_of(as_str(expression, where.key("expression")), where.key("expression"))


def parse_constraint(text: str) -> Constraint:
    """The --constraint flag: `distinctInstance`, `memberOf:EXPR` or `memberOf(EXPR)`."""
    where = Where("--constraint", repr(text))
    stripped = text.strip()
    if stripped == ConstraintType.DISTINCT_INSTANCE.value:
        return DISTINCT_INSTANCE
    for prefix in ("memberOf:", "memberof:"):
        if stripped.startswith(prefix):
            return member_of(stripped[len(prefix) :].strip(), where)
    if stripped.startswith("memberOf(") and stripped.endswith(")"):
        return member_of(stripped[len("memberOf(") : -1], where)
    raise where.refuse(
        "a constraint is distinctInstance or memberOf:EXPRESSION",
        "for example --constraint distinctInstance or "
        "--constraint 'memberOf:attribute:ecs.instance-type =~ t3.*'",
    )
