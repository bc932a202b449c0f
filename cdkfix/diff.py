"""Unified diffs (difflib), with the file name on both sides as reviewers expect."""

from __future__ import annotations

import difflib


def unified_diff(before: str, after: str, path: str, context: int = 3) -> str:
    """A unified diff of two texts, empty when they are equal. Line endings are left out of the lines."""
    if before == after:
        return ""
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), f"a/{path}", f"b/{path}", lineterm="", n=context
    )
    text = "\n".join(lines)
    if not text:  # only line endings or the final newline changed
        text = f"--- a/{path}\n+++ b/{path}\n@@ whitespace at end of file changed @@"
    return text + "\n"
