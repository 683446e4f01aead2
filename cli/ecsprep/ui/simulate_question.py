"""`ecsprep simulate question ID`: check each answer in place.

Runs a question's `check` block (ecsprep.sim.check) and shows, option by option,
what the option changes in AWS's JSON, what the placement run gives and what that
demonstrates. The quiz's "check in the simulator" action uses `render_runs` too,
with the quiz's shuffled letters and without marking the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ecsprep.ui import completion
from ecsprep.ui.scenario_file import FORMATS, check_format, completing

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ecsprep.packs.model import Library, Question
    from ecsprep.sim.check import OptionRun, Verdict
    from ecsprep.sim.documents import Where


def question(
    question_id: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="The question's id (the quiz shows it with the feedback).",
            show_default=False,
            autocompletion=completion.checked_question_ids,
        ),
    ] = None,
    option: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--option", "-o", help="Only this option letter; repeatable."),
    ] = None,
    trace: Annotated[
        bool,
        typer.Option("--trace", help="Also show each simulated option's full placement run."),
    ] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="text or json (each option's RunTask-shaped result).",
            autocompletion=completing(FORMATS),
        ),
    ] = "text",
    pack: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--pack", help="Also load this content pack (repeatable)."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the questions that have a simulator check.")
    ] = False,
) -> None:
    """Check each answer in place: run a question's options in its simulator.

    First the scenario behind the question (its description, instances, running
    tasks and request, or the simulator's input); then, for every option the
    question's check can simulate: what the option changes in AWS's JSON, what the
    simulator (placement, deployment, fargate, credentials, ...) then does, and
    what that shows. Questions with a simulator check are marked in `ecsprep quiz`
    (press m) and listed by `--list`.

    Examples:

      ecsprep simulate question seed-most-cost-efficient-strategy

      ecsprep simulate question seed-second-container-fixed-host-port --option A --trace

      ecsprep simulate question --list

      ecsprep simulate question strategies-chain-az-then-binpack --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError

        check_format(output_format)
        from ecsprep.ui.library import load_for_command

        library = load_for_command(tuple(pack or ()))
        if list_ or question_id is None:
            _list(library, output_format)
            return
        chosen = _find(library, question_id)
        letters = tuple(o.upper() for o in option or ())
        unknown = [x for x in letters if x not in {o.key for o in chosen.options}]
        if unknown:
            keys = ", ".join(o.key for o in chosen.options)
            raise InputError(f"--option {unknown[0]}: {chosen.id} has options {keys}")
        # Every option runs, so that a goal ranking the options against each other
        # ("the fewest instances") judges the chosen ones among all of them; only the
        # chosen ones are shown.
        every = run_question(library, chosen)
        verdicts = judge_question(library, chosen, every)
        shown = letters or tuple(o.key for o in chosen.options)
        runs = tuple(run for run in every if run.key in shown)
        verdicts = tuple(v for v in verdicts if v.key in shown)
        if output_format == "json":
            from ecsprep.ui.console import print_json

            print_json(runs_json(chosen, runs, trace=trace, verdicts=verdicts))
            return
        from ecsprep.ui.console import out

        console = out()
        console.print(f"[{chosen.id}] " + " ".join(chosen.stem.split()), markup=False)
        console.print()
        console.print(
            render_runs(
                chosen,
                runs,
                {o.key: o.key for o in chosen.options if o.key in shown},
                library=library,
                verdicts=verdicts,
            )
        )
        if letters:
            others = [o.key for o in chosen.options if o.key not in shown]
            console.print(
                f"--option: only {_letters(shown)} shown; {_letters(others)} not shown"
                + (
                    " (the simulated ones ran too: the goal compares the options' runs)."
                    if _ranks(chosen)
                    else "."
                ),
                markup=False,
                style="dim",
            )
        if trace:
            from ecsprep.ui.simulate import render_result

            for run in runs:
                if run.simulator != "placement" or run.result is None:
                    continue  # only placement has a step-by-step trace
                console.rule(f"Option {run.key}: the whole run")
                render_result(console, run.result, trace=True)
        console.print(
            f"Answer: {', '.join(sorted(chosen.answer))}. Explain it: "
            f"ecsprep explain {chosen.topics[0]}",
            markup=False,
            style="dim",
        )


def _ranks(question: Question) -> bool:
    goal = (question.check or {}).get("goal") or {}
    return bool(goal.get("fewest") or goal.get("most"))


def _letters(keys: Sequence[str]) -> str:
    ordered = sorted(set(keys))
    return ("option " if len(ordered) == 1 else "options ") + ", ".join(ordered)


def list_checked(library: Library) -> list[Question]:
    return [q for q in library.questions.values() if q.check]


def run_question(
    library: Library, question: Question, only: Sequence[str] = ()
) -> tuple[OptionRun, ...]:
    """Run the question's check (InputError when it has none or it is broken)."""
    from ecsprep.errors import InputError
    from ecsprep.sim.check import run_check

    if not question.check:
        with_check = ", ".join(sorted(q.id for q in list_checked(library))[:5])
        raise InputError(
            f"question {question.id} has no simulator check",
            f"questions that have one include {with_check}; see `ecsprep simulate question --list`",
        )
    source, where = _where(library, question)
    return run_check(question.check, where, only=only, folder=source.parent if source else None)


def judge_question(
    library: Library, question: Question, runs: Sequence[OptionRun]
) -> tuple[Verdict, ...]:
    """Which of the runs' options the simulator finds right (by the goal or the claims)."""
    from ecsprep.sim.check import judge, needs_as_given, run_as_given

    check = question.check or {}
    as_given = None
    if needs_as_given(check):
        source, where = _where(library, question)
        as_given = run_as_given(check, where, folder=source.parent if source else None)
    return judge(check, runs, as_given)


def _where(library: Library, question: Question) -> tuple[Path | None, Where]:
    from ecsprep.sim.documents import Where

    source = next((p.source for p in library.packs if p.id == question.pack), None)
    return source, Where(
        str(source) if source else question.pack, f"questions[{question.id}].check"
    )


def render_runs(
    question: Question,
    runs: Sequence[OptionRun],
    letter_of: Mapping[str, str],
    *,
    library: Library,
    reveal: bool = True,
    verdicts: Sequence[Verdict] = (),
) -> RenderableType:
    """Option by option, in the order shown: change, result, what it shows, and (when
    revealing) whether the run makes the option right.

    `letter_of` maps the pack's keys to the letters on screen (the quiz shuffles);
    with `reveal` False (during a question) the answer is not marked.
    """
    from rich.console import Group
    from rich.text import Text

    by_key = {run.key: run for run in runs}
    verdict_of = {v.key: v for v in verdicts} if reveal else {}
    title, lines = scenario_lines(library, question)
    parts: list[RenderableType] = [Text(title + ":", style="bold")]
    parts += [_Hanging(line, 4) for line in lines]
    parts.append(Text("Each option changes it:", style="bold"))
    goal = (question.check or {}).get("goal")
    if reveal and goal and goal.get("says"):
        parts.append(Text.assemble(("The question asks for: ", "bold"), str(goal["says"])))
    for key, letter in sorted(letter_of.items(), key=lambda item: item[1]):
        text = " ".join(question.option(key).text.split())
        mark = ("✔ " if key in question.answer else "✘ ") if reveal else ""
        parts.append(Text.assemble((f"{letter} {mark}", "bold"), (text, "bold")))
        run = by_key.get(key)
        if run is None:
            parts.append(Text("    not simulated: the check has no run for this option", "dim"))
            continue
        for label, value in (
            ("change", _change_text(run)),
            ("run", _summary(run)),
            ("shows", run.shows),
        ):
            parts.append(Text.assemble((f"    {label:<8}", "dim"), value))
            if label == "run":
                parts += [Text.assemble(("    note    ", "dim"), n) for n in _notes(run)]
                if run.shaky or (key in verdict_of and verdict_of[key].flips):
                    parts += [
                        Text.assemble(("    rests on ", "dim"), (n, "yellow"))
                        for n in run.outcome.rests_on
                    ]
        if key in verdict_of:
            parts.append(Text.assemble(("    verdict ", "dim"), _verdict_text(verdict_of[key])))
        if not run.holds:
            parts.append(
                Text("    ✘ the simulator disagrees: " + "; ".join(run.misses), "bold red")
            )
    return Group(*parts)


class _Hanging:
    """A line indented by `indent`, its wrapped continuation lines too (no padding to the
    console's width, so piped output carries no trailing spaces)."""

    def __init__(self, text: str, indent: int) -> None:
        self.text, self.indent = text, indent

    def __rich_console__(self, console: Any, options: Any) -> Any:
        import textwrap

        from rich.text import Text

        width = max(20, options.max_width - self.indent)
        for line in textwrap.wrap(self.text, width, break_on_hyphens=False) or [""]:
            yield Text(" " * self.indent + line)


def _verdict_text(verdict: Verdict) -> str:
    from ecsprep.sim.check import Basis

    if verdict.basis is Basis.GOAL:
        said = "meets what the question asks for" if verdict.right else "misses the goal"
    elif verdict.basis is Basis.CLAIM:
        said = "the statement holds in this run" if verdict.right else "the statement fails"
    else:
        said = (
            "the statement holds for the scenario as given"
            if verdict.right
            else "the statement fails for the scenario as given"
        )
    because = f": {'; '.join(verdict.because)}" if verdict.because else ""
    luck = ""
    if verdict.flips:
        luck = f" (with this draw; {verdict.flips} of {verdict.draws} other draws turn it)"
    return f"{'✔' if verdict.right else '✘'} {said}{because}{luck}"


def _summary(run: OptionRun) -> str:
    """One line for the option's run, as its simulator words it (or AWS's refusal)."""
    if run.outcome.refused:
        return f"AWS refuses it: {run.outcome.refused}"
    if run.simulator == "placement":
        from ecsprep.ui.simulate import summary

        return summary(run.result)
    return run.outcome.summary


def _notes(run: OptionRun) -> tuple[str, ...]:
    """The run's notes, less what a FARGATE run's line already says (no instances to
    choose; the capacity provider split)."""
    if run.simulator != "placement" or run.result is None:
        return run.outcome.notes
    from ecsprep.sim.placement import FARGATE_NOTE, capacity_note

    said = {FARGATE_NOTE, capacity_note(run.result.providers)}
    return tuple(note for note in run.result.notes if note not in said)


def runs_json(
    question: Question,
    runs: Sequence[OptionRun],
    *,
    trace: bool,
    verdicts: Sequence[Verdict] = (),
) -> dict[str, Any]:
    from ecsprep.sim.report import response

    verdict_of = {v.key: v for v in verdicts}
    goal = (question.check or {}).get("goal") or {}
    return {
        "question": question.id,
        "answer": sorted(question.answer),
        "goal": goal.get("says"),
        "scenario": _scenario_of(question, runs),
        "options": [
            {
                "key": run.key,
                "text": question.option(run.key).text,
                "correct": run.key in question.answer,
                "change": run.change,
                "differences": [
                    {"path": d.path, "before": _plain(d.before), "after": _plain(d.after)}
                    for d in run.differences
                ],
                "shows": run.shows,
                "observed": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in run.outcome.facts.items()
                },
                "refused": run.outcome.refused or None,
                "rests_on": list(run.outcome.rests_on),
                "holds": run.holds,
                "misses": list(run.misses),
                "verdict": (
                    {
                        "basis": verdict_of[run.key].basis.value,
                        "right": verdict_of[run.key].right,
                        "because": list(verdict_of[run.key].because),
                        "other_draws": verdict_of[run.key].draws,
                        "other_draws_turning_it": verdict_of[run.key].flips,
                    }
                    if run.key in verdict_of
                    else None
                ),
                "response": (
                    response(run.result, with_trace=trace)
                    if run.simulator == "placement" and run.result is not None
                    else None
                ),
            }
            for run in runs
        ],
    }


