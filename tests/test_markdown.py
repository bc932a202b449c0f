"""Tests of cdkfix.markdown (finding / replacing Python blocks) and cdkfix.extract."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cdkfix import markdown as md
from cdkfix.extract import UnsafePathError, extract_response, response_files
from cdkfix.markdown import BlockEdit, CodeBlock, FenceConflictError, find_python_blocks, replace_blocks

F = "```"


def same(text: str) -> str:
    """replace_blocks with every block's own body."""
    return replace_blocks(text, [BlockEdit(b.index, b.body) for b in find_python_blocks(text)])


def lf(s: str) -> str:
    return re.sub(r"\r\n|\r", "\n", s)


# ----------------------------------------------------------------------------- round trips

ROUND_TRIP_DOCS = {
    "backticks": f"Intro\n\n{F}python\nimport aws_cdk as cdk\n\napp = cdk.App()\n{F}\n\nBye\n",
    "tildes": "~~~python\nx = 1\n~~~\n",
    "long_fence": f"````python\ns = '''\n{F}\ninner\n{F}\n'''\n````\n",
    "crlf": f"# T\r\n\r\n{F}python\r\nx = 1\r\n\r\ny = 2\r\n{F}\r\ntail\r\n",
    "no_final_newline": f"{F}py\nx = 1\n{F}",
    "no_final_newline_unclosed": f"{F}python\nx = 1\ny = 2",
    "trailing_spaces": f"text   \n{F}python   \nx = 1   \n   \ny = 2\t\n{F}   \n  \n",
    "tabs": f"{F}python\nclass A:\n\tdef f(self):\n\t\treturn 1\n{F}\n",
    "indented_fence": f"  {F}python\n  x = 1\n    y = 2\n z = 3\n  {F}\n",
    "list_item": f"1. Deploy:\n   {F}python\n   x = 1\n   if x:\n       y = 2\n   {F}\n2. Done\n",
    "info_words": f'{F}Python3 title="lib/a.py" linenums\nx = 1\n{F}\n',
    "mixed_endings": f"{F}python\r\nx = 1\ny = 2\r\rz = 3\n{F}\r\n",
    "cr_only": f"{F}python\rx = 1\r{F}\r",
    "empty_body": f"{F}python\n{F}\n",
    "opener_at_eof": f"text\n{F}python",
    "bom": f"\ufeff{F}python\nx = 1\n{F}\n",
    "whitespace_at_eof": f"  {F}python\n  x = 1\n  ",
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP_DOCS))
def test_round_trip_same_bodies_is_identity(name: str) -> None:
    text = ROUND_TRIP_DOCS[name]
    blocks = find_python_blocks(text)
    assert blocks, name
    assert same(text) == text
    # also through the line-diff path (no "unchanged body" shortcut)
    for f in md._find(text):
        assert md._new_region(f, f.block.body) == text[f.block.start:f.block.end]


def test_line_endings_kept_in_body() -> None:
    (b,) = find_python_blocks(ROUND_TRIP_DOCS["crlf"])
    assert b.body == "x = 1\r\n\r\ny = 2\r\n"
    (b,) = find_python_blocks(ROUND_TRIP_DOCS["cr_only"])
    assert b.body == "x = 1\r"


def test_block_fields() -> None:
    text = f"Intro\n\n## File: lib/a.py\n\n{F}python\nimport os\nx = 1\n{F}\n"
    (b,) = find_python_blocks(text)
    assert isinstance(b, CodeBlock)
    assert (b.index, b.fence_line, b.body_start_line, b.lang, b.indent) == (0, 5, 6, "python", "")
    assert b.body == "import os\nx = 1\n"
    assert text[b.start:b.end] == b.body
    assert (b.path, b.path_source, b.closed, b.fence, b.info) == ("lib/a.py", "heading", True, F, "python")


@pytest.mark.parametrize("info,lang", [("python", "python"), ("py", "py"), ("python3", "python3"),
                                       ("PYTHON", "python"), ("Py", "py"),
                                       ('python title="x.py"', "python"),
                                       ("python {.numberLines}", "python")])
def test_python_info_strings(info: str, lang: str) -> None:
    (b,) = find_python_blocks(f"{F}{info}\nx = 1\n{F}\n")
    assert b.lang == lang and b.body == "x = 1\n"


