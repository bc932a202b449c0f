"""CDK015: a region spelled out in a URL or ARN that a stack builds (``us-east-1`` → ``{self.region}``)."""

from __future__ import annotations

import ast
import bisect
import re
from types import SimpleNamespace

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit, newline_of
from codemods._context import Method, ast_class_kinds, ast_method_of, ast_super_init_line
from codemods._helpers import ast_dotted, index, parse_expression_text, prefilter_index, prescan

#: An AWS region name (commercial, GovCloud, ISO, China and EU sovereign partitions).
REGION = re.compile(
    r"(?<![A-Za-z0-9])(?:us-gov|us-isob|us-iso|us|eu|eusc|ap|sa|ca|me|af|il|mx|cn)"
    r"-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d{1,2}(?![A-Za-z0-9])")
#: Only strings that address AWS: console URLs, service endpoints, ARNs.
AWS_ADDRESS = re.compile(r"arn:aws|://|amazonaws\.com|aws\.amazon\.com")
#: Addresses whose region is fixed by AWS, not by the stack: CloudFront certificates, Lambda@Edge,
#: global WAF ACLs live in us-east-1 whatever the stack's region; a literal account id names someone's
#: existing resource in its own region.
FIXED_REGION = re.compile(r"arn:aws:(?:acm|lambda|wafv2):us-east-1|:global/|cloudfront|(?<!\d)\d{12}(?!\d)",
                          re.IGNORECASE)


#: What may precede a region that names where the address points: an ARN's region field, a host label
#: (``https://us-east-1.console...``, ``sqs.us-east-1.amazonaws.com``), a ``region=`` query parameter.
#: A region inside a name (``cloudformation-templates-us-east-1``) is part of that name and stays.
_ARN_PREFIX = re.compile(r"arn:aws[\w-]*:[\w\x00-]+:\Z")
_EXPRESSION = "\x00"  # stands for an f-string's expression in the joined text


def _addresses_aws(text: str) -> bool:
    return bool(REGION.search(text)) and bool(AWS_ADDRESS.search(text)) and not FIXED_REGION.search(text)