def _scenario_of(question: Question, runs: Sequence[OptionRun]) -> str | None:
    """The shipped scenario's name, or "inline" (any simulator's check)."""
    if not runs or question.check is None:
        return None
    from ecsprep.sim.check import scenario_name

    return scenario_name(question.check)


def _plain(value: object) -> object:
    from ecsprep.sim.check import MISSING

    return None if value is MISSING else value


def _find(library: Library, question_id: str) -> Question:
    found = library.questions.get(question_id)
    if found is not None:
        return found
    import difflib

    from ecsprep.errors import NotFoundError

    close = difflib.get_close_matches(question_id, list(library.questions), n=3, cutoff=0.5)
    error = NotFoundError("question", question_id, close)
    if not error.hint:
        error.hint = "list the questions with a simulator check: `ecsprep simulate question --list`"
    raise error


def _list(library: Library, output_format: str) -> None:
    from ecsprep.sim.check import scenario_name

    rows: list[dict[str, Any]] = [
        {
            "question": q.id,
            "scenario": scenario_name(q.check or {}),
            "options": sorted((q.check or {}).get("options", {})),
        }
        for q in sorted(list_checked(library), key=lambda q: q.id)
    ]
    if output_format == "json":
        from ecsprep.ui.console import print_json

        print_json(rows)
        return
    from rich.table import Table

    from ecsprep.ui.console import out

    table = Table(title="Questions with a simulator check", title_justify="left", show_edge=False)
    for name in ("Question", "Scenario", "Options simulated"):
        table.add_column(name)
    for row in rows:
        table.add_row(row["question"], row["scenario"], ", ".join(row["options"]))
    out().print(table)
    out().print("Run one with: ecsprep simulate question ID [--option A --trace]")