@pytest.mark.parametrize("info", ["bash", "json", "typescript", "pythonic", "sh", "text", "python-repl"])
def test_other_languages_are_skipped(info: str) -> None:
    assert find_python_blocks(f"{F}{info}\nfrom aws_cdk import App\n{F}\n") == []


def test_index_counts_python_blocks_only() -> None:
    text = (f"{F}bash\nls\n{F}\n{F}python\na = 1\n{F}\n{F}json\n{{}}\n{F}\n"
            f"~~~py\nb = 2\n~~~\n{F}\nnot python\n{F}\n")
    blocks = find_python_blocks(text)
    assert [(b.index, b.body, b.fence_line) for b in blocks] == [(0, "a = 1\n", 4), (1, "b = 2\n", 10)]


# ----------------------------------------------------------------------------- fences

def test_indented_fence_in_list_item() -> None:
    text = ("Steps:\n\n"
            "1. Create the stack:\n\n"
            f"   {F}python\n"
            "   from aws_cdk import Stack\n"
            "\n"
            "   class S(Stack):\n"
            "       pass\n"
            f"   {F}\n\n"
            "2. Nested:\n"
            "   - inner item\n\n"
            f"     {F}python\n"
            "     x = 1\n"
            f"     {F}\n")
    a, b = find_python_blocks(text)
    assert a.indent == "   " and a.body == "from aws_cdk import Stack\n\nclass S(Stack):\n    pass\n"
    assert b.indent == "     " and b.body == "x = 1\n"
    new = replace_blocks(text, [BlockEdit(0, a.body.replace("pass", "x = 1\n    y = 2"))])
    assert new == text.replace("       pass\n", "       x = 1\n       y = 2\n")
    assert same(text) == text


def test_body_less_indented_than_fence_round_trips() -> None:
    text = f"- item\n\n  {F}python\n  a = 1\n b = 2\nc = 3\n\t\td = 4\n  {F}\n"
    (b,) = find_python_blocks(text)
    assert b.body == "a = 1\nb = 2\nc = 3\n  \td = 4\n"  # a tab straddling the indent leaves spaces
    assert same(text) == text
    # changing one line leaves the odd lines alone and indents the new one
    new = replace_blocks(text, [BlockEdit(0, b.body.replace("a = 1", "a = 10"))])
    assert new == text.replace("  a = 1\n", "  a = 10\n")
    assert find_python_blocks(new)[0].body == b.body.replace("a = 1", "a = 10")


def test_tilde_fence_and_backticks_inside() -> None:
    text = f"~~~~python\ndoc = '''\n{F}python\nx\n{F}\n~~~\n'''\n~~~~\nafter\n"
    (b,) = find_python_blocks(text)
    assert b.fence == "~~~~" and b.closed
    assert b.body == f"doc = '''\n{F}python\nx\n{F}\n~~~\n'''\n"
    assert same(text) == text


def test_longer_backtick_fence_contains_triple_backticks() -> None:
    text = f"````python\nhelp = '''\n{F}bash\ncdk deploy\n{F}\n'''\n`````\nrest\n"
    (b,) = find_python_blocks(text)
    assert b.body == f"help = '''\n{F}bash\ncdk deploy\n{F}\n'''\n" and b.closed
    assert text[b.end:] == "`````\nrest\n"


def test_closing_fence_must_match_char_and_length() -> None:
    text = f"````python\nx = 1\n{F}\n~~~~\ny = 2\n````\n"
    (b,) = find_python_blocks(text)
    assert b.body == f"x = 1\n{F}\n~~~~\ny = 2\n"


def test_closing_fence_cannot_have_info() -> None:
    text = f"{F}python\nx = 1\n{F}python\ny = 2\n{F}\n"
    (b,) = find_python_blocks(text)
    assert b.body == f"x = 1\n{F}python\ny = 2\n"


def test_deeply_indented_fence_line_in_body_does_not_close() -> None:
    text = f'{F}python\ndef f():\n    """Usage:\n\n    {F}\n    """\n{F}\n'
    (b,) = find_python_blocks(text)
    assert b.body == f'def f():\n    """Usage:\n\n    {F}\n    """\n'


