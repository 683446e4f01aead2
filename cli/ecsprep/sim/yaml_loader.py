"""A YAML loader for simulator input that cannot be made to blow up.

PyYAML's safe loader still expands aliases (a 1 KB file of nested aliases
becomes gigabytes), turns `1:30` into 90 and `010` into 8 (YAML 1.1), and
converts integers of any length. Simulator files are AWS JSON written as YAML,
so this loader refuses aliases, and integers that aren't plain decimal or that
are longer than any AWS field, each with the line and column.
"""

from __future__ import annotations

import re

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
MAX_DIGITS = 20  # the same bound as documents.MAX_DIGITS


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader without aliases, sexagesimal or octal integers, or huge integers."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) aren't accepted in simulator files: "
                "write the value out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
        text = str(self.construct_scalar(node))
        if not _DECIMAL.fullmatch(text.strip()):
            raise ConstructorError(
                None,
                None,
                f"{text!r} is a YAML 1.1 number (octal, hexadecimal or base 60): "
                "write it in decimal, or quote it if it is text",
                node.start_mark,
            )
        digits = text.strip().lstrip("+-").replace("_", "")
        if len(digits) > MAX_DIGITS:
            raise ConstructorError(
                None,
                None,
                f"a number with {len(digits)} digits is longer than any AWS field allows",
                node.start_mark,
            )
        return super().construct_yaml_int(node)


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
