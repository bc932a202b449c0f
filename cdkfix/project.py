"""The other files of a project, for rules that need to look across files.

A Markdown answer made of ``## File: lib/x.py`` blocks, or a directory given on the command line, is one
project: a cluster defined in one file and its service in another are seen together. Files are read and
parsed (with the standard library's ``ast``, which is fast) only when a rule asks, so a project costs
nothing on runs where no cross-file rule fires, and pickles as a list of paths for worker processes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


class Project:
    """Read-only view of a project's Python sources by path."""

    def __init__(self, files: Mapping[str, str] | None = None, *, paths: Sequence[Path] = ()) -> None:
        self._files = dict(files) if files is not None else None
        self._paths = tuple(paths)
        self._trees: dict[str, ast.Module | None] = {}

    @classmethod
    def from_paths(cls, paths: Sequence[Path]) -> Project:
        """A project whose files are read from disk on first use."""
        return cls(paths=paths)

    def __getstate__(self) -> dict[str, object]:
        # Workers re-read lazily-loaded files instead of receiving their text.
        return {"_files": self._files if not self._paths else None, "_paths": self._paths, "_trees": {}}

    @property
    def files(self) -> dict[str, str]:
        """Path -> source text (unreadable or undecodable files are left out)."""
        if self._files is None:
            from cdkfix.sources import SourceError, read_source

            files: dict[str, str] = {}
            for path in self._paths:
                try:
                    files[str(path)] = read_source(path)[1].text
                except SourceError:
                    continue
            self._files = files
        return self._files

    def tree(self, path: str) -> ast.Module | None:
        """The stdlib AST of one file (None when it does not parse)."""
        if path not in self._trees:
            try:
                self._trees[path] = ast.parse(self.files[path])
            except (SyntaxError, ValueError, KeyError):
                self._trees[path] = None
        return self._trees[path]

    def trees(self) -> Iterator[tuple[str, ast.Module]]:
        """Every file that parses, with its path."""
        for path in self.files:
            tree = self.tree(path)
            if tree is not None:
                yield path, tree

    @property
    def text(self) -> str:
        """All sources joined (for cheap substring tests)."""
        return "\n".join(self.files.values())