def scenario_lines(library: Library, question: Question) -> tuple[str, tuple[str, ...]]:
    """The scenario behind the question, before any option changes it: a title and
    compact lines (its description, then the instances with their AZs, attributes and
    running tasks and the request for placement; the input's parts for the others)."""
    from ecsprep.sim.check import scenario_name

    check = question.check or {}
    title = "The scenario behind the question"
    if scenario_name(check) != "inline":
        title += f" ({scenario_name(check)})"
    document = check.get("scenario")
    described = document.get("description") if isinstance(document, Mapping) else None
    lines: list[str] = [" ".join(str(described).split())] if described else []
    if check.get("simulator", "placement") != "placement":
        if isinstance(document, Mapping):
            lines += document_lines(document)
        return title, tuple(lines)
    from ecsprep.errors import InputError
    from ecsprep.sim.check import base_scenario

    source, where = _where(library, question)
    try:
        scenario = base_scenario(check, where, source.parent if source else None)
    except InputError as refused:  # a scenario AWS refuses as written; options fix it or not
        reason = refused.message.rsplit(": ", 1)[-1]
        if isinstance(document, Mapping):
            lines += document_lines(document)
        return title, (*lines, f"AWS refuses it as written ({reason})")
    if not described and scenario.description:
        lines.append(" ".join(scenario.description.split()))
    return title, (*lines, *placement_lines(scenario))


