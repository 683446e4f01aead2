"""The rules across packs: unique ids and references that resolve.

All packs share one namespace. The first definition of an id wins and every
later one is a problem that names the first. References (a question's topics
and terms, a term's topic and see-also) must name something defined in some
pack; one that only a pack with problems defines breaks the referring pack too,
so the library never holds a dangling reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ecsprep.packs.structure import Entry, suggest

Finding = tuple[int | None, str, str]  # line, where, message


class Namespace(Enum):
    PACK = "pack id"
    TOPIC = "topic id"
    QUESTION = "question id"
    TERM = "glossary term"

    @property
    def noun(self) -> str:
        """What the name is, without "id": "topic 'x'" reads better than "topic id 'x'"."""
        return self.value.removesuffix(" id")


@dataclass(frozen=True, slots=True)
class Definition:
    path: Path
    shown: Path
    line: int
    name: str  # as written

    @property
    def place(self) -> str:
        return f"{self.shown}:{self.line}"


@dataclass(frozen=True, slots=True)
class Reference:
    path: Path
    line: int
    where: str
    namespace: Namespace
    name: str


@dataclass(slots=True)
class Definitions:
    """Everything every pack defines and refers to, in load order."""

    names: dict[Namespace, dict[str, Definition]] = field(
        default_factory=lambda: {ns: {} for ns in Namespace}
    )
    canonical: dict[str, str] = field(default_factory=dict)  # lowercased term/alias → term
    duplicates: list[tuple[Path, Finding]] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    def add(self, path: Path, shown: Path, document: Entry) -> None:
        head = document.get("pack")
        if isinstance(head, Entry) and "id" in head.values:
            self._define(Namespace.PACK, head.values["id"], path, shown, head, "pack.id", "id")
        for topic in document.get("topics", ()):
            if "id" in topic.values:
                where = f"{topic.where}.id"
                self._define(Namespace.TOPIC, topic.values["id"], path, shown, topic, where, "id")
        for term in document.get("glossary", ()):
            self._add_term(path, shown, term)
        for question in document.get("questions", ()):
            if "id" in question.values:
                where = f"{question.where}.id"
                self._define(
                    Namespace.QUESTION, question.values["id"], path, shown, question, where, "id"
                )
            self._refer(path, question, "topics", Namespace.TOPIC)
            self._refer(path, question, "terms", Namespace.TERM)

    def _add_term(self, path: Path, shown: Path, term: Entry) -> None:
        written = term.get("term")
        if written is not None:
            self._define(Namespace.TERM, written, path, shown, term, f"{term.where}.term", "term")
            self.canonical.setdefault(written.lower(), written)
        own = {written.lower()} if written is not None else set()
        for i, alias in enumerate(term.get("aliases", ())):
            if alias.lower() in own:
                continue  # an alias that repeats its own term (or alias) is harmless
            own.add(alias.lower())
            self._define(
                Namespace.TERM,
                alias,
                path,
                shown,
                term,
                f"{term.where}.aliases[{i}]",
                f"aliases[{i}]",
            )
            if written is not None:
                self.canonical.setdefault(alias.lower(), written)
        if "topic" in term.values:
            self.references.append(
                Reference(
                    path,
                    term.line_for("topic"),
                    f"{term.where}.topic",
                    Namespace.TOPIC,
                    term.values["topic"],
                )
            )
        self._refer(path, term, "see", Namespace.TERM)

    def _define(
        self,
        ns: Namespace,
        name: str,
        path: Path,
        shown: Path,
        entry: Entry,
        where: str,
        field_: str,
    ) -> None:
        key = name.lower() if ns is Namespace.TERM else name
        line = entry.line_for(field_)
        first = self.names[ns].get(key)
        if first is None:
            self.names[ns][key] = Definition(path, shown, line, name)
            return
        self.duplicates.append(
            (path, (line, where, f"duplicate {ns.value} {name!r}; first defined at {first.place}"))
        )

    def _refer(self, path: Path, entry: Entry, field_: str, ns: Namespace) -> None:
        for i, name in enumerate(entry.get(field_, ())):
            line = entry.line_for(f"{field_}[{i}]")
            self.references.append(Reference(path, line, f"{entry.where}.{field_}[{i}]", ns, name))

    def find(self, ns: Namespace, name: str) -> Definition | None:
        return self.names[ns].get(name.lower() if ns is Namespace.TERM else name)

    def canonical_term(self, name: str) -> str:
        """The term as its glossary entry writes it, for a term or alias in any case."""
        return self.canonical.get(name.lower(), name)


def check_references(definitions: Definitions, broken: set[Path]) -> list[tuple[Path, Finding]]:
    """Duplicate ids and unresolved references; marks the files they break in `broken`."""
    findings = list(definitions.duplicates)
    for ref in definitions.references:
        if definitions.find(ref.namespace, ref.name) is None:
            findings.append((ref.path, (ref.line, ref.where, _unknown(definitions, ref))))
    broken.update(path for path, _ in findings)
    changed = True
    while changed:  # a pack that leans on a broken pack cannot load either
        changed = False
        for ref in definitions.references:
            target = definitions.find(ref.namespace, ref.name)
            if ref.path in broken or target is None or target.path not in broken:
                continue
            message = (
                f"{ref.namespace.noun} {ref.name!r} is defined in {target.shown}, "
                "which has problems"
            )
            findings.append((ref.path, (ref.line, ref.where, message)))
            broken.add(ref.path)
            changed = True
    return findings


def _unknown(definitions: Definitions, ref: Reference) -> str:
    known = definitions.names[ref.namespace]
    if ref.namespace is Namespace.TERM:
        near = suggest(ref.name.lower(), list(known))
        near = known[near].name if near else None
    else:
        near = suggest(ref.name, list(known))
    hint = f"; did you mean {near!r}?" if near else ""
    return f"unknown {ref.namespace.noun} {ref.name!r}{hint}"
