"""The other files of a project, for rules that need to look across files.

A Markdown answer made of ``## File: lib/x.py`` blocks, or a directory given on the command line, is one
project: a cluster defined in one file and its service in another are seen together. Files are parsed with
the standard library's ``ast`` (fast) and only when a rule asks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from functools import cached_property


class Project:
    """Read-only view of a project's Python sources by path."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)
        self._trees: dict[str, ast.Module | None] = {}

    def tree(self, path: str) -> ast.Module | None:
        """The stdlib AST of one file (None when it does not parse)."""
        if path not in self._trees:
            try:
                self._trees[path] = ast.parse(self.files[path])
            except (SyntaxError, ValueError):
                self._trees[path] = None
        return self._trees[path]

    def trees(self) -> Iterator[tuple[str, ast.Module]]:
        """Every file that parses, with its path."""
        for path in self.files:
            tree = self.tree(path)
            if tree is not None:
                yield path, tree

    @cached_property
    def text(self) -> str:
        """All sources joined (for cheap substring tests)."""
        return "\n".join(self.files.values())