def test_four_space_indented_fence_is_indented_code_not_a_fence() -> None:
    assert find_python_blocks(f"Text\n\n    {F}python\n    x = 1\n    {F}\n") == []


def test_inline_triple_backticks_are_not_a_fence() -> None:
    text = f"Use {F}python x{F} inline.\n{F}python x = 1{F}\n{F}python\ny = 2\n{F}\n"
    (b,) = find_python_blocks(text)
    assert b.body == "y = 2\n"


def test_block_quote_fences_are_not_supported() -> None:
    assert find_python_blocks(f"> {F}python\n> x = 1\n> {F}\n") == []


def test_unclosed_fence_runs_to_end() -> None:
    text = f"Intro\n{F}python\nx = 1\n\n## Not a heading\n{F}bash\n"
    (b,) = find_python_blocks(text)
    assert not b.closed and b.end == len(text)
    assert b.body == f"x = 1\n\n## Not a heading\n{F}bash\n"
    assert same(text) == text
    new = replace_blocks(text, [BlockEdit(0, "y = 2\n")])
    assert new == f"Intro\n{F}python\ny = 2\n"


def test_untagged_blocks_only_when_cdk_python() -> None:
    text = (f"{F}\nfrom aws_cdk import App, Stack\n\napp = App()\n{F}\n\n"
            f"{F}\ncdk deploy --all\n{F}\n\n"
            f"{F}\nimport aws_cdk.aws_s3 as s3\n{F}\n\n"
            f"{F}\nimport boto3\n{F}\n\n"
            f"{F}\nfrom aws_cdk import (\n{F}\n\n"
            f"~~~\nimport aws_cdk as cdk\n~~~\n")
    blocks = find_python_blocks(text)
    assert [b.lang for b in blocks] == ["", "", ""]
    assert [b.body.splitlines()[0] for b in blocks] == [
        "from aws_cdk import App, Stack", "import aws_cdk.aws_s3 as s3", "import aws_cdk as cdk"]
    assert same(text) == text


def test_imports_aws_cdk() -> None:
    assert md.imports_aws_cdk("from aws_cdk.aws_lambda import Function\n")
    assert md.imports_aws_cdk("def f():\n    import aws_cdk\n")
    assert not md.imports_aws_cdk("import aws_cdk_extra\n")
    assert not md.imports_aws_cdk("from . import aws_cdk\n")
    assert not md.imports_aws_cdk("import aws_cdk(\n")


# ----------------------------------------------------------------------------- paths

@pytest.mark.parametrize("context,path,source", [
    ("## File: lib/tap_stack.py", "lib/tap_stack.py", "heading"),
    ("### lib/network_stack.py", "lib/network_stack.py", "heading"),
    ("## `tap.py`", "tap.py", "heading"),
    ("## `tap.py` (CDK App Entry Point)", "tap.py", "heading"),
    ("### 1. Entry Point: `tap.py`", "tap.py", "heading"),
    ("### 2. Main Stack (`lib/tap_stack.py`)", "lib/tap_stack.py", "heading"),
    ("## Updated `lib/tap_stack.py`", "lib/tap_stack.py", "heading"),
    ("## main.py - CDK Stack", "main.py", "heading"),
    ("## Lambda Function Code (lambda/handler.py)", "lambda/handler.py", "heading"),
    ("### File: bin/tap.py", "bin/tap.py", "heading"),
    ("## File: lib/tap_stack", "lib/tap_stack", "heading"),
    ("## File: `./lib/__init__.py`", "lib/__init__.py", "heading"),
    ("**app.py**", "app.py", "label"),
    ("**File: app.py**", "app.py", "label"),
    ("**`web/__init__.py`**", "web/__init__.py", "label"),
    ("`tap.py`", "tap.py", "label"),
    ("File: lib/x.py", "lib/x.py", "label"),
    ("lib/x.py:", "lib/x.py", "label"),
    ("**lambda/handler.py** (optional)", "lambda/handler.py", "label"),
    ("## File: lib/a.py\n\nThe stack, with all the parts:", "lib/a.py", "heading"),
    ("## Code\n\n**app.py**", "app.py", "label"),
    ("Here's the complete `main.py` file that does it all:", "main.py", "prose"),
    ("Now create this in a file called `lambda/index.py`:", "lambda/index.py", "prose"),
    ("Update the bucket name in `lib/tap_stack.py`:", None, None),
    ("To change the region, modify `tap.py`:", None, None),
    ("Compare `a.py` with `b.py` here:", None, None),
    ("## Implementation", None, None),
    ("## File: lib/a.py\n\n## Usage", None, None),
    ("## Moving from app.py to tap.py", None, None),
    ("## Calling it from Node.js", None, None),
    ("- `app.py`", None, None),
    ("* `app.py`", None, None),
    ("", None, None),
])
def test_path_from_context(context: str, path: str | None, source: str | None) -> None:
    (b,) = find_python_blocks(f"Intro text.\n\n{context}\n\n{F}python\nx = 1\n{F}\n")
    assert (b.path, b.path_source) == (path, source)


