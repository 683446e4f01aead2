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

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ecsprep.packs.model import Library, Question
    from ecsprep.sim.check import OptionRun, Verdict
    from ecsprep.sim.documents import Where


def question(
    question_id: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs Optional on Python 3.10 annotations
        typer.Argument(
            help="The question's id, as the quiz shows it in [brackets].",
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
        str, typer.Option("--format", help="text or json (each option's RunTask-shaped result).")
    ] = "text",
    pack: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--pack", help="Also load this content pack (repeatable)."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the questions that have a simulator check.")
    ] = False,
) -> None:
    """Check each answer in place: run a question's options in the placement simulator.

    For every option the question's pack can simulate: what the option changes in
    the task definition, the instances or the RunTask/CreateService request, what
    placement then does, and what that shows. Questions with a simulator check are
    marked in `ecsprep quiz` (press m) and listed by `--list`.

    Examples:

      ecsprep simulate question seed-most-cost-efficient-strategy

      ecsprep simulate question seed-second-container-fixed-host-port --option A --trace

      ecsprep simulate question --list

      ecsprep simulate question strategies-chain-az-then-binpack --format json
    """
    from ecsprep.ui.console import reported

    with reported():
        from ecsprep.errors import InputError

        if output_format not in ("text", "json"):
            raise InputError(f"--format {output_format!r}: use text or json")
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
        runs = run_question(library, chosen, letters)
        verdicts = judge_question(library, chosen, runs)
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
                {o.key: o.key for o in chosen.options},
                library=library,
                verdicts=verdicts,
            )
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
    parts: list[RenderableType] = [Text(_scenario_line(library, question), style="bold")]
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
        if key in verdict_of:
            parts.append(Text.assemble(("    verdict ", "dim"), _verdict_text(verdict_of[key])))
        if not run.holds:
            parts.append(
                Text("    ✘ the simulator disagrees: " + "; ".join(run.misses), "bold red")
            )
    return Group(*parts)


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
    return f"{'✔' if verdict.right else '✘'} {said}{because}"


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
                "holds": run.holds,
                "misses": list(run.misses),
                "verdict": (
                    {
                        "basis": verdict_of[run.key].basis.value,
                        "right": verdict_of[run.key].right,
                        "because": list(verdict_of[run.key].because),
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


def _scenario_line(library: Library, question: Question) -> str:
    """The scenario behind the question, before any option changes it, in one line."""
    from ecsprep.sim.check import base_scenario, scenario_name

    check = question.check or {}
    source, where = _where(library, question)
    origin = "the scenario behind the question"
    if scenario_name(check) != "inline":
        origin += f", {scenario_name(check)}"
    if check.get("simulator", "placement") != "placement":
        described = _json(check.get("scenario"))
        return f"{origin[0].upper()}{origin[1:]}: {described}. Each option changes it:"
    from ecsprep.errors import InputError
    from ecsprep.ui.simulate import request_text

    try:
        scenario = base_scenario(check, where, source.parent if source else None)
    except InputError as refused:  # a scenario AWS refuses as written; options fix it or not
        reason = refused.message.rsplit(": ", 1)[-1]
        return (
            f"{origin[0].upper()}{origin[1:]}, which AWS refuses as written ({reason}). "
            "Each option changes it:"
        )
    fleet: dict[str, int] = {}
    for instance in scenario.instances:
        name = instance.instance_type or "instance"
        fleet[name] = fleet.get(name, 0) + 1
    machines = ", ".join(f"{n}× {t}" for t, n in fleet.items()) or "no container instances"
    return (
        f"{origin[0].upper()}{origin[1:]}: {machines}; {request_text(scenario)}. "
        "Each option changes it:"
    )


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
