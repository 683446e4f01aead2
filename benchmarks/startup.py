"""Start-up and pack-load speed against the goals. Run on demand:

    python benchmarks/startup.py [--runs 15]

Compares `ecsprep --help` with a one-command Typer app's --help, and `ecsprep
explain binpack` (piped, as scripts and this benchmark run it) with the same app
running its command: subprocesses with the same interpreter, interleaved so both
sides see the same machine load, N runs each. Each ratio is given twice: by CPU
time (user + system of the child: what the start-up costs, steady even on a busy
machine; the goals are judged on it) and by wall time (what a person waits on a
quiet machine; noisy on a shared one). It also times loading the shipped packs
(checked, and from the cache) and checks with `python -X importtime` that piped
`explain` imports no Rich, questionary, prompt_toolkit or simulator. Exit status 1
if a goal is missed. On a busy machine, `chrt -f 50 python benchmarks/startup.py`
(as root: real-time priority) gives figures close to an idle machine's.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HELP_GOAL = 1.2  # ecsprep --help vs a bare Typer app's --help
EXPLAIN_GOAL = 1.5  # ecsprep explain binpack vs a bare Typer app running its command
LOAD_GOAL_MS = 50.0  # loading the shipped packs
FORBIDDEN = ("rich", "questionary", "prompt_toolkit", "ecsprep.sim")

BARE_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


app()
'''


@dataclass(frozen=True)
class Timing:
    wall: float  # median seconds
    cpu: float  # median seconds of user + system time in the child


def timed(commands: dict[str, Sequence[str]], env: dict[str, str], runs: int) -> dict[str, Timing]:
    """Median wall and CPU time of each command, the commands run in turn `runs` times."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            walls[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {
        name: Timing(statistics.median(walls[name]), statistics.median(cpus[name]))
        for name in commands
    }


def in_process_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def imported_modules(cmd: Sequence[str], env: dict[str, str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd], env=env, capture_output=True, text=True
    )
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per measurement (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "ECSPREP_HOME": home, "NO_COLOR": "1", "COLUMNS": "100"}
        # An installed wheel has its bytecode compiled by pip; a checkout may not (and
        # PYTHONDONTWRITEBYTECODE forbids writing it), so compile first: measure imports,
        # not the compiler.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        import compileall

        import ecsprep

        compileall.compile_dir(Path(ecsprep.__file__).parent, quiet=1)
        bare = Path(home) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        ecsprep = [sys.executable, "-m", "ecsprep"]
        subprocess.run([*ecsprep, "explain", "binpack"], env=env, capture_output=True)  # warm

        # Typer builds its parameter converters when a command runs (not for
        # --help), so a bare app that runs its command is the fair floor for explain.
        t = timed(
            {
                "bare help": [sys.executable, str(bare), "--help"],
                "bare run": [sys.executable, str(bare), "--name", "ecs"],
                "help": [*ecsprep, "--help"],
                "explain": [*ecsprep, "explain", "binpack"],
            },
            env,
            args.runs,
        )

        os.environ["ECSPREP_HOME"] = home
        from ecsprep.packs.load import load_library

        checked_ms = in_process_ms(lambda: load_library(include_user=False, cache=False), 7)
        cached_ms = in_process_ms(lambda: load_library(include_user=False), args.runs)
        from ecsprep.data import shipped_content_dir

        size_kb = sum(p.stat().st_size for p in shipped_content_dir().glob("*.yaml")) / 1024
        leaked = sorted(
            m
            for m in imported_modules(["-m", "ecsprep", "explain", "binpack"], env)
            if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
        )

    def ratio(ours: Timing, base: Timing, goal: float) -> tuple[str, str, bool]:
        cpu, wall_ratio = ours.cpu / base.cpu, ours.wall / base.wall
        return (
            f"{ours.cpu * 1000:5.0f} ms cpu, {ours.wall * 1000:5.0f} ms wall",
            f"{cpu:.2f}x cpu, {wall_ratio:.2f}x wall (goal <= {goal}x)",
            cpu <= goal,
        )

    results = [
        (
            "bare Typer app --help",
            f"{t['bare help'].cpu * 1000:5.0f} ms cpu, {t['bare help'].wall * 1000:5.0f} ms wall",
            "",
            True,
        ),
        ("ecsprep --help", *ratio(t["help"], t["bare help"], HELP_GOAL)),
        (
            "bare Typer app running its command",
            f"{t['bare run'].cpu * 1000:5.0f} ms cpu, {t['bare run'].wall * 1000:5.0f} ms wall",
            "",
            True,
        ),
        ("ecsprep explain binpack (piped)", *ratio(t["explain"], t["bare run"], EXPLAIN_GOAL)),
        (
            f"load shipped packs ({size_kb:.0f} KB), cached",
            f"{cached_ms:7.1f} ms",
            f"goal < {LOAD_GOAL_MS:.0f} ms",
            cached_ms < LOAD_GOAL_MS,
        ),
        (
            "load shipped packs, checked (no cache)",
            f"{checked_ms:7.1f} ms",
            "first run, or after an edit",
            True,
        ),
        (
            "explain imports " + "/".join(FORBIDDEN),
            ", ".join(leaked) or "none",
            "goal: none",
            not leaked,
        ),
    ]
    width = max(len(r[0]) for r in results)
    for name, value, goal, ok in results:
        print(f"{name:<{width}}  {value:>28}  {goal:<44} {verdict(ok) if goal else ''}")
    return 0 if all(r[3] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
