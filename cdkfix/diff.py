"""Unified diffs (difflib), with the file name on both sides as reviewers expect."""

from __future__ import annotations

import difflib


def unified_diff(before: str, after: str, path: str, context: int = 3) -> str:
    """A unified diff of two texts, empty when they are equal. Line endings are left out of the lines."""
    if before == after:
        return ""
    label = path.lstrip("/")  # git's a/ b/ prefixes, also for absolute paths
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), f"a/{label}", f"b/{label}", lineterm="", n=context
    )
    text = "\n".join(lines)
    if not text:  # only line endings or the final newline changed
        text = f"--- a/{label}\n+++ b/{label}\n@@ whitespace at end of file changed @@"
    return text + "\n"
