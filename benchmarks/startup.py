"""Start-up and pack-load speed against the goals. Run on demand:

    python benchmarks/startup.py [--runs 15]

Compares the wall time of `ecsprep --help` and `ecsprep explain binpack` with a
one-command Typer app run with --help (median of N runs each, subprocesses with
the same interpreter), times loading the shipped packs (checked, and from the
cache), and checks with `python -X importtime` that `explain` does not import
questionary, prompt_toolkit or the simulator. Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HELP_GOAL = 1.2  # ecsprep --help vs a bare Typer app
EXPLAIN_GOAL = 1.5  # ecsprep explain binpack vs a bare Typer app
LOAD_GOAL_MS = 50.0  # loading the shipped packs
FORBIDDEN = ("questionary", "prompt_toolkit", "ecsprep.sim")

BARE_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


app()
'''


def wall(cmd: Sequence[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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

        base = wall([sys.executable, str(bare), "--help"], env, args.runs)
        # Typer builds its parameter converters when a command runs (not for
        # --help), so a bare app that runs its command is the fair floor for explain.
        base_run = wall([sys.executable, str(bare), "--name", "ecs"], env, args.runs)
        help_time = wall([*ecsprep, "--help"], env, args.runs)
        explain_time = wall([*ecsprep, "explain", "binpack"], env, args.runs)

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

    help_ratio, explain_ratio = help_time / base, explain_time / base
    results = [
        ("bare Typer app --help", f"{base * 1000:7.1f} ms", "", True),
        (
            "bare Typer app running its command",
            f"{base_run * 1000:7.1f} ms",
            f"explain is {explain_time / base_run:.2f}x this",
            explain_time / base_run <= EXPLAIN_GOAL,
        ),
        (
            "ecsprep --help",
            f"{help_time * 1000:7.1f} ms",
            f"{help_ratio:.2f}x (goal <= {HELP_GOAL}x)",
            help_ratio <= HELP_GOAL,
        ),
        (
            "ecsprep explain binpack",
            f"{explain_time * 1000:7.1f} ms",
            f"{explain_ratio:.2f}x (goal <= {EXPLAIN_GOAL}x)",
            explain_ratio <= EXPLAIN_GOAL,
        ),
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
        print(f"{name:<{width}}  {value:>10}  {goal:<32} {verdict(ok) if goal else ''}")
    return 0 if all(r[3] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