@pytest.mark.parametrize("info,path", [
    ('python title="lib/a.py"', "lib/a.py"),
    ("python filename=lib/b.py", "lib/b.py"),
    ("python lib/c.py", "lib/c.py"),
    ("python:lib/d.py", "lib/d.py"),
])
def test_path_from_info_string(info: str, path: str) -> None:
    (b,) = find_python_blocks(f"## File: other.py\n{F}{info}\nx = 1\n{F}\n")
    assert (b.path, b.path_source) == (path, "info")


@pytest.mark.parametrize("first,path", [
    ("# app.py", "app.py"),
    ("# lambda_functions/webhook/handler.py", "lambda_functions/webhook/handler.py"),
    ("#!/usr/bin/env python3\n# app.py", "app.py"),
    ("# File: lib/x.py", "lib/x.py"),
    ("# requirements.txt", "requirements.txt"),
    ("# Key configuration", None),
    ("import os  # app.py", None),
])
def test_path_from_first_line_comment(first: str, path: str | None) -> None:
    (b,) = find_python_blocks(f"## Main application\n\n{F}python\n{first}\nx = 1\n{F}\n")
    assert b.path == path
    assert b.path_source == ("comment" if path else None)


def test_heading_beats_comment_unless_comment_is_more_specific() -> None:
    text = (f"## File: lib/tap_stack.py\n{F}python\n# tap_stack.py\nx = 1\n{F}\n"
            f"## tap_stack.py\n{F}python\n# lib/tap_stack.py\nx = 1\n{F}\n")
    a, b = find_python_blocks(text)
    assert (a.path, a.path_source) == ("lib/tap_stack.py", "heading")
    assert (b.path, b.path_source) == ("lib/tap_stack.py", "comment")


def test_heading_is_used_by_one_block_only() -> None:
    text = (f"## File: lib/a.py\n\n{F}python\nx = 1\n{F}\n\nAnd a usage example:\n\n"
            f"{F}python\ny = 2\n{F}\n\n## File: lib/b.py\n\n{F}bash\nls\n{F}\n{F}python\nz = 3\n{F}\n")
    assert [b.path for b in find_python_blocks(text)] == ["lib/a.py", None, None]


# ----------------------------------------------------------------------------- replace

DOC = (
    "# Answer\r\n"
    "\r\n"
    "Some prose with trailing spaces.   \r\n"
    "\r\n"
    "## File: lib/tap_stack.py\r\n"
    "\r\n"
    f"{F}python\r\n"
    "from aws_cdk import Stack\r\n"
    "\r\n"
    "class TapStack(Stack):\r\n"
    "    def __init__(self, scope, id):\r\n"
    "        super().__init__(scope, id)\r\n"
    f"{F}\r\n"
    "\r\n"
    f"{F}bash\r\n"
    "cdk synth\r\n"
    f"{F}\r\n"
    "\r\n"
    "1. Then:\r\n"
    f"   ~~~py\r\n"
    "   x = 1\r\n"
    "   ~~~\r\n"
    "\t\r\n"
    "end without newline"
)


def test_change_one_block_keeps_every_other_byte() -> None:
    blocks = find_python_blocks(DOC)
    assert len(blocks) == 2
    b0 = blocks[0]
    call = "super().__init__(scope, id)"
    new_body = b0.body.replace(call, call + "\r\n        self.x = 1")
    new = replace_blocks(DOC, [BlockEdit(0, new_body), BlockEdit(1, blocks[1].body)])
    assert new[:b0.start] == DOC[:b0.start]
    assert new[len(new) - (len(DOC) - b0.end):] == DOC[b0.end:]
    assert new == DOC.replace("(scope, id)\r\n", "(scope, id)\r\n        self.x = 1\r\n")
    again = find_python_blocks(new)
    assert again[0].body == new_body
    assert again[1].body == blocks[1].body and again[1].fence_line == blocks[1].fence_line + 1