# Attributes every fleet instance carries with these values: not worth a line.
_PLAIN_ATTRIBUTES = {
    "ecs.instance-type": None,
    "ecs.availability-zone": None,
    "ecs.os-type": "linux",
    "ecs.os-family": "LINUX",
    "ecs.cpu-architecture": "x86_64",
}
_MOST_GROUPS = 8  # instance lines shown before "… and N more"


def placement_lines(scenario: Any) -> tuple[str, ...]:
    """The instances (grouped when alike), the tasks already running and the request."""
    from ecsprep.sim.capacity import FARGATE_PROVIDERS
    from ecsprep.sim.instances import InstanceStatus
    from ecsprep.sim.scenario import RequestKind
    from ecsprep.sim.taskdef import LaunchType
    from ecsprep.ui.simulate import request_text

    request = scenario.request
    running: dict[str, dict[str, int]] = {}
    for task in scenario.running:
        groups = running.setdefault(task.instance_arn, {})
        groups[task.group] = groups.get(task.group, 0) + 1
    rows: list[tuple[str, str]] = []  # (instance id, what it is)
    for instance in scenario.instances:
        parts = [instance.instance_type or "instance"]
        if instance.availability_zone:
            parts.append(str(instance.availability_zone))
        if instance.status is not InstanceStatus.ACTIVE:
            parts.append(instance.status.value)
        if not instance.agent_connected:
            parts.append("agent disconnected")
        if instance.capacity_provider:
            parts.append(f"provider {instance.capacity_provider}")
        extra = [
            f"{name}={value}" if value is not None else name
            for name, value in instance.attributes.items()
            if "capability" not in name
            and not (name in _PLAIN_ATTRIBUTES and _PLAIN_ATTRIBUTES[name] in (None, value))
        ]
        if extra:
            parts.append("attributes " + ", ".join(extra))
        if instance.remaining_memory is not None or instance.remaining_cpu is not None:
            cpu = instance.remaining_cpu if instance.remaining_cpu is not None else "?"
            memory = instance.remaining_memory if instance.remaining_memory is not None else "?"
            parts.append(f"{cpu} CPU units and {memory} MiB left")
        tasks = running.get(instance.arn, {})
        if tasks:
            parts.append("running " + ", ".join(f"{n}× {group}" for group, n in tasks.items()))
        rows.append((instance.arn.rsplit("/", 1)[-1], ", ".join(parts)))
    grouped: list[tuple[list[str], str]] = []
    for name, what in rows:
        if grouped and grouped[-1][1] == what:
            grouped[-1][0].append(name)
        else:
            grouped.append(([name], what))
    lines = []
    fargate = request.launch_type is LaunchType.FARGATE or (
        request.capacity and all(item.provider in FARGATE_PROVIDERS for item in request.capacity)
    )
    for names, what in [] if fargate else grouped[:_MOST_GROUPS]:
        who = names[0] if len(names) == 1 else f"{names[0]}…{names[-1]} ({len(names)})"
        lines.append(f"instance {who}: {what}")
    if len(grouped) > _MOST_GROUPS:
        rest = sum(len(names) for names, _ in grouped[_MOST_GROUPS:])
        lines.append(f"… and {rest} more instance(s)")
    if not scenario.instances and not fargate:
        lines.append("no container instances")
    said = [request_text(scenario)]
    if request.launch_type is not LaunchType.EC2:
        said.append(f"launch type {request.launch_type.value}")
    if request.capacity:
        said.append("capacity providers " + ", ".join(item.text for item in request.capacity))
    if request.kind is RequestKind.SERVICE or request.group:
        said.append(f"task group {scenario.group}")
    strategies = ", ".join(strategy.text for strategy in scenario.strategies)
    if strategies and not (fargate and request.strategies is None):
        default = " (the default)" if request.strategies is None else ""
        said.append(f"strategy {strategies}{default}")
    if scenario.constraints:
        said.append("constraints " + ", ".join(c.text for c in scenario.constraints))
    if scenario.seed is not None:
        said.append(f"seed {scenario.seed} for ties and random draws")
    lines.append("; ".join(said))
    return tuple(lines)


