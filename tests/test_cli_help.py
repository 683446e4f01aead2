"""Every command has --help with examples, and the README names every command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ecsprep.ui.app import app
from tests.conftest import REPO


def command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        # Typer vendors Click (typer._click), so groups are recognised by their commands.
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        else:
            found.append(path)

    walk(root, ())
    return sorted(found)


PATHS = command_paths()


def test_every_command_group_is_found() -> None:
    assert {("quiz",), ("explain",), ("simulate", "placement"), ("packs", "validate")} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_help_has_examples(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples" in result.stdout, f"ecsprep {' '.join(path)} --help shows no examples"


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_readme_mentions_command(path: tuple[str, ...]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"ecsprep {' '.join(path)}" in readme


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("ecsprep ")


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_the_lean_app_main_builds_answers_like_the_whole_one(path: tuple[str, ...]) -> None:
    """main() registers only the command asked for; its help must not differ."""
    from ecsprep.ui.app import build_app, commands_for

    lean = build_app(commands_for(path, environ={}))
    names = [getattr(typer.main.get_command(a), "commands", {}) for a in (lean, app)]
    assert (
        list(names[0]) == [path[0]] if path[0] not in ("stats", "progress") else len(names[0]) == 2
    )
    assert len(names[0]) < len(names[1])
    whole = CliRunner().invoke(app, [*path, "--help"])
    alone = CliRunner().invoke(lean, [*path, "--help"])
    assert (alone.exit_code, alone.stdout) == (whole.exit_code, whole.stdout)


def test_main_needs_the_whole_app_for_root_options_typos_and_completion() -> None:
    from ecsprep.ui.app import COMMAND_MODULES, commands_for

    assert commands_for(["quiz", "exam"], environ={}) == ["quiz"]
    assert set(COMMAND_MODULES) == {p[0] for p in PATHS}
    for argv in ([], ["--help"], ["--version"], ["quz"], ["--install-completion"]):
        assert commands_for(argv, environ={}) is None
    assert commands_for(["quiz"], environ={"_ECSPREP_COMPLETE": "complete_bash"}) is None


ROOT_HELP_BY_MAIN = (
    "import sys\n"
    "from ecsprep.ui.app import main\n"
    "sys.argv = ['ecsprep', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit as exit:\n"
    "    code = exit.code\n"
    "built = sorted(m for m in sys.modules if m.startswith('ecsprep.ui.') and m not in\n"
    "    ('ecsprep.ui.app', 'ecsprep.ui.text', 'ecsprep.ui.completion', 'ecsprep.ui.console',\n"
    "     'ecsprep.ui.collection'))\n"
    "print(f'exit {code} built {built}')\n"
)


@pytest.mark.parametrize("argv", [["--help"], ["-h"], []])
def test_root_help_lists_every_command_without_building_them(
    argv: list[str], isolated_home: Path
) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "100"}
    result = subprocess.run(
        [sys.executable, "-c", ROOT_HELP_BY_MAIN, *argv],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    help_text, _, last = result.stdout.rpartition("exit ")
    whole = CliRunner().invoke(app, argv, prog_name="ecsprep", env=env)
    assert help_text == whole.output
    assert "│ simulate  Simulators: watch ECS decide where tasks run." in help_text
    assert last == f"{2 if not argv else 0} built []\n"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    )
    assert f"```console\n{command}\n```" in readme
    assert f"\n{command}\n" in ci
    # The quick start works without `python` and without global pip installs (PEP 668).
    quick = "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/ecsprep quiz"
    assert f"```console\n{quick}\n```" in readme


MODULES_AFTER_MAIN = (
    "import sys\n"
    "from ecsprep.ui.app import main\n"
    "sys.argv = ['ecsprep', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(' '.join(sorted(m for m in sys.modules if m.startswith('ecsprep.ui.simulate'))))\n"
)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["simulate", "placement", "--list", "--format", "json"], {"ecsprep.ui.simulate"}),
        (
            ["simulate", "scaling", "--help"],
            {"ecsprep.ui.simulate", "ecsprep.ui.simulate_scaling"},
        ),
    ],
)
def test_a_simulate_subcommand_loads_only_its_own_module(
    argv: list[str], expected: set[str], isolated_home: Path
) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER_MAIN, *argv],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ECSPREP_HOME": str(isolated_home)},
    )
    assert set(result.stdout.split("\n")[-2].split()) == expected


def test_simulate_built_alone_has_the_same_help_and_order() -> None:
    from ecsprep.ui.simulate import SUBCOMMANDS, simulate_app

    whole = typer.main.get_command(simulate_app())
    assert list(getattr(whole, "commands", {})) == list(SUBCOMMANDS)
    from ecsprep.ui.app import build_app

    argv = ["simulate", "question", "--help"]
    lean = build_app(["simulate"], argv)
    group = getattr(typer.main.get_command(lean), "commands", {})["simulate"]
    assert list(group.commands) == ["question"]
    alone = CliRunner().invoke(lean, argv)
    assert (alone.exit_code, alone.stdout) == (0, CliRunner().invoke(app, argv).stdout)


def _help_texts(command: Any, path: tuple[str, ...]) -> list[tuple[str, str]]:
    texts = [(" ".join(path), command.help or "")]
    for param in command.params:
        texts.append((f"{' '.join(path)} {param.name}", getattr(param, "help", None) or ""))
    return texts


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_help_text_keeps_its_brackets(path: tuple[str, ...]) -> None:
    """Rich markup reads `[word]` as a style and drops it: a help text must escape it (`\\[`)."""
    from rich.text import Text

    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    for where, text in _help_texts(command, path):
        shown = Text.from_markup(text).plain
        assert shown.count("[") == text.replace("\\[", "[").count("["), (
            f"{where}: Rich markup swallows a [bracket] in {text!r}; write \\[ instead"
        )