def test_new_lines_follow_block_line_endings() -> None:
    (b,) = find_python_blocks(ROUND_TRIP_DOCS["crlf"])
    new = replace_blocks(ROUND_TRIP_DOCS["crlf"], [BlockEdit(0, "x = 1\n\ny = 3\nz = 4\n")])
    assert new == f"# T\r\n\r\n{F}python\r\nx = 1\r\n\r\ny = 3\r\nz = 4\r\n{F}\r\ntail\r\n"


def test_list_item_edit_reindents_but_not_empty_lines() -> None:
    text = ROUND_TRIP_DOCS["list_item"]
    new = replace_blocks(text, [BlockEdit(0, "x = 1\n\nif x:\n  \n    y = 3\n")])
    assert new == f"1. Deploy:\n   {F}python\n   x = 1\n\n   if x:\n     \n       y = 3\n   {F}\n2. Done\n"
    assert find_python_blocks(new)[0].body == "x = 1\n\nif x:\n  \n    y = 3\n"


def test_missing_final_newline_is_added_for_closed_block() -> None:
    new = replace_blocks(f"{F}python\nx = 1\n{F}\n", [BlockEdit(0, "y = 2")])
    assert new == f"{F}python\ny = 2\n{F}\n"


def test_body_into_fence_at_end_of_document() -> None:
    new = replace_blocks(ROUND_TRIP_DOCS["opener_at_eof"], [BlockEdit(0, "x = 1\n")])
    assert new == f"text\n{F}python\nx = 1\n"


def test_empty_line_after_lone_cr_is_not_merged_into_crlf() -> None:
    text = f"{F}python\rx\r{F}\r"
    new = replace_blocks(text, [BlockEdit(0, "\ny = 1\n")])
    assert new == f"{F}python\r\ry = 1\r{F}\r"
    assert find_python_blocks(new)[0].body == "\ry = 1\r"


def test_new_line_that_would_close_the_fence_is_refused() -> None:
    with pytest.raises(FenceConflictError):
        replace_blocks(f"{F}python\nx = 1\n{F}\n", [BlockEdit(0, f"s = '''\n{F}\n'''\n")])
    # fine in a longer fence, or when indented deeper than a closing fence may be
    assert replace_blocks(f"````python\nx\n````\n", [BlockEdit(0, f"{F}\n")]) == f"````python\n{F}\n````\n"
    deeper = replace_blocks(f"{F}python\nx\n{F}\n", [BlockEdit(0, f"    {F}\n")])
    assert deeper == f"{F}python\n    {F}\n{F}\n"


def test_bad_edits() -> None:
    text = f"{F}python\nx = 1\n{F}\n"
    with pytest.raises(IndexError):
        replace_blocks(text, [BlockEdit(1, "")])
    with pytest.raises(ValueError):
        replace_blocks(text, [BlockEdit(0, "a\n"), BlockEdit(0, "b\n")])
    assert replace_blocks(text, []) == text


def test_empty_and_blank_bodies() -> None:
    text = f"{F}python\nx = 1\n{F}\n"
    assert replace_blocks(text, [BlockEdit(0, "")]) == f"{F}python\n{F}\n"
    assert replace_blocks(f"{F}python\n{F}\n", [BlockEdit(0, "x = 1\n")]) == text


# ----------------------------------------------------------------------------- property tests

_LINES = st.one_of(
    st.sampled_from([
        f"{F}python", f"{F}py", "~~~python", f"````python", F, "````", "~~~", "~~~~", f"{F}bash",
        f"   {F}python", f"  {F}", f"    {F}python", f"\t{F}python", f"{F}Python3 title=\"a.py\"",
        "1. Step:", "- item", "   - nested", "  * star", "## File: lib/a.py", "**app.py**", "# app.py",
        "import aws_cdk", "from aws_cdk import App", "x = 1", "", "   ", "\t", "\tdef f():",
        "  y = 2  ", "    return 1", "text with `code`", ">  ```python", "---", "Here's `main.py`:",
        f"{F}python x{F}", "\u00e9t\u00e9 \u2028 \x0c",
    ]),
    st.text(alphabet=" \t`~#*-1.abxy_/()=:'\"", max_size=16),
)


