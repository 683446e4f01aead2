"""Where the shipped data (content packs and quiz blueprints) lives.

This is the one place that knows. An installed wheel carries the YAML inside the
package as `ecsprep/_data/{content,quizzes}` (see the hatch force-include in
pyproject.toml). A source checkout or an editable install has no `_data`, so the
YAML is read live from the repository's top-level `content/` and `quizzes/`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def shipped_data_dir() -> Path:
    """The folder holding `content/` and `quizzes/` for this installation."""
    bundled = _PACKAGE / "_data"
    if bundled.is_dir():
        return bundled
    checkout = _PACKAGE.parent.parent  # cli/ecsprep -> cli -> repository root
    if (checkout / "content").is_dir():
        return checkout
    raise FileNotFoundError(
        f"ecsprep's shipped content is missing: looked in {bundled} and {checkout}; "
        "reinstall with `python -m pip install --force-reinstall ecsprep`"
    )


def shipped_content_dir() -> Path:
    return shipped_data_dir() / "content"


def shipped_quizzes_dir() -> Path:
    return shipped_data_dir() / "quizzes"


def shipped_scenarios_dir() -> Path:
    """The simulator's example scenarios (`ecsprep simulate placement --list`)."""
    return shipped_content_dir() / "scenarios"