_LINE = 200  # a part longer than this in one line is shown part by part


def document_lines(document: Mapping[str, Any], path: str = "") -> list[str]:
    """A scenario document, whole: `key: value` per part, a part too long for one line
    split into its own parts (`taskDefinition.containerDefinitions[0]: {...}`)."""
    lines: list[str] = []
    for key, value in document.items():
        if not path and key == "description":
            continue
        at = f"{path}.{key}" if path else str(key)
        lines += _part_lines(at, value)
    return lines


def _part_lines(at: str, value: object) -> list[str]:
    text = _compact(value)
    if len(text) <= _LINE:
        return [f"{at}: {text}"]
    if isinstance(value, Mapping) and value:
        return document_lines(value, at)
    if isinstance(value, list) and value:
        found: list[str] = []
        for n, item in enumerate(value):
            found += _part_lines(f"{at}[{n}]", item)
        return found
    return [f"{at}: {text}"]


def _compact(value: object) -> str:
    """A value in one line, JSON without the quotes around plain words."""
    import re

    return re.sub(r'"([A-Za-z_][A-Za-z0-9_.:/*-]*)"', r"\1", _json(value))


def _change_text(run: OptionRun, width: int = 240) -> str:
    """What the option changes, leaf by leaf: `path: before → after`."""
    from ecsprep.sim.check import MISSING

    if not run.differences:
        return "nothing: the scenario as given"
    pairs = []
    for difference in run.differences:
        if difference.after is MISSING:
            pairs.append(f"{difference.path}: removed")
        elif difference.before is MISSING:
            pairs.append(f"{difference.path}: {_json(difference.after)} (added)")
        else:
            pairs.append(
                f"{difference.path}: {_json(difference.before)} → {_json(difference.after)}"
            )
    joined = "; ".join(pairs)
    return joined if len(joined) <= width else joined[: width - 1] + "…"


def _json(value: object) -> str:
    import json

    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