@st.composite
def markdownish(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_LINES, max_size=40))
    eols = draw(st.lists(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]),
                         min_size=len(lines), max_size=len(lines)))
    uniform = draw(st.booleans())
    if uniform and eols:
        eols = [eols[0]] * len(eols)
    text = "".join(line + eol for line, eol in zip(lines, eols))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text


_NEW_LINES = st.lists(st.text(alphabet=" \tabxyz=()1:'\"#", max_size=12), max_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish())
@example(f"   {F}python\nx\n   ")
@example(f"   {F}python\nx\r   \ny\n")
@example(f"    {F}python\n{F}python\r{F}python\n")
def test_property_same_bodies_is_identity(text: str) -> None:
    assert same(text) == text
    for f in md._find(text):
        b = f.block
        assert md._new_region(f, b.body) == text[b.start:b.end]
        assert 0 <= b.start <= b.end <= len(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish(), st.data())
def test_property_edit_changes_only_that_body(text: str, data: st.DataObject) -> None:
    blocks = find_python_blocks(text)
    if not blocks:
        return
    b = data.draw(st.sampled_from(blocks))
    added = data.draw(_NEW_LINES)
    keep = data.draw(st.booleans())
    base = b.body if keep else ""
    if base and not base.endswith(("\n", "\r")):
        base += "\n"
    new_body = base + "".join(line + "\n" for line in added)
    if b.lang == "" and not md.imports_aws_cdk(new_body):
        new_body = "import aws_cdk\n" + new_body
        if not md.imports_aws_cdk(new_body):
            return
    new = replace_blocks(text, [BlockEdit(b.index, new_body)])
    assert new[:b.start] == text[:b.start]
    assert new.endswith(text[b.end:])
    again = find_python_blocks(new)
    assert len(again) == len(blocks)
    for old, cur in zip(blocks, again):
        if old.index == b.index:
            want = lf(new_body)
            if want and b.closed and not want.endswith("\n"):
                want += "\n"
            assert lf(cur.body) == want
        else:
            assert cur.body == old.body and cur.path == old.path


# ----------------------------------------------------------------------------- extract

RESPONSE = (
    "Here is the project.\n\n"
    "## File: tap.py\n\n"
    f"{F}python\nimport aws_cdk as cdk\napp = cdk.App()\napp.synth()\n{F}\n\n"
    "## File: lib/tap_stack.py\n\n"
    f"{F}python\r\nfrom aws_cdk import Stack\r\nclass TapStack(Stack):\r\n    pass\r\n{F}\n\n"
    f"{F}bash\ncdk deploy\n{F}\n"
)


def test_response_files_named_blocks() -> None:
    assert response_files(RESPONSE) == {
        "tap.py": "import aws_cdk as cdk\napp = cdk.App()\napp.synth()\n",
        "lib/tap_stack.py": "from aws_cdk import Stack\r\nclass TapStack(Stack):\r\n    pass\r\n",
    }


def test_response_files_pathless_rules() -> None:
    app = f"Answer:\n\n{F}python\nimport aws_cdk as cdk\napp = cdk.App()\napp.synth()\n{F}\n"
    assert list(response_files(app)) == ["app.py"]
    stack = f"Answer:\n\n{F}python\nfrom aws_cdk import Stack\nclass S(Stack):\n    pass\n{F}\n"
    assert list(response_files(stack)) == ["lib/stack.py"]
    custom_app = f"{F}python\nclass MyApp(cdk.App):\n    pass\nMyApp().synth()\n{F}\n"
    assert list(response_files(custom_app)) == ["app.py"]
    construct = f"{F}python\nclass Db(constructs.Construct):\n    pass\n{F}\n"
    assert list(response_files(construct)) == ["lib/stack.py"]
    tests = f"{F}python\nfrom aws_cdk import assertions\ndef test_x():\n    pass\n{F}\n"
    assert list(response_files(tests)) == ["block_0.py"]
    plain = f"Answer:\n\n{F}python\nprint(1)\n{F}\n"
    assert list(response_files(plain)) == ["block_0.py"]
    several = (f"## File: lib/a.py\n{F}python\na = 1\n{F}\n"
               f"Then:\n{F}python\nb = 1\n{F}\nAnd:\n{F}py\nc = 1\n{F}\n")
    assert response_files(several) == {"lib/a.py": "a = 1\n", "block_1.py": "b = 1\n",
                                       "block_2.py": "c = 1\n"}
    taken = f"## File: app.py\n{F}python\nx = 1\n{F}\nThen:\n{F}python\napp = App()\napp.synth()\n{F}\n"
    assert response_files(taken) == {"app.py": "x = 1\n", "block_1.py": "app = App()\napp.synth()\n"}