def region_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` (an f-string's text, expressions as ``\x00``) names the region it addresses."""
    if not _addresses_aws(text):
        return []
    spans = []
    for match in REGION.finditer(text):
        before, after = text[: match.start()], text[match.end():]
        arn_field = bool(_ARN_PREFIX.search(before)) and after.startswith(":")
        host_label = before.endswith(("://", ".")) and after.startswith(".")
        query = before.endswith("region=")
        if arn_field or host_label or query:
            spans.append(match.span())
    return spans


#: What survives of a region in a string's evaluated value whatever escapes surround it (prefilter).
_REGION_CORE = re.compile(r"-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d")
_PREFIX = re.compile(r"[rRbBuUfF]*")


def _literal_text(node: ast.Constant | ast.JoinedStr, segment: str) -> str | None:
    """The text the rule sees in ``node`` (an f-string's expressions as ``\x00``) when its source is one
    literal without escapes, doubled braces or ``=`` specifiers; None when ``ast`` and LibCST may differ."""
    if "\\" in segment:
        return None
    prefix = _PREFIX.match(segment).group()  # type: ignore[union-attr]
    body = segment[len(prefix):]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    if not quote or len(body) < 2 * len(quote) or not body.endswith(quote) or quote in body[len(quote):-len(quote)]:
        return None  # implicit concatenation: LibCST sees the pieces one by one
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if "{{" in body or "}}" in body or "=}" in body or "=!" in body or "=:" in body:
        return None
    return "".join(v.value if isinstance(v, ast.Constant) else _EXPRESSION for v in node.values)


def _may_need_fix(scan, node: ast.Constant | ast.JoinedStr) -> bool:
    """Whether the rule may find a region to replace in this string (never False when it would)."""
    segment = scan.segment(node)
    if not segment:
        return True
    # Necessary whatever the string looks like: both are found in the source text of the piece LibCST sees.
    if not (REGION.search(segment) and AWS_ADDRESS.search(segment)):
        return False
    text = _literal_text(node, segment)
    return text is None or bool(region_spans(text))


def _left_alone(node: ast.AST, ancestors: list[ast.AST]) -> bool:
    """Inside a ``region=`` argument, an f-string's expression, or a statement that is only a string
    (``ancestors``: the nodes around ``node``, outermost first, as far as a class at least)."""
    for depth in range(len(ancestors) - 1, -1, -1):
        outer = ancestors[depth]
        if isinstance(outer, ast.keyword) and outer.arg == "region":
            return True
        if isinstance(outer, ast.FormattedValue):
            return True
        if isinstance(outer, ast.Expr) and outer.value is node:
            parent = ancestors[depth - 1] if depth else None
            body = next((getattr(parent, name) for name in ("body", "orelse", "finalbody")
                         if outer in (getattr(parent, name, None) or ())), None)
            if body is None:
                return False
            i = body.index(outer)
            alone_before = i == 0 or body[i - 1].end_lineno != outer.lineno
            alone_after = i == len(body) - 1 or body[i + 1].lineno != outer.end_lineno
            return alone_before and alone_after  # LibCST sees a statement line holding only the string
        if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            return False
    return False


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_STRINGS = (ast.Constant, ast.JoinedStr)
_NEWLINE = re.compile(r"\r\n?|\n")


def _hit_lines(source: str, starts: list[int]) -> list[int]:
    """The 1-based lines holding a region's core (``-east-1``): a string the rule may change has one on a line
    of its own span (:data:`REGION` matches within a line, and its match contains the core)."""
    lines = {bisect.bisect_right(starts, match.start()) for match in _REGION_CORE.finditer(source)}
    return sorted(lines)


def _first_line(node: ast.AST) -> int | None:
    """The first line of ``node``'s source, decorators included; None for a node without positions."""
    line = getattr(node, "lineno", None)
    if line is not None and isinstance(node, (*_FUNCTIONS, ast.ClassDef)) and node.decorator_list:
        line = min(line, *(d.lineno for d in node.decorator_list))
    return line


def _on_hit_line(node: ast.AST, hits: list[int]) -> bool:
    """Whether ``node`` (decorators included) spans one of the sorted ``hits`` lines (True without positions:
    ``arguments``, ``comprehension``... hold nodes that have them)."""
    first = _first_line(node)
    if first is None:
        return True
    i = bisect.bisect_left(hits, first)
    return i < len(hits) and hits[i] <= node.end_lineno  # type: ignore[attr-defined]


def _children(node: ast.AST):
    """``(child, the list holding it or None)`` in field order."""
    for name in node._fields:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST):
                    yield item, value
        elif isinstance(value, ast.AST):
            yield value, None


def _strings_on(top: ast.AST, hits: list[int], ancestors: list[ast.AST]):
    """Every string (``ast.Constant`` or a whole ``ast.JoinedStr``) under ``top`` on one of the ``hits`` lines,
    with the nodes around it (``ancestors``, outermost first, is the caller's stack, updated in place). Only
    subtrees spanning a hit line are entered: no string elsewhere can name a region."""
    ancestors.append(top)
    for child, _ in _children(top):
        if not _on_hit_line(child, hits):
            continue
        if isinstance(child, _STRINGS):
            yield child
        else:
            yield from _strings_on(child, hits, ancestors)
    ancestors.pop()


def _split(text: str, spans: list[tuple[int, int]], offset: int):
    """(``is_region``, piece) pieces of one text part that starts at ``offset`` in the joined text."""
    position = 0
    for start, end in spans:
        start, end = start - offset, end - offset
        if end <= 0 or start >= len(text):
            continue
        if start > position:
            yield False, text[position:start]
        yield True, text[start:end]
        position = end
    if position < len(text):
        yield False, text[position:]


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class HardCodedRegion(AstRule):
    """Replaces a region literal in a URL or ARN built inside a stack with the stack's own region.

    Console URLs (``https://us-east-1.console.aws.amazon.com/...?region=us-east-1``), service endpoints
    and ARNs built by hand in a Stack subclass's methods name the region the author had in mind, not the
    one the stack is deployed to. Where the region says where the address points (an ARN's region
    field, a host label such as ``us-east-1.console`` or ``sqs.us-east-1.amazonaws.com``, a ``region=``
    query parameter) the rule puts ``{self.region}`` in its place (``{Stack.of(self).region}``
    in a Construct's methods), turning a plain string into an f-string with the same quotes. It leaves
    alone: app-level code, ``region=`` arguments and ``cdk.Environment(...)``, docstrings, strings that are
    only a region name (``allowed = ["us-east-1"]``), addresses AWS pins to us-east-1 (ACM certificates for
    CloudFront, Lambda@Edge, global WAF) and addresses with a literal account id (someone's existing
    resource, in its own region). The code still synthesizes either way: this is a portability fix.

    An :class:`cdkfix.rule.AstRule`: the stdlib tree is walked only through the statements and expressions
    spanning a line with a region in it, keeping the construct method each string is in (what
    ``codemods._context.AstConstructScope`` answers, from the descent's own frames) and leaving out the places the rule
    leaves alone. Each candidate string is parsed by LibCST on its own and edited in place; the pieces of an
    implicit concatenation are fixed (and reported) one by one, as LibCST sees them.
    """

    code = "CDK015"
    name = "hard-coded-region"
    title = "Region literal in a URL or ARN a stack builds instead of the stack's region"
    why = """
        A stack may be deployed to any region (its `env`, the CLI profile); a URL or ARN with `us-east-1`
        written into it points at the wrong region everywhere else: the dashboard link in the output opens
        an empty console, a hand-built ARN names a resource that does not exist. Synthesis succeeds, so the
        mistake shows only after deployment. `self.region` (a token CloudFormation resolves) is always right.
    """
    source = "seeds/002_2170557884eb4ac5.txt §10 (Hard-Coded Region in CloudWatch Dashboard URL Output)"
    triggers = ("-east-", "-west-", "-north-", "-south-", "-central-", "-northeast-", "-southeast-",
                "-northwest-", "-southwest-")
    before_synthesizes = True
    cases = (
        Case(
            "CDK015-invalid-console-url-fstring",
            """
            from aws_cdk import Stack, CfnOutput
            class TapStack(Stack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    CfnOutput(
                        self,
                        "DashboardURL",
                        value=f"https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name={name}",
                    )
            """,
            """
            from aws_cdk import Stack, CfnOutput
            class TapStack(Stack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    CfnOutput(
                        self,
                        "DashboardURL",
                        value=f"https://{self.region}.console.aws.amazon.com/cloudwatch/home?region={self.region}#dashboards:name={name}",
                    )
            """,
        ),
        Case(
            "CDK015-invalid-plain-string-arn-single-quotes",
            """
            import aws_cdk as cdk
            class Logs(cdk.Stack):
                def policy(me):
                    return 'arn:aws:logs:eu-west-1:*:log-group:{app}/*'  # all groups
            """,
            """
            import aws_cdk as cdk
            class Logs(cdk.Stack):
                def policy(me):
                    return f'arn:aws:logs:{me.region}:*:log-group:{{app}}/*'  # all groups
            """,
        ),
        Case(
            "CDK015-invalid-construct-uses-stack-of",
            """
            from constructs import Construct
            class Monitoring(Construct):
                def __init__(self, scope, id):
                    super().__init__(scope, id)
                    self.url = "https://console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2"
            """,
            """
            from constructs import Construct
            from aws_cdk import Stack
            class Monitoring(Construct):
                def __init__(self, scope, id):
                    super().__init__(scope, id)
                    self.url = f"https://console.aws.amazon.com/cloudwatch/home?region={Stack.of(self).region}"
            """,
        ),
        Case(
            "CDK015-invalid-subclass-of-local-stack-and-closure",
            """
            from aws_cdk import Stack as BaseStack
            class Base(BaseStack):
                pass
            class Api(Base):
                def build(self):
                    def link(path):
                        return f"https://sqs.us-west-2.amazonaws.com/{self.account}/{path}"
                    return link
            """,
            """
            from aws_cdk import Stack as BaseStack
            class Base(BaseStack):
                pass
            class Api(Base):
                def build(self):
                    def link(path):
                        return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{path}"
                    return link
            """,
        ),
        Case(
            "CDK015-invalid-arn-with-expressions-and-host-label",
            """
            from aws_cdk import Stack
            class S(Stack):
                def arns(self, service):
                    return [f"arn:aws:{service}:eu-central-1:{self.account}:*",
                            f"https://s3.eu-central-1.amazonaws.com/{self.bucket}/templates-eu-central-1/t.json"]
            """,
            """
            from aws_cdk import Stack
            class S(Stack):
                def arns(self, service):
                    return [f"arn:aws:{service}:{self.region}:{self.account}:*",
                            f"https://s3.{self.region}.amazonaws.com/{self.bucket}/templates-eu-central-1/t.json"]
            """,
        ),
        Case(
            "CDK015-valid-environment-region-kwargs-app-level",
            """
            import aws_cdk as cdk
            from aws_cdk import Stack
            class S(Stack):
                \"\"\"Deployed to https://us-east-1.console.aws.amazon.com by default.\"\"\"
                def __init__(self, scope, id, **kwargs):
                    super().__init__(scope, id, env=cdk.Environment(region="us-east-1"), **kwargs)
                    bucket = s3.Bucket.from_bucket_attributes(self, "B", region="us-west-2", bucket_name="b")
                    regions = ["us-east-1", "eu-west-1"]
                    name = f"logs-us-east-1-{self.account}"
                    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
                    topic = f"arn:aws:sns:us-west-2:123456789012:alerts"
                    edge = f"arn:aws:lambda:us-east-1:{self.account}:function:edge:1"
                    template = "https://s3.amazonaws.com/cloudformation-templates-us-east-1/x.template"
                    self.region
            url = "https://us-east-1.console.aws.amazon.com/cloudwatch/home"
            def helper(self):
                return "https://us-east-1.console.aws.amazon.com"
            class NotAStack:
                def f(self):
                    return "https://us-east-1.console.aws.amazon.com"
            """,
        ),
        Case(
            "CDK015-valid-before-super-init-and-static",
            """
            from aws_cdk import Stack
            class S(Stack):
                def __init__(self, scope, id, **kwargs):
                    super().__init__(scope, id, description="see https://us-east-1.console.aws.amazon.com")
                @staticmethod
                def url():
                    return "https://us-east-1.console.aws.amazon.com"
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a string in a method of a Stack or Construct that names a region where an AWS address points."""
        # A match of ``_REGION_CORE`` holds one of the triggers: one regex scan (with a literal prefix)
        # instead of nine substring scans of the whole text.
        if not _REGION_CORE.search(source):
            return False  # the string to change names a region in its source text
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        constructs = scan.construct_classes(prefilter_index())
        if not constructs:
            return False
        hits = _hit_lines(source, _line_starts(source))
        seen: set[int] = set()
        for top in scan.classes:
            if id(top) not in constructs or not _on_hit_line(top, hits):
                continue
            ancestors: list[ast.AST] = []
            for node in _strings_on(top, hits, ancestors):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                if isinstance(node, ast.Constant):
                    if not isinstance(node.value, str) or not _REGION_CORE.search(node.value):
                        continue
                elif not _REGION_CORE.search(_EXPRESSION.join(
                        v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))):
                    continue
                owner = _method_class(ancestors)
                if (owner is not None and id(owner) in constructs and not _left_alone(node, ancestors)
                        and _may_need_fix(scan, node)):
                    return True
        return False

    # -- finding the strings: the construct method of each (AstConstructScope's answer) and the exclusions -----
    def check(self) -> None:
        """Walk the statements spanning a line with a region (the rest cannot hold a string to change), keeping
        the construct method each string is in (``AstConstructScope``'s answer) and leaving out the places the
        rule always skipped; parse each candidate string with LibCST and make the same fix on it."""
        hits = _hit_lines(self.source, self.lines.starts)  # type: ignore[union-attr]
        if not hits:
            return
        self._hits = hits
        self._kinds: dict[int, str] | None = None
        self._visit(self.tree, [])

    def _visit(self, node: ast.AST, frames: list[tuple[str, Method | None | str]]) -> None:
        """Visit the children of ``node`` that span a hit line, in source order as LibCST does."""
        for child, siblings in _children(node):
            if not _on_hit_line(child, self._hits):
                continue
            if isinstance(child, _STRINGS):
                method = frames[-1][1] if frames and frames[-1][0] == "function" else None
                if method is not None:
                    self._string(child, method)  # type: ignore[arg-type]
                continue
            if isinstance(child, ast.keyword) and child.arg == "region":
                continue  # ``region=`` arguments
            if isinstance(child, ast.Call) and self.imports.resolve_dotted(ast_dotted(child.func)) == \
                    "aws_cdk.Environment":
                continue  # ``cdk.Environment(...)``
            if isinstance(child, ast.Expr) and siblings is not None and self._docstring_line(child, siblings):
                continue  # docstrings and other statement lines holding only a string
            if isinstance(child, ast.ClassDef):
                frames.append(("class", self._class_kinds().get(id(child))))
            elif isinstance(child, _FUNCTIONS):
                frames.append(("function", self._function_method(child, frames)))
            self._visit(child, frames)
            if isinstance(child, (ast.ClassDef, *_FUNCTIONS)):
                frames.pop()

    def _docstring_line(self, statement: ast.Expr, siblings: list) -> bool:
        """A LibCST ``SimpleStatementLine`` holding only this string: not after ``if x:`` on the header's line
        (a ``SimpleStatementSuite``), not joined to other statements with ``;``."""
        if not isinstance(statement.value, _STRINGS) or (
                isinstance(statement.value, ast.Constant) and not isinstance(statement.value.value, (str, bytes))):
            return False
        i = next(k for k, sibling in enumerate(siblings) if sibling is statement)
        if i and siblings[i - 1].end_lineno == statement.lineno:
            return False
        if i + 1 < len(siblings) and siblings[i + 1].lineno == statement.end_lineno:
            return False
        lines = self.lines
        before = lines.line_text(statement.lineno).encode()[:statement.col_offset]  # type: ignore[union-attr]
        if before.strip(b" \t\f"):
            return False  # after a block's colon on the header line
        if statement.lineno > 1:
            previous = lines.line_text(statement.lineno - 1).rstrip()  # type: ignore[union-attr]
            if previous.endswith("\\") and not previous.lstrip().startswith("#"):
                return False  # continued from the header's line
        return True

    def _function_method(self, function: ast.FunctionDef | ast.AsyncFunctionDef,
                         frames: list[tuple[str, Method | None | str]]) -> Method | None:
        """:class:`codemods._context.AstConstructScope`'s answer on the descent's own ``frames`` (no parent map): a
        plain method of a construct class, or a function nested in one that does not rebind its ``self``."""
        if frames and frames[-1][0] == "class":
            kind = frames[-1][1]
            line = ast_super_init_line(function) if function.name == "__init__" and kind is not None else 0
            return ast_method_of(function, kind, line)  # type: ignore[arg-type]
        if frames and frames[-1][0] == "function":
            outer = frames[-1][1]
            args = function.args
            names = {a.arg for a in (*args.args, *args.posonlyargs, *args.kwonlyargs)}
            if isinstance(outer, Method) and outer.self_name not in names:
                return Method(outer.kind, outer.self_name, 0)
        return None

    def _class_kinds(self) -> dict[int, str]:
        """``id(ClassDef)`` -> ``"stack"``/``"construct"`` for the classes whose bases are known (computed on
        first use)."""
        if self._kinds is None:
            classes = self.scan.classes  # type: ignore[union-attr]
            self._kinds = ast_class_kinds(classes, self.imports, index(self.options))
        return self._kinds

    # -- the fix -------------------------------------------------------------------------------------
    def _string(self, node: ast.Constant | ast.JoinedStr, method: Method) -> None:
        """Fix every piece of the string ``node`` (one LibCST string, or the pieces of a concatenation, each its
        own finding) in one edit of ``node``."""
        if not _may_need_fix(self.scan, node):
            return
        start, end = self.lines.span(node)  # type: ignore[union-attr]
        segment = self.source[start:end]
        parsed = parse_expression_text(segment)
        if parsed is None:
            return
        replaced: dict[int, cst.CSTNode] = {}
        recorded: list[int] = []
        findings = self.findings_so_far
        printer = cst.Module(body=[], default_newline=newline_of(segment))  # prints the parsed text back
        for piece, piece_start, piece_end in _pieces(parsed, 0, printer):
            planned = self._plan(piece)
            if planned is None:
                continue
            spans, text = planned
            at = self._place(node, segment, piece_start, piece_end)
            if method.ready_after_line and at.lineno <= method.ready_after_line:
                continue  # before the construct exists
            if self._suppressed(at):
                continue
            region = self._region(method)
            if not self.record_fix(at, self._message(text, spans, method)):
                continue
            replaced[id(piece)] = self._replace(piece, spans, region)
            recorded.append(len(findings) - 1)
        if not recorded:
            return
        new = _with_pieces(parsed, replaced)
        # One edit for the pieces of a concatenated string: every fix withdrawn with it if it cannot be made.
        self.queue(Edit(node, lambda _parsed, new=new: new, recorded[0], also=tuple(recorded[1:])))

    def _place(self, node: ast.AST, segment: str, start: int, end: int) -> SimpleNamespace:
        """An ``ast``-like position (line, byte column, end line) of the piece at ``start:end`` of ``node``'s
        ``segment``: where LibCST placed the piece's finding."""
        if start == 0 and end == len(segment):
            return node  # type: ignore[return-value]
        breaks = list(_NEWLINE.finditer(segment, 0, start))
        line = node.lineno + len(breaks)  # type: ignore[attr-defined]
        if breaks:
            column = start - breaks[-1].end()
        else:
            column = self.lines.char_column(node.lineno, node.col_offset) + start  # type: ignore[union-attr,attr-defined]
        byte_column = len(self.lines.line_text(line)[:column].encode())  # type: ignore[union-attr]
        end_line = line + len(_NEWLINE.findall(segment, start, end))
        return SimpleNamespace(lineno=line, col_offset=byte_column, end_lineno=end_line)

    def _region(self, method: Method) -> cst.BaseExpression:
        if method.kind == "stack":
            return cst.parse_expression(f"{method.self_name}.region")
        stack = self.use_name("aws_cdk.Stack")
        return cst.parse_expression(f"{stack}.of({method.self_name}).region")

    @staticmethod
    def _plan(piece: cst.CSTNode) -> tuple[list[tuple[int, int]], str] | None:
        """The region spans of a string piece and the text they are in; None when there is nothing to change."""
        if isinstance(piece, cst.SimpleString):
            if set(piece.prefix.lower()) & set("buf"):
                return None
            text = piece.raw_value
        elif isinstance(piece, cst.FormattedString):
            text = "".join(p.value if isinstance(p, cst.FormattedStringText) else _EXPRESSION for p in piece.parts)
            if "b" in piece.prefix.lower():
                return None
        else:
            return None
        spans = region_spans(text)
        return (spans, text) if spans else None

    @staticmethod
    def _replace(piece: cst.CSTNode, spans: list[tuple[int, int]], region: cst.BaseExpression) -> cst.CSTNode:
        """A plain string becomes an f-string with the region as an expression; in an f-string's text, the
        region becomes an expression."""
        if isinstance(piece, cst.SimpleString):
            raw = piece.raw_value
            parts: list[cst.BaseFormattedStringContent] = [
                cst.FormattedStringExpression(expression=region) if is_region else cst.FormattedStringText(_escape(p))
                for is_region, p in _split(raw, spans, 0)]
            quote = piece.quote
            return cst.FormattedString(parts=parts, start=f"{piece.prefix}f{quote}", end=quote)
        assert isinstance(piece, cst.FormattedString)
        parts = []
        offset = 0
        for part in piece.parts:
            if not isinstance(part, cst.FormattedStringText):
                parts.append(part)
                offset += 1
                continue
            parts += [cst.FormattedStringExpression(expression=region) if is_region else cst.FormattedStringText(p)
                      for is_region, p in _split(part.value, spans, offset)]
            offset += len(part.value)
        return piece.with_changes(parts=parts)

    @staticmethod
    def _message(text: str, spans: list[tuple[int, int]], method: Method) -> str:
        found = sorted({text[start:end] for start, end in spans})
        where = "the stack's region" if method.kind == "stack" else "the region of the construct's stack"
        return f"hard-coded region {', '.join(f'`{r}`' for r in found)} in an AWS address: use {where}"


def _line_starts(source: str) -> list[int]:
    """Offsets where the source's lines start (split as ``ast`` counts lines)."""
    return [0, *(match.end() for match in _NEWLINE.finditer(source))]


def _method_class(ancestors: list[ast.AST]) -> ast.ClassDef | None:
    """The class whose method (or a closure in it) the node under ``ancestors`` is in (``Prescan.method_class``
    on the descent's own stack)."""
    seen_function = False
    for outer in reversed(ancestors):
        if isinstance(outer, _FUNCTIONS):
            seen_function = True
        elif isinstance(outer, ast.ClassDef):
            return outer if seen_function else None
    return None


def _pieces(node: cst.CSTNode, start: int, printer: cst.Module):
    """``(piece, start, end)`` of each string of a parsed (parentheses-free) string, offsets in its text
    (``printer`` prints it back: the module with the newline LibCST took as the text's default)."""
    if isinstance(node, cst.ConcatenatedString):
        whole = len(printer.code_for_node(node))
        yield from _pieces(node.left, start, printer)
        yield from _pieces(node.right, start + whole - len(printer.code_for_node(node.right)), printer)
        return
    yield node, start, start + len(printer.code_for_node(node))


def _with_pieces(node: cst.CSTNode, replaced: dict[int, cst.CSTNode]) -> cst.CSTNode:
    """``node`` with the pieces in ``replaced`` (by ``id``) replaced."""
    if isinstance(node, cst.ConcatenatedString):
        return node.with_changes(left=_with_pieces(node.left, replaced), right=_with_pieces(node.right, replaced))
    return replaced.get(id(node), node)
