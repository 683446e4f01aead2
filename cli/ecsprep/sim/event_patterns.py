"""EventBridge event patterns: which events a rule's pattern matches, and why.

The rules are EventBridge's, from "Amazon EventBridge event patterns" and
"Comparison operators for use in event patterns" (EventBridge User Guide):

- a pattern is a JSON object with the event's structure; every field it names must
  match (AND), and a field's list of values matches when any value matches (OR);
- the event must contain every field the pattern names, except `{"exists": false}`;
- when the event's value is a list, the field matches when any element matches;
- matching is exact and case-sensitive unless `equals-ignore-case` says otherwise.

Operators modelled (each documented): an exact string, number, `null` or `""`;
`prefix`, `suffix`, `equals-ignore-case`, `prefix`/`suffix` with `equals-ignore-case`,
`anything-but` (a value, a list, `prefix`, `suffix`), `numeric` (`<`, `<=`, `=`, `>`,
`>=`, one or two comparisons), `exists`, `cidr` (IPv4), `wildcard` (`*`) and `$or`.
Any other match type is refused as PutRule refuses it
(`Event pattern is not valid. Reason: Unrecognized match type …`).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ecsprep.sim.documents import Where

_OPERATORS = (
    "prefix",
    "suffix",
    "equals-ignore-case",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "wildcard",
)
_COMPARISONS = ("<", "<=", "=", ">", ">=")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Step:
    """One field of the pattern against the event: what was wanted, what was there."""

    path: str  # e.g. "detail.lastStatus"
    wanted: str  # the pattern's values, as JSON
    seen: str  # the event's value, as JSON ("(absent)" when missing)
    matched: bool


@dataclass(frozen=True, slots=True)
class PatternMatch:
    matched: bool
    steps: tuple[Step, ...]

    @property
    def why_not(self) -> str:
        failed = next((s for s in self.steps if not s.matched), None)
        if failed is None:
            return ""
        return f"{failed.path} is {failed.seen}, the pattern wants {failed.wanted}"


def invalid(reason: str, where: Where) -> Exception:
    return where.refuse(
        f"Event pattern is not valid. Reason: {reason}",
        "see 'Comparison operators for use in event patterns' in the EventBridge User Guide",
    )


def read_pattern(raw: object, where: Where) -> Mapping[str, object]:
    """A rule's EventPattern: a JSON string as PutRule takes it, or the object itself."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise invalid(f"the pattern is not JSON ({exc.msg})", where) from None
    if not isinstance(raw, Mapping) or not raw:
        raise invalid("Filter is not an object" if raw != {} else "Empty pattern", where)
    _check_object(raw, where)
    return raw


def _check_object(pattern: Mapping[str, object], where: Where) -> None:
    for key, value in pattern.items():
        at = where.key(str(key))
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise invalid("$or needs a list of at least two patterns", at)
            for position, branch in enumerate(value):
                if not isinstance(branch, Mapping) or not branch:
                    raise invalid("each $or branch must be a pattern object", at.index(position))
                _check_object(branch, at.index(position))
        elif isinstance(value, Mapping):
            if not value:
                raise invalid(f"Empty objects are not allowed (at {key})", at)
            _check_object(value, at)
        elif isinstance(value, list):
            if not value:
                raise invalid(f"Empty arrays are not allowed (at {key})", at)
            for position, item in enumerate(value):
                if isinstance(item, Mapping):
                    _check_operator(item, at.index(position))
                elif isinstance(item, list):
                    raise invalid("Match value must be String, number, true, false, or null", at)
        else:
            raise invalid(f"Match value for {key} must be an array or an object", at)


def _check_operator(item: Mapping[str, object], where: Where) -> None:
    if len(item) != 1:
        raise invalid("Only one match type is allowed in a match object", where)
    ((name, value),) = item.items()
    if name not in _OPERATORS:
        raise invalid(f"Unrecognized match type {name}", where)
    if name == "numeric":
        _numeric_terms(value, where)
    elif name == "exists":
        if not isinstance(value, bool):
            raise invalid("exists match pattern must be either true or false.", where)
    elif name == "cidr":
        try:
            ipaddress.ip_network(str(value), strict=False)
        except ValueError:
            raise invalid(f"Nonstandard IP address: {value}", where) from None
    elif name in ("prefix", "suffix"):
        if isinstance(value, Mapping):
            if set(value) != {"equals-ignore-case"} or not isinstance(
                value["equals-ignore-case"], str
            ):
                raise invalid(f"{name} match pattern must be a string", where)
        elif not isinstance(value, str):
            raise invalid(f"{name} match pattern must be a string", where)
    elif name in ("equals-ignore-case", "wildcard"):
        if not isinstance(value, str):
            raise invalid(f"{name} match pattern must be a string", where)
    elif name == "anything-but":
        if isinstance(value, Mapping):
            if len(value) != 1 or next(iter(value)) not in (
                "prefix",
                "suffix",
                "equals-ignore-case",
                "wildcard",
            ):
                raise invalid("Unsupported anything-but pattern", where)
        elif isinstance(value, list) and (
            not value or any(isinstance(v, (Mapping, list)) for v in value)
        ):
            raise invalid("Inside anything but list, only strings and numbers allowed", where)


