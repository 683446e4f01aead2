"""Running every question's simulator check, as `ecsprep packs validate` does.

Loading a pack checks the shape of a `check` block; only running it in the
simulator shows whether the scenario reads, whether each option's run shows what
the pack says, and whether the options the runs find right (by the check's goal
or the options' claims) are exactly the answer key's simulated options. That
costs the simulator's import and a few milliseconds per question, so it belongs
to validation, not to every command that loads packs.
"""

from __future__ import annotations

import re
from pathlib import Path

from ecsprep.errors import EcsprepError
from ecsprep.packs.load import display_path
from ecsprep.packs.model import Library, Question
from ecsprep.packs.problems import Problem


def verify_checks(library: Library) -> list[Problem]:
    """A problem for every check that fails to run or that the simulator contradicts."""
    from ecsprep.sim.check import judge, needs_as_given, run_as_given, run_check
    from ecsprep.sim.documents import Where

    problems = []
    sources = {pack.id: pack.source for pack in library.packs}
    for question in library.questions.values():
        if not question.check:
            continue
        source = sources.get(question.pack) or Path(question.pack)
        shown = display_path(source)
        where = f"questions[{question.id}].check"
        try:
            runs = run_check(question.check, Where("", ""), folder=source.parent)
            as_given = (
                run_as_given(question.check, Where("", ""), folder=source.parent)
                if needs_as_given(question.check)
                else None
            )
        except EcsprepError as exc:
            message = f"the scenario can't run: {exc}" + (f"; {exc.hint}" if exc.hint else "")
            problems.append(Problem(shown, _line_of(source, question), where, message))
            continue
        misses = [(f"{where}.options.{run.key}.expect", m) for run in runs for m in run.misses]
        verdicts = judge(question.check, runs, as_given)
        disagreement = key_disagreement(question, {v.key: v.right for v in verdicts})
        if disagreement:
            misses.append((f"questions[{question.id}].answer", disagreement))
        if misses:  # the file is read for the line only when there is something to report
            line = _line_of(source, question)
            problems += [Problem(shown, line, at, miss) for at, miss in misses]
    return problems


def key_disagreement(question: Question, right: dict[str, bool]) -> str:
    """Why the key and the simulator's verdicts disagree ("" when they agree).

    Only options with a verdict are compared: an option the check doesn't simulate
    (or judge) is unverified, and the key may name it freely.
    """
    judged = set(right)
    found = {key for key, ok in right.items() if ok}
    keyed = set(question.answer) & judged
    if found == keyed:
        return ""
    unverified = sorted({o.key for o in question.options} - judged)
    return (
        f"the key is {', '.join(sorted(question.answer))}, but by the simulator the options "
        f"that are right among {', '.join(sorted(judged))} are "
        f"{', '.join(sorted(found)) or 'none'}"
        + (f" ({', '.join(unverified)} not simulated)" if unverified else "")
    )


def _line_of(path: Path, question: Question) -> int | None:
    """The line of the question's `id:` (the loaded model keeps no lines)."""
    pattern = re.compile(rf"^\s*(?:-\s+)?id:\s*['\"]?{re.escape(question.id)}['\"]?\s*$")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((n for n, text in enumerate(lines, start=1) if pattern.match(text)), None)
