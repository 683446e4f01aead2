"""The Cluster Query Language of ECS `memberOf` placement constraints.

    >>> from ecsprep.sim.cql import Facts, parse
    >>> expression = parse("attribute:ecs.instance-type =~ t2.* and runningTasksCount < 3")
    >>> micro = Facts(ec2_instance_id="i-1", attributes={"ecs.instance-type": "t2.micro"})
    >>> expression.matches(micro)
    True
    >>> sorted(expression.subjects)
    ['attribute', 'runningTasksCount']

Only the standard library is used. Semantics AWS leaves open are decided in
docs/cql.md, summarised here:

- `and` binds tighter than `or`; `not` / `!` tighter than both.
- Keywords, subjects and operators are case-sensitive (lowercase keywords);
  values compare case-sensitively (`Inf1.xlarge` is not `inf1.xlarge`).
- `=~` / `!~` take the whole value (Java `Pattern.matches`), with Python's `re`
  syntax standing in for `java.util.regex`, matched by an automaton in bounded
  time (`cql/pattern.py`); backreferences and lookaround are refused.
- A subject the instance lacks (attribute not set, no tasks for `task:group`,
  no registration time) makes every comparison false, the negative ones
  (`!=`, `!in`, `!~`) included, as AWS documents for `!=`. `not(...)` is plain
  logical negation, so `not(attribute:stack == prod)` matches instances
  without `stack`. `!exists` is true exactly when the subject is missing.
- An attribute registered without a value reads as the empty string.
- `task:group` looks at every task on the instance: `==`, `in`, `=~` hold if
  some task's group does; `!=`, `!in`, `!~` hold if it has tasks and none does.
- agentVersion compares as a version (1.10.0 > 1.9.2, 1.14 == 1.14.0);
  registeredAt as an instant (a date alone is midnight UTC, no offset is UTC);
  runningTasksCount as an integer; agentConnected takes true / false in any case.
- `>`, `>=`, `<`, `<=` on attributes order values naturally: digit runs as
  numbers, the rest by code point (`10` > `9`, `1.10` > `1.9`).
"""

from __future__ import annotations

from ecsprep.sim.cql.facts import Facts, InstanceFacts
from ecsprep.sim.cql.nodes import And, Comparison, Expression, Node, Not, Operator, Or, Subject
from ecsprep.sim.cql.parser import MAX_LENGTH, parse
from ecsprep.sim.cql.render import render
from ecsprep.sim.cql.tokenizer import CqlSyntaxError

__all__ = [
    "MAX_LENGTH",
    "And",
    "Comparison",
    "CqlSyntaxError",
    "Expression",
    "Facts",
    "InstanceFacts",
    "Node",
    "Not",
    "Operator",
    "Or",
    "Subject",
    "parse",
    "render",
]