def _numeric_terms(value: object, where: Where) -> list[tuple[str, float]]:
    if not isinstance(value, list) or len(value) not in (2, 4):
        raise invalid("Value of numeric must be an array of one or two comparisons", where)
    terms = []
    for position in range(0, len(value), 2):
        op, number = value[position], value[position + 1]
        if op not in _COMPARISONS:
            raise invalid(f"Unrecognized numeric range operator: {op}", where)
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise invalid("Value of comparison must be a number", where)
        terms.append((str(op), float(number)))
    return terms


def match(pattern: Mapping[str, object], event: Mapping[str, object]) -> PatternMatch:
    """Whether the event matches the pattern, with one step per field the pattern names."""
    steps: list[Step] = []
    matched = _match_object(pattern, event, "", steps)
    return PatternMatch(matched, tuple(steps))


def _match_object(
    pattern: Mapping[str, object], event: object, prefix: str, steps: list[Step]
) -> bool:
    result = True
    for key, wanted in pattern.items():
        if key == "$or":
            assert isinstance(wanted, list)
            branch_steps: list[Step] = []
            ok = any(_match_object(branch, event, prefix, branch_steps) for branch in wanted)
            steps.append(
                Step(prefix + "$or", _show(wanted), "(see the branches)" if not ok else "", ok)
            )
            result = result and ok
            continue
        path = f"{prefix}{key}"
        value = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(wanted, Mapping):
            if isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
                # INF: a list of objects matches when any element matches (as the open
                # source event-ruler does; the User Guide shows arrays of values only)
                ok = any(
                    _match_object(wanted, v, path + ".", [])
                    for v in value
                    if isinstance(v, Mapping)
                )
                steps.append(Step(path, _show(wanted), _show_value(value), ok))
                result = result and ok
                continue
            if not isinstance(value, Mapping):
                steps.append(Step(path, "an object", _show_value(value), False))
                result = False
                continue
            result = _match_object(wanted, value, path + ".", steps) and result
            continue
        assert isinstance(wanted, list)
        ok = any(_match_value(item, value) for item in wanted)
        steps.append(Step(path, _show(wanted), _show_value(value), ok))
        result = result and ok
    return result


def _match_value(item: object, value: object) -> bool:
    if isinstance(item, Mapping) and set(item) == {"exists"}:
        present = value is not _MISSING and not isinstance(value, Mapping)
        return present is item["exists"]
    if value is _MISSING:
        return False  # every field the pattern names must be in the event
    if isinstance(value, list):
        if not value:
            return False
        return any(_match_one(item, element) for element in value)
    return _match_one(item, value)


def _match_one(item: object, value: object) -> bool:
    if not isinstance(item, Mapping):
        if isinstance(item, bool) or isinstance(value, bool) or item is None or value is None:
            return item is value or (item == value and type(item) is type(value))
        if isinstance(item, (int, float)) and isinstance(value, (int, float)):
            return float(item) == float(value)
        return isinstance(item, str) and isinstance(value, str) and item == value
    ((name, arg),) = item.items()
    text = value if isinstance(value, str) else None
    if name == "prefix":
        return text is not None and _affix(arg, text, str.startswith)
    if name == "suffix":
        return text is not None and _affix(arg, text, str.endswith)
    if name == "equals-ignore-case":
        return text is not None and text.casefold() == str(arg).casefold()
    if name == "wildcard":
        return text is not None and _wildcard(str(arg), text)
    if name == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return all(_compare(op, float(value), bound) for op, bound in _pairs(arg))
    if name == "cidr":
        try:
            return text is not None and ipaddress.ip_address(text) in ipaddress.ip_network(
                str(arg), strict=False
            )
        except ValueError:
            return False
    if name == "anything-but":
        if isinstance(arg, Mapping):
            return not _match_one(arg, value) if text is not None else False
        excluded = arg if isinstance(arg, list) else [arg]
        return not any(_match_one(e, value) for e in excluded)
    return False


def _affix(arg: object, text: str, test: object) -> bool:
    if isinstance(arg, Mapping):
        wanted = str(arg["equals-ignore-case"]).casefold()
        return bool(test(text.casefold(), wanted))  # type: ignore[operator]
    return bool(test(text, str(arg)))  # type: ignore[operator]


def _wildcard(pattern: str, text: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def _pairs(arg: object) -> list[tuple[str, float]]:
    assert isinstance(arg, list)
    return [(str(arg[i]), float(arg[i + 1])) for i in range(0, len(arg), 2)]


def _compare(op: str, value: float, bound: float) -> bool:
    return {
        "<": value < bound,
        "<=": value <= bound,
        "=": value == bound,
        ">": value > bound,
        ">=": value >= bound,
    }[op]


def _show(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def _show_value(value: object) -> str:
    return "(absent)" if value is _MISSING else _show(value)