def test_response_files_last_version_wins() -> None:
    text = f"## File: lib/a.py\n{F}python\nv = 1\n{F}\n## Fixed `./lib/a.py`\n{F}python\nv = 2\n{F}\n"
    assert response_files(text) == {"lib/a.py": "v = 2\n"}


def test_extract_writes_files_byte_for_byte(tmp_path: Path) -> None:
    written = extract_response(RESPONSE, tmp_path / "out")
    assert written == [tmp_path / "out" / "tap.py", tmp_path / "out" / "lib" / "tap_stack.py"]
    stack = (tmp_path / "out/lib/tap_stack.py").read_bytes()
    assert stack == b"from aws_cdk import Stack\r\nclass TapStack(Stack):\r\n    pass\r\n"
    assert not (tmp_path / "out/lib/__init__.py").exists()


@pytest.mark.parametrize("bad", ["../x.py", "/etc/x.py", "lib/../../x.py", "lib/../x.py", "./../x.py"])
def test_extract_refuses_unsafe_paths_and_writes_nothing(tmp_path: Path, bad: str) -> None:
    text = f"## File: ok.py\n{F}python\nx = 1\n{F}\n## File: {bad}\n{F}python\ny = 2\n{F}\n"
    dest = tmp_path / "dest"
    with pytest.raises(UnsafePathError):
        extract_response(text, dest)
    assert not dest.exists()
    assert not (tmp_path / "x.py").exists()


@pytest.mark.parametrize("bad", ["", "C:/x.py", "C:x.py", "..\\x.py", "\\\\server\\x.py", "lib/", ".",
                                 "a\x00.py"])
def test_path_check_refuses_other_forms(tmp_path: Path, bad: str) -> None:
    from cdkfix.extract import _check, _normalize

    with pytest.raises(UnsafePathError):
        _check(_normalize(bad), tmp_path.resolve())


def test_extract_refuses_symlink_escape(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    os.symlink(outside, dest / "lib")
    os.symlink(outside / "target.py", dest / "app.py")
    for path in ("lib/evil.py", "app.py"):
        text = f"## File: ok.py\n{F}python\nx = 1\n{F}\n## File: {path}\n{F}python\ny = 2\n{F}\n"
        with pytest.raises(UnsafePathError):
            extract_response(text, dest)
    assert list(outside.iterdir()) == []
    assert not (dest / "ok.py").exists()


def test_extract_follows_symlinks_that_stay_inside(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "real").mkdir(parents=True)
    os.symlink(dest / "real", dest / "lib")
    extract_response(f"## File: lib/a.py\n{F}python\nx = 1\n{F}\n", dest)
    assert (dest / "real" / "a.py").read_text() == "x = 1\n"


def test_extract_refuses_file_and_directory_clash(tmp_path: Path) -> None:
    text = f"## File: lib\n{F}python\nx = 1\n{F}\n## File: lib/a.py\n{F}python\ny = 2\n{F}\n"
    with pytest.raises(UnsafePathError):
        extract_response(text, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_whitespace_at_end_of_unclosed_block_is_kept() -> None:
    text = ROUND_TRIP_DOCS["whitespace_at_eof"]
    assert find_python_blocks(text)[0].body == "x = 1\n"
    assert replace_blocks(text, [BlockEdit(0, "x = 2\n")]) == f"  {F}python\n  x = 2\n  "
    assert replace_blocks(text, [BlockEdit(0, "x = 2")]) == f"  {F}python\n  x = 2"
