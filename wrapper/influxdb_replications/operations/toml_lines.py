"""The line of every key, table and array element of a TOML text, from tree-sitter's TOML grammar.

The fleet file's errors say ``FILE:LINE``; tomllib reads the values but reports no positions.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser


__all__ = ["Key", "KeyPath", "Locator"]

Key = str | int
KeyPath = tuple[Key, ...]


class Locator:
    """The line where each key, table and array element of a TOML text starts.

    Paths are tuples: ``("hosts", 2, "url")`` is the ``url`` key of the third ``[[hosts]]`` table,
    ``("remotes", 0, "hosts", 1)`` the second element of the first remote's ``hosts`` array. The positions
    come from tree-sitter's TOML grammar (a concrete syntax tree, so every node knows its line); the values
    come from tomllib, which the text must already have passed.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._arrays: dict[KeyPath, int] = {}  # array-of-tables path -> tables seen so far
        table: KeyPath = ()
        for node in _toml_parser().parse(text.encode()).root_node.named_children:
            if node.type == "pair":
                self._pair(node, ())
            elif node.type in ("table", "table_array_element"):
                table = self._header(node)
                for child in node.named_children[1:]:
                    if child.type == "pair":
                        self._pair(child, table)

    def line(self, path: Sequence[Key]) -> int | None:
        """The line of ``path``, else of its nearest recorded ancestor (None: not even the first key)."""
        key = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return None

    def exact(self, path: Sequence[Key]) -> int | None:
        """The line of ``path`` itself, or None."""
        return self._lines.get(tuple(path))

    def _record(self, path: KeyPath, node: Node, *, overwrite: bool = False) -> None:
        if overwrite or path not in self._lines:
            self._lines[path] = node.start_point.row + 1

    def _header(self, node: Node) -> KeyPath:
        is_array = node.type == "table_array_element"
        parts = _key_parts(node.named_children[0])
        resolved: KeyPath = ()
        for i, part in enumerate(parts):
            resolved = (*resolved, part)
            self._record(resolved, node)
            last = i == len(parts) - 1
            if resolved in self._arrays and not (last and is_array):
                # [a.b] after [[a]]: b belongs to the last table of a
                resolved = (*resolved, self._arrays[resolved] - 1)
        if is_array:
            index = self._arrays.get(resolved, 0)
            self._arrays[resolved] = index + 1
            resolved = (*resolved, index)
        self._record(resolved, node, overwrite=True)
        return resolved

    def _pair(self, node: Node, table: KeyPath) -> None:
        children = [child for child in node.named_children if child.type != "comment"]
        path = table
        for part in _key_parts(children[0]):
            path = (*path, part)
            self._record(path, node)
        if len(children) > 1:
            self._value(children[1], path)

    def _value(self, node: Node, path: KeyPath) -> None:
        if node.type == "array":
            elements = [child for child in node.named_children if child.type != "comment"]
            for index, element in enumerate(elements):
                self._record((*path, index), element)
                self._value(element, (*path, index))
        elif node.type == "inline_table":
            for child in node.named_children:
                if child.type == "pair":
                    self._pair(child, path)


def _key_parts(node: Node) -> list[str]:
    """The parts of a (dotted) key node, quotes removed and escapes decoded."""
    if node.type == "dotted_key":
        return [part for child in node.named_children for part in _key_parts(child)]
    raw = (node.text or b"").decode()
    if node.type == "quoted_key":
        return [raw[1:-1] if raw.startswith("'") else tomllib.loads(f"k = {raw}")["k"]]
    return [raw]


@functools.cache
def _toml_parser() -> Parser:
    from tree_sitter import Language
    from tree_sitter import Parser as TreeSitterParser
    from tree_sitter_toml import language

    return TreeSitterParser(Language(language()))
