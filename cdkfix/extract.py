"""Writing the Python files of a Markdown answer to a directory.

:func:`response_files` maps each Python block (see :func:`cdkfix.markdown.find_python_blocks`)
to a project path:

* A block with a path uses it (a leading ``./`` dropped, ``\\`` read as ``/``, ``//`` and
  ``/./`` collapsed).  When several blocks name the same path, the **last** one wins: answers
  that revise a file ("let's update our code...") give the newer version later.
* Blocks without a path:

  - exactly one pathless block: ``app.py`` when it looks like a CDK entry point (it calls
    ``...App(`` and ``.synth(``); otherwise ``lib/stack.py`` when it defines a class deriving from
    a ``...Stack`` or ``...Construct``; otherwise ``block_<index>.py``;
  - several pathless blocks: ``block_<index>.py`` each, ``<index>`` being the block's index among
    the document's Python blocks (:attr:`CodeBlock.index`);
  - a generated name already taken by a named block (or an earlier generated one) falls back to
    ``block_<index>.py``, then ``block_<index>_<k>.py``.

* Bodies are kept exactly, line endings included; blocks that do not parse are kept too.

:func:`extract_response` writes those files under ``dest_dir``.  It checks every path before
writing anything, and raises :class:`UnsafePathError` (writing nothing) when a path is empty,
absolute (``/x``, ``C:/x``), has a ``..`` component, resolves outside ``dest_dir`` (symlinks in
``dest_dir`` are followed, so a link pointing out is refused), or cannot be written as a file
(a path that is also another path's directory, or whose parent exists as a file).  It creates
parent directories, overwrites existing files, and writes only what the answer has: no
``__init__.py`` is added to package directories that lack one.
"""

from __future__ import annotations

import ntpath
import re
from pathlib import Path, PurePosixPath

from cdkfix.markdown import CodeBlock, find_python_blocks

__all__ = ["UnsafePathError", "extract_response", "response_files"]


class UnsafePathError(ValueError):
    """A path of the answer would be written outside the destination (or cannot be written)."""


_APP_CALL = re.compile(r"App\s*\(")  # cdk.App(), core.App(), MyApp()
_STACK_CLASS = re.compile(r"^[ \t]*class\s+\w+\s*\([^)]*(?:Stack|Construct)\s*[,)]", re.M)
_SYNTH_CALL = re.compile(r"\.synth\s*\(")


def _normalize(path: str) -> str:
    p = path.strip().replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    if p and not p.endswith("/"):
        p = str(PurePosixPath(p))  # "lib//x.py", "lib/./x.py" -> "lib/x.py"
    return p


def _single_name(block: CodeBlock) -> str:
    if _APP_CALL.search(block.body) and _SYNTH_CALL.search(block.body):
        return "app.py"
    if _STACK_CLASS.search(block.body):
        return "lib/stack.py"
    return f"block_{block.index}.py"


def response_files(text: str) -> dict[str, str]:
    """Project path -> source for the Python blocks of a Markdown answer, in document order
    (of first appearance of each path).  See the module docstring for the naming rule."""
    blocks = find_python_blocks(text)
    files: dict[str, str] = {}
    for b in blocks:
        if b.path:
            files[_normalize(b.path)] = b.body
    pathless = [b for b in blocks if not b.path]
    for b in pathless:
        candidates = [_single_name(b)] if len(pathless) == 1 else []
        candidates.append(f"block_{b.index}.py")
        name = next((c for c in candidates if c not in files), None)
        k = 1
        while name is None:
            name = f"block_{b.index}_{k}.py"
            name = None if name in files else name
            k += 1
        files[name] = b.body
    return files


def _check(rel: str, dest: Path) -> Path:
    """The resolved target of ``rel`` under ``dest`` (already resolved), or UnsafePathError."""
    if not rel or "\x00" in rel:
        raise UnsafePathError(f"empty or invalid path {rel!r}")
    posix = PurePosixPath(rel)
    if posix.is_absolute() or ntpath.isabs(rel) or ntpath.splitdrive(rel)[0]:
        raise UnsafePathError(f"absolute path {rel!r}")
    if ".." in posix.parts:
        raise UnsafePathError(f"path {rel!r} goes up with '..'")
    if rel.endswith("/") or not posix.parts or posix.name in ("", "."):
        raise UnsafePathError(f"path {rel!r} names a directory, not a file")
    target = (dest / posix).resolve()
    if target == dest or not target.is_relative_to(dest):
        raise UnsafePathError(f"path {rel!r} resolves outside {dest} (to {target})")
    if target.is_dir():
        raise UnsafePathError(f"path {rel!r} is an existing directory")
    for parent in (dest / posix).parents:
        if parent == dest or not parent.is_relative_to(dest):
            break
        if parent.exists() and not parent.is_dir():
            raise UnsafePathError(f"path {rel!r}: {parent} exists and is not a directory")
    return target


def extract_response(text: str, dest_dir: Path) -> list[Path]:
    """Write the answer's Python files under ``dest_dir``; return the paths written
    (``dest_dir / relative path``, in the order of :func:`response_files`).

    Every path is checked first; on any :class:`UnsafePathError` nothing is written.
    """
    files = response_files(text)
    dest_dir = Path(dest_dir)
    dest = dest_dir.resolve()
    for rel in files:
        _check(rel, dest)
    names = {PurePosixPath(rel) for rel in files}
    for p in names:
        for parent in p.parents:
            if parent in names:
                raise UnsafePathError(f"path {str(parent)!r} is both a file and the directory of {str(p)!r}")
    written: list[Path] = []
    for rel, body in files.items():
        out = dest_dir / PurePosixPath(rel)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(body)
        written.append(out)
    return written
