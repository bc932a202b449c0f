"""Python code blocks inside Markdown answers: find them, and put edited bodies back in place.

Pure functions, standard library only.  The parser follows CommonMark for fenced code blocks and
is deliberately lenient where generated answers are sloppy:

* Fences are runs of at least three backticks or tildes.  A closing fence uses the opener's
  character, is at least as long, carries nothing but whitespace after it, and is indented at most
  three columns more than the container (list item) the opener sits in.  Backtick openers whose
  info string contains a backtick are inline code, not fences (CommonMark).
* An opener may be indented up to three columns, or up to three columns more than the content
  column of the list item it belongs to (``1. Deploy:`` then ``   ```python``).  List items are
  tracked with a small stack of content columns; lazy paragraph continuation lines do not end an
  item.  A line indented four or more columns past its container is an indented code block and is
  never an opener.
* Deviation from CommonMark: once a fence is open, only a closing fence ends it.  A body line less
  indented than a list item's content column does not close the item and the block; it is kept
  and dedented as far as it goes.  An unclosed fence runs to the end of the document
  (``closed=False``).
* Not supported (never returned): fences inside block quotes (``> ```python``), a fence on the
  same line as a list marker (``- ```python``), setext-heading paths.

Which blocks count as Python: info strings whose first word is ``python``, ``py`` or ``python3``
(any case; ``python:lib/x.py`` is accepted too), and untagged blocks (no info string) whose body
parses with :func:`ast.parse` and imports ``aws_cdk`` (``import aws_cdk...`` or
``from aws_cdk... import``).  Everything else (``bash``, ``json``, ``typescript``...) is skipped.

Each block's ``path`` is the project file it belongs to, taken from the first of these that
names one (``path_source`` says which):

``"info"``
    the info string: ``title="lib/x.py"``, ``file=``, ``filename=``, ``path=``, a lone path after
    the language (```` ```python lib/x.py ````), or ``python:lib/x.py``.
``"heading"`` / ``"label"``
    the nearest heading or label line above the block, looking back no further than the end of
    the previous fenced block of any language.  Headings: ``## File: lib/tap_stack.py``,
    ``### lib/network_stack.py``, ``## `tap.py` (entry point)``, ``### 2. Main Stack
    (`lib/tap_stack.py`)``, ``## main.py - CDK Stack``.  Label lines (a line that is only a path,
    optionally bold/backticked/labelled): ``**File: app.py**``, ``**`app.py`**``, `` `tap.py` ``,
    ``File: lib/x.py``, ``lib/x.py:``.  A heading that names no path (or several) stops the look
    back: the block then has no heading path.
``"comment"``
    a first body line (after a shebang / coding line) that is only a path comment: ``# app.py``,
    ``# File: lib/x.py``.  When a heading path and a comment path both exist the heading wins,
    unless the comment is the same file with more directories (heading ``tap_stack.py``, comment
    ``# lib/tap_stack.py``).
``"prose"``
    the paragraph right above the fence, when it names exactly one ``.py`` file and reads like
    it introduces the whole file ("Here's the complete `main.py` file:", "create this in a file
    called `lambda/index.py`:") rather than a change to it ("Update ... in `lib/tap_stack.py`:").
    This is a guess; callers that want certainty can ignore ``path_source == "prose"``.

Paths are returned as written, minus a leading ``./``; they are not checked for safety here (see
:mod:`cdkfix.extract`).  A ``File:`` label may name a path without an extension (kept as is); the
other forms need an extension such as ``.py``, ``.txt``, ``.json``, ``.yaml``, ``.toml``.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "BlockEdit",
    "CodeBlock",
    "FenceConflictError",
    "PYTHON_LANGS",
    "find_python_blocks",
    "imports_aws_cdk",
    "replace_blocks",
]

PYTHON_LANGS = frozenset({"python", "py", "python3"})


@dataclass(frozen=True)
class CodeBlock:
    """One Python fenced code block of a Markdown document.

    ``text[start:end]`` is the raw body region (everything between the opening fence line and the
    closing fence line, or the end of the document); ``body`` is that region with up to the fence
    indentation removed from every line, with its original line endings.
    """

    index: int            # 0-based among the Python blocks of the document
    fence_line: int       # 1-based line of the opening fence
    body_start_line: int  # 1-based line of the first body line (fence_line + 1)
    lang: str             # "python" | "py" | "python3" | "" (untagged aws_cdk block)
    indent: str           # the opening fence's leading whitespace, as written
    body: str             # dedented source, own line endings
    path: str | None      # project file the block belongs to, or None
    start: int            # character offset of the raw body region in the text
    end: int              # character offset just past the raw body region
    closed: bool = True   # False when the fence runs to the end of the document
    info: str = ""        # the whole info string, stripped
    fence: str = "```"    # the opening fence run, e.g. "```" or "~~~~"
    path_source: str | None = None  # "info" | "heading" | "label" | "comment" | "prose" | None


@dataclass(frozen=True)
class BlockEdit:
    """Replace the body of Python block ``index`` (as numbered by find_python_blocks) with
    ``new_body`` (dedented source, as in :attr:`CodeBlock.body`)."""

    index: int
    new_body: str


class FenceConflictError(ValueError):
    """A new body contains a line that would close the block's fence early."""


