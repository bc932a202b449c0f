"""Finding files, reading them without losing their encoding, and writing them atomically.

A source keeps what it needs to be written back byte-for-byte outside the edited spans: its encoding
(PEP 263 cookie or UTF-8), a UTF-8 BOM, and its line endings (LibCST keeps those in the tree).
"""

from __future__ import annotations

import codecs
import io
import os
import subprocess
import tempfile
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset({".venv", "venv", "cdk.out", "node_modules", ".git", "__pycache__", ".tox",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", ".cdkfix_cache"})
SOURCE_SUFFIXES = (".py", ".md", ".markdown")


class SourceError(Exception):
    """A file that cannot be processed; ``str()`` is the one-line reason."""

    def __init__(self, path: str, reason: str, line: int = 0, column: int = 0) -> None:
        super().__init__(reason)
        self.path, self.reason, self.line, self.column = path, reason, line, column

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.reason}"


@dataclass(frozen=True)
class Decoded:
    """A file's text and how to encode it back."""

    text: str
    encoding: str
    bom: bool


def decode(data: bytes, path: str) -> Decoded:
    """Decode Python or Markdown bytes the way Python would read them."""
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    if path.endswith(".py") or path == "-":
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            raise SourceError(path, f"cannot decode: {exc}", 1, 1) from None
    body = data[len(codecs.BOM_UTF8):] if bom else data
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = body[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise SourceError(path, f"cannot decode as {encoding}: {exc}", line, 1) from None
    return Decoded(text, encoding, bom)


def encode(decoded: Decoded, text: str) -> bytes:
    """Encode ``text`` like the original file."""
    return (codecs.BOM_UTF8 if decoded.bom else b"") + text.encode(decoded.encoding)


def read_source(path: Path) -> tuple[bytes, Decoded]:
    """Read and decode one file; raises :class:`SourceError` with the reason."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), "no such file or directory") from None
    except IsADirectoryError:
        raise SourceError(str(path), "is a directory") from None
    except PermissionError:
        raise SourceError(str(path), "permission denied") from None
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return data, decode(data, str(path))


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temporary file in the same directory and a rename.

    Keeps the file's mode; a crash leaves either the old or the new file, never half of one.
    """
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".cdkfix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _git_ignored(root: Path, paths: list[Path]) -> set[Path]:
    """The subset of ``paths`` that git ignores (empty outside a git work tree or without git)."""
    if not paths:
        return set()
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p) for p in paths).encode(), capture_output=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):
        return set()
    return {Path(p) for p in proc.stdout.decode(errors="replace").split("\0") if p}


def discover(paths: Iterable[str], *, exclude: Iterable[str] = (),
             suffixes: tuple[str, ...] = SOURCE_SUFFIXES) -> Iterator[Path | SourceError]:
    """Yield the files to process under ``paths`` (sorted, stable), or an error per missing path.

    Directories are walked recursively, skipping virtualenvs, ``cdk.out``, ``node_modules``, VCS folders
    and, inside a git work tree, what ``.gitignore`` ignores. Files named explicitly are always taken.
    """
    excluded = [e.rstrip("/") for e in exclude]
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield SourceError(raw, "no such file or directory")
            continue
        if path.is_file():
            yield path
            continue
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            for name in sorted(filenames):
                if name.endswith(suffixes):
                    found.append(Path(dirpath) / name)
        ignored = _git_ignored(path, found)
        for file in found:
            if file in ignored or any(_excluded(file, pattern) for pattern in excluded):
                continue
            yield file


def _excluded(path: Path, pattern: str) -> bool:
    text = path.as_posix()
    return path.match(pattern) or text == pattern or text.startswith(pattern + "/") or \
        any(part == pattern for part in path.parts)