# --------------------------------------------------------------------------- lines

@dataclass(frozen=True)
class _Line:
    start: int  # offset of the first character of ``text`` in the document
    text: str   # without line ending (and without a leading BOM on line 1)
    eol: str    # "\n", "\r\n", "\r" or "" (last line without ending)


_EOL_RE = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str) -> list[_Line]:
    """Split on CommonMark line endings only (\\n, \\r\\n, \\r), keeping offsets."""
    lines: list[_Line] = []
    pos = 1 if text.startswith("\ufeff") else 0
    n = len(text)
    while pos < n:
        m = _EOL_RE.search(text, pos)
        if m is None:
            lines.append(_Line(pos, text[pos:], ""))
            break
        lines.append(_Line(pos, text[pos:m.start()], m.group()))
        pos = m.end()
    return lines


def _split_body(body: str) -> list[tuple[str, str]]:
    """(content, eol) pairs of a body string."""
    out: list[tuple[str, str]] = []
    pos, n = 0, len(body)
    while pos < n:
        m = _EOL_RE.search(body, pos)
        if m is None:
            out.append((body[pos:], ""))
            break
        out.append((body[pos:m.start()], m.group()))
        pos = m.end()
    return out


def _columns(ws: str) -> int:
    """Width of leading whitespace, tabs to stops of 4 (CommonMark)."""
    col = 0
    for ch in ws:
        col = (col // 4 + 1) * 4 if ch == "\t" else col + 1
    return col


def _leading_ws(s: str) -> str:
    return s[: len(s) - len(s.lstrip(" \t"))]


def _dedent(s: str, width: int) -> str:
    """Remove up to ``width`` columns of leading whitespace (a tab straddling the limit leaves
    the rest of its width as spaces, as CommonMark does)."""
    col = 0
    k = 0
    while k < len(s) and col < width and s[k] in " \t":
        if s[k] == " ":
            col += 1
        else:
            nxt = (col // 4 + 1) * 4
            if nxt > width:
                return " " * (nxt - width) + s[k + 1:]
            col = nxt
        k += 1
    return s[k:]


# --------------------------------------------------------------------------- block scan

_FENCE_OPEN = re.compile(r"^(?P<ws>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_LIST_ITEM = re.compile(r"^(?P<ws>[ \t]*)(?P<marker>[-+*]|\d{1,9}[.)])(?P<gap>[ \t]+|$)")
_ATX = re.compile(r"^[ \t]*#{1,6}(?:[ \t]|$)")
_THEMATIC = re.compile(r"^[ \t]*(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")


@dataclass(frozen=True)
class _Fence:
    open_idx: int        # index into lines of the opening fence
    close_idx: int | None
    ws: str
    width: int           # columns of ws
    container: int       # content column of the enclosing list item (0 at top level)
    fence: str
    info: str


def _closing_re(fence: str) -> re.Pattern[str]:
    return re.compile(r"^([ \t]*)" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")


def _is_heading(text: str) -> bool:
    return bool(_ATX.match(text)) and _columns(_leading_ws(text)) <= 3


def _scan(lines: Sequence[_Line]) -> list[_Fence]:
    """All fenced code blocks of the document, in order, whatever their language."""
    fences: list[_Fence] = []
    stack: list[int] = []  # content columns of open list items
    prev_para = False
    i, n = 0, len(lines)
    while i < n:
        content = lines[i].text
        if not content.strip():
            prev_para = False
            i += 1
            continue
        ws = _leading_ws(content)
        col = _columns(ws)
        m_fence = _FENCE_OPEN.match(content)
        if m_fence and m_fence["fence"][0] == "`" and "`" in m_fence["info"]:
            m_fence = None  # inline code such as ```x```
        thematic = bool(_THEMATIC.match(content))
        m_item = None if thematic else _LIST_ITEM.match(content)
        starts_block = bool(m_fence or m_item or thematic or _is_heading(content))
        lazy = bool(stack) and col < stack[-1] and prev_para and not starts_block
        if not lazy:
            while stack and stack[-1] > col:
                stack.pop()
        container = stack[-1] if stack else 0
        rel = col - container
        if m_fence and 0 <= rel <= 3:
            fence = m_fence["fence"]
            close = _closing_re(fence)
            j = i + 1
            while j < n:
                mc = close.match(lines[j].text)
                if mc and _columns(mc.group(1)) <= container + 3:
                    break
                j += 1
            fences.append(_Fence(i, j if j < n else None, ws, col, container, fence,
                                 m_fence["info"].strip()))
            prev_para = False
            i = j + 1
            continue
        if rel >= 4 and not prev_para:
            prev_para = False  # indented code block line: nothing in it opens anything
        elif m_item and rel <= 3:
            marker_end = _columns(content[: m_item.end("marker")])
            gap_cols = _columns(content[: m_item.end("gap")]) - marker_end
            if not m_item["gap"] or gap_cols >= 5:
                stack.append(marker_end + 1)
            else:
                stack.append(marker_end + gap_cols)
            prev_para = True
        else:
            prev_para = not (thematic or _is_heading(content))
        i += 1
    return fences


# --------------------------------------------------------------------------- python-ness

def imports_aws_cdk(source: str) -> bool:
    """True when ``source`` parses and has an ``import aws_cdk[...]`` / ``from aws_cdk[...] import``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == "aws_cdk" or a.name.startswith("aws_cdk.") for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0 and (mod == "aws_cdk" or mod.startswith("aws_cdk.")):
                return True
    return False


def _lang_of(info: str) -> tuple[str | None, str | None]:
    """(python lang or None if not python, path named by the info string)."""
    words = info.split()
    if not words:
        return "", None
    first = words[0]
    lang, _, tail = first.partition(":")
    lang = lang.lower()
    if lang not in PYTHON_LANGS:
        return None, None
    if tail and _is_pathish(tail, any_ext=True):
        return lang, _clean_path(tail)
    m = _INFO_ATTR.search(info)
    if m:
        value = m.group(1).strip("\"'")
        if _is_pathish(value, any_ext=True):
            return lang, _clean_path(value)
    if len(words) == 2 and _PATH_FULL.match(words[1].strip("`\"'")):
        return lang, _clean_path(words[1].strip("`\"'"))
    return lang, None


# --------------------------------------------------------------------------- paths

_EXT = r"(?:py|pyi|txt|json|ya?ml|toml|cfg|ini|sh|md|env)"
_PATH_BODY = r"(?:\.{1,2}/|/)?(?:[\w.@+\-]+/)*[\w.@+\-]*\w\." + _EXT
_PATH_IN = re.compile(r"(?<![\w./\-])(" + _PATH_BODY + r")(?![\w/\-])")
_PATH_FULL = re.compile(r"^" + _PATH_BODY + r"$")
_ANY_PATH = re.compile(r"^(?:\.{1,2}/|/)?(?:[\w.@+\-]+/)*[\w.@+\-]+$")
_INFO_ATTR = re.compile(r"\b(?:title|file|filename|path)\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)", re.I)
_FILE_LABEL = re.compile(
    r"\b(?:file(?:name)?|file ?path|path)\s*:\s*[*`\"']*(?P<p>[^\s*`\"'()]+)", re.I)
_LABEL_LINE = re.compile(
    r"^(?:(?:file(?:name)?|file ?path|path)\s*:\s*)?[*`\"']*(?P<p>[^\s*`\"']+?)[*`\"']*:?"
    r"(?:\s*\([^)]*\))?$", re.I)
_COMMENT_LINE = re.compile(
    r"^#\s*(?P<label>(?:file(?:name)?|file ?path|path)\s*:\s*)?[`\"']?(?P<p>[^\s`\"']+?)[`\"']?:?\s*$", re.I)
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_STRONG_WHOLE = re.compile(r"\b(?:complete|full|entire|final|whole|consolidat\w*)\b", re.I)
_WEAK_WHOLE = re.compile(r"\b(?:create|called|named|here's|here is|following|contents?)\b", re.I)
_PARTIAL = re.compile(
    r"\b(?:updat\w*|modif\w*|chang\w*|add|adding|replac\w*|snippet|excerpt|section|part of|portion"
    r"|patch\w*|fix\w*|insert\w*|append\w*)\b|\bin `", re.I)


def _clean_path(p: str) -> str:
    p = p.strip().strip("`\"'").rstrip(".,:;")
    while p.startswith("./"):
        p = p[2:]
    return p


def _is_pathish(p: str, any_ext: bool) -> bool:
    p = p.strip("`\"'").rstrip(".,:;")
    if not p or p in (".", ".."):
        return False
    if _PATH_FULL.match(p):
        return True
    return any_ext and bool(_ANY_PATH.match(p)) and any(c.isalnum() for c in p)


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for it in items:
        if it not in seen:
            seen.append(it)
    return seen


def _path_in_line(text: str) -> str | None:
    """The one path a heading names, or None (none, or several different ones)."""
    m = _FILE_LABEL.search(text)
    if m and _is_pathish(m["p"], any_ext=True):
        return _clean_path(m["p"])
    ticked = _unique(_clean_path(t) for t in _BACKTICKED.findall(text) if _PATH_FULL.match(t.strip()))
    if len(ticked) == 1:
        return ticked[0]
    if len(ticked) > 1:
        return None
    bare = _unique(_clean_path(p) for p in _PATH_IN.findall(text))
    return bare[0] if len(bare) == 1 else None


def _label_path(text: str) -> str | None:
    """The path of a label line such as ``**File: app.py**`` or `` `tap.py` ``, else None."""
    if _LIST_ITEM.match(text) or _is_heading(text):
        return None
    core = text.strip().strip("*`: \t")
    if not core or len(core) > 200:
        return None
    m = _LABEL_LINE.match(core)
    if not m:
        return None
    labelled = bool(re.match(r"(?:file(?:name)?|file ?path|path)\s*:", core, re.I))
    p = m["p"]
    if _PATH_FULL.match(p.rstrip(".,:;")) or (labelled and _is_pathish(p, any_ext=True)):
        return _clean_path(p)
    return None


def _comment_path(body: str) -> str | None:
    """``# app.py`` / ``# File: lib/x.py`` as the first real line of the body."""
    for k, (content, _eol) in enumerate(_split_body(body)):
        s = content.strip()
        if not s:
            continue
        if k < 2 and (s.startswith("#!") or re.match(r"^#.*coding[:=]", s)):
            continue
        m = _COMMENT_LINE.match(s)
        if not m:
            return None
        p = m["p"]
        if _PATH_FULL.match(p.rstrip(".,:;")) or (m["label"] and _is_pathish(p, any_ext=True)):
            return _clean_path(p)
        return None
    return None


def _context_path(lines: Sequence[_Line], lo: int, hi: int) -> tuple[str | None, str | None]:
    """Scan lines[lo:hi] backwards for a heading / label path; also return a prose guess."""
    ctx: tuple[str | None, str | None] = (None, None)
    for k in range(hi - 1, lo - 1, -1):
        t = lines[k].text
        if not t.strip():
            continue
        if _is_heading(t):
            p = _path_in_line(t)
            ctx = (p, "heading") if p else (None, None)
            break
        p = _label_path(t)
        if p:
            ctx = (p, "label")
            break
    return ctx


def _prose_path(lines: Sequence[_Line], lo: int, hi: int) -> str | None:
    para: list[str] = []
    k = hi - 1
    while k >= lo and not lines[k].text.strip():
        k -= 1
    while k >= lo and lines[k].text.strip() and not _is_heading(lines[k].text):
        para.append(lines[k].text)
        k -= 1
    if not para:
        return None
    text = " ".join(reversed(para))
    ticked = [t.strip() for t in _BACKTICKED.findall(text)]
    paths = _unique(_clean_path(t) for t in ticked if _PATH_FULL.match(t) and t.endswith(".py"))
    if not paths:
        paths = _unique(_clean_path(p) for p in _PATH_IN.findall(text) if p.endswith(".py"))
    if len(paths) != 1:
        return None
    if _STRONG_WHOLE.search(text) or (_WEAK_WHOLE.search(text) and not _PARTIAL.search(text)):
        return paths[0]
    return None


def _choose_path(info_p: str | None, ctx: tuple[str | None, str | None], comment_p: str | None,
                 prose_p: str | None) -> tuple[str | None, str | None]:
    if info_p:
        return info_p, "info"
    ctx_p, ctx_src = ctx
    if ctx_p and comment_p:
        if comment_p != ctx_p and comment_p.endswith("/" + ctx_p):
            return comment_p, "comment"
        return ctx_p, ctx_src
    if ctx_p:
        return ctx_p, ctx_src
    if comment_p:
        return comment_p, "comment"
    if prose_p:
        return prose_p, "prose"
    return None, None


# --------------------------------------------------------------------------- public API

@dataclass(frozen=True)
class _Found:
    block: CodeBlock
    fence: _Fence
    lines: tuple[_Line, ...]  # raw body lines
    open_line: _Line


def _find(text: str) -> list[_Found]:
    lines = _split_lines(text)
    found: list[_Found] = []
    prev_end = 0  # first line index after the previous fenced block
    for f in _scan(lines):
        lo, prev_end = prev_end, (f.close_idx + 1 if f.close_idx is not None else len(lines))
        lang, info_path = _lang_of(f.info)
        if lang is None:
            continue
        opener = lines[f.open_idx]
        body_hi = f.close_idx if f.close_idx is not None else len(lines)
        raw = tuple(lines[f.open_idx + 1: body_hi])
        body = "".join(_dedent(ln.text, f.width) + ln.eol for ln in raw)
        if lang == "" and not imports_aws_cdk(body):
            continue
        start = opener.start + len(opener.text) + len(opener.eol)
        end = lines[f.close_idx].start if f.close_idx is not None else len(text)
        path, source = _choose_path(info_path, _context_path(lines, lo, f.open_idx),
                                    _comment_path(body), _prose_path(lines, lo, f.open_idx))
        block = CodeBlock(index=len(found), fence_line=f.open_idx + 1,
                          body_start_line=f.open_idx + 2, lang=lang, indent=f.ws, body=body,
                          path=path, start=start, end=end, closed=f.close_idx is not None,
                          info=f.info, fence=f.fence, path_source=source)
        found.append(_Found(block, f, raw, opener))
    return found


def find_python_blocks(text: str) -> list[CodeBlock]:
    """Every Python fenced code block of a Markdown document, in document order."""
    return [f.block for f in _find(text)]


def _block_eol(found: _Found) -> str:
    counts = Counter(ln.eol for ln in found.lines if ln.eol)
    if counts:
        return counts.most_common(1)[0][0]
    return found.open_line.eol or "\n"


def _new_region(found: _Found, new_body: str) -> str:
    """The raw text that replaces text[start:end] so that the block's body becomes new_body.

    Lines equal to old body lines (ignoring which line ending they use) keep their original raw
    bytes; other lines get the fence indentation (empty lines stay empty) and the block's line
    ending.  Pieces are whole lines (content + ending), so only an empty line can start with "\n".
    """
    f = found.fence
    eol = _block_eol(found)
    lines = found.lines
    tail = ""
    if lines and not lines[-1].eol and not _dedent(lines[-1].text, f.width):
        # whitespace at the very end of the document, dedented away: not part of the body
        lines, tail = lines[:-1], lines[-1].text
    # Old lines as the body string splits them: a "\r"-ended line followed by a line that dedents
    # to nothing but "\n" reads as one "\r\n" line of the body, so the two raw lines go together.
    old: list[tuple[str, bool]] = []
    old_raw: list[str] = []
    k = 0
    while k < len(lines):
        ln = lines[k]
        raw_line = ln.text + ln.eol
        if (ln.eol == "\r" and k + 1 < len(lines) and lines[k + 1].eol == "\n"
                and not _dedent(lines[k + 1].text, f.width)):
            k += 1
            raw_line += lines[k].text + lines[k].eol
        old.append((_dedent(ln.text, f.width), bool(ln.eol)))
        old_raw.append(raw_line)
        k += 1
    new = [(content, bool(e)) for content, e in _split_body(new_body)]
    close = _closing_re(f.fence)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(old_raw[i1:i2])
            continue
        for content, has_eol in new[j1:j2]:
            raw = f.ws + content if content else ""
            mc = close.match(raw)
            if mc and _columns(mc.group(1)) <= f.container + 3:
                raise FenceConflictError(
                    f"python block {found.block.index} (line {found.block.fence_line}): new body "
                    f"line {content!r} would close its {f.fence} fence")
            out.append(raw + (eol if has_eol else ""))
    if out and found.block.closed and not out[-1].endswith(("\n", "\r")):
        out[-1] += eol
    if tail and (not out or out[-1].endswith(("\n", "\r"))):
        out.append(tail)
    if out and not found.open_line.eol:
        out.insert(0, eol)  # the opening fence was the document's last line
    # A lone "\r" followed by an empty "\n" line would read back as one "\r\n": use "\r" there.
    prev = found.open_line.eol[-1:]
    for k, piece in enumerate(out):
        if prev == "\r" and piece == "\n":
            out[k] = piece = "\r"
        prev = piece[-1:] or prev
    return "".join(out)


def replace_blocks(text: str, edits: Iterable[BlockEdit]) -> str:
    """Put new bodies into the Python blocks named by ``edits``; every other byte is kept.

    ``edits`` use the indices of :func:`find_python_blocks` on this same ``text``.  A body equal
    to the current one leaves the text byte-for-byte identical; in a changed body, unchanged lines
    keep their original bytes, and new lines are indented by the fence's indentation and end with
    the block's line ending (``\\r\\n`` stays ``\\r\\n``).  A closed block's new body gets a final
    line ending if it lacks one, so the closing fence stays on its own line.

    Raises IndexError for an unknown index, ValueError for two edits of one block, and
    FenceConflictError when a new line would close the fence early.  Note that an edit can change
    which blocks a later :func:`find_python_blocks` returns (an untagged block whose new body no
    longer imports aws_cdk is no longer listed).
    """
    found = _find(text)
    by_index: dict[int, BlockEdit] = {}
    for e in edits:
        if not 0 <= e.index < len(found):
            raise IndexError(f"no python block {e.index} (document has {len(found)})")
        if e.index in by_index:
            raise ValueError(f"two edits for python block {e.index}")
        by_index[e.index] = e
    pieces: list[str] = []
    pos = 0
    for idx in sorted(by_index):
        fd = found[idx]
        if by_index[idx].new_body == fd.block.body:
            continue
        pieces.append(text[pos:fd.block.start])
        pieces.append(_new_region(fd, by_index[idx].new_body))
        pos = fd.block.end
    pieces.append(text[pos:])
    return "".join(pieces)
