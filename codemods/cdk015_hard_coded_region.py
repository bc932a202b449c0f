"""CDK015: a region spelled out in a URL or ARN that a stack builds (``us-east-1`` → ``{self.region}``)."""

from __future__ import annotations

import ast
import re

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._context import ConstructScope
from codemods._helpers import prefilter_index, prescan

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


def _left_alone(scan, node: ast.AST) -> bool:
    """Inside a ``region=`` argument, an f-string's expression, or a statement that is only a string."""
    for outer in scan.ancestors(node):
        if isinstance(outer, ast.keyword) and outer.arg == "region":
            return True
        if isinstance(outer, ast.FormattedValue):
            return True
        if isinstance(outer, ast.Expr) and outer.value is node:
            body = next((getattr(scan.parents.get(id(outer)), name) for name in ("body", "orelse", "finalbody")
                         if outer in (getattr(scan.parents.get(id(outer)), name, None) or ())), None)
            if body is None:
                return False
            i = body.index(outer)
            alone_before = i == 0 or body[i - 1].end_lineno != outer.lineno
            alone_after = i == len(body) - 1 or body[i + 1].lineno != outer.end_lineno
            return alone_before and alone_after  # LibCST sees a statement line holding only the string
        if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            return False
    return False


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


class HardCodedRegion(ConstructScope, Rule):
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
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        constructs = scan.construct_classes(prefilter_index())
        seen: set[int] = set()
        for top in scan.classes:
            if id(top) not in constructs:
                continue
            for node in ast.walk(top):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                if isinstance(node, ast.Constant):
                    if not isinstance(node.value, str) or not _REGION_CORE.search(node.value):
                        continue
                    if isinstance(scan.parents.get(id(node)), ast.JoinedStr):
                        continue  # a piece of an f-string: the f-string is looked at as a whole
                elif isinstance(node, ast.JoinedStr):
                    if not _REGION_CORE.search(_EXPRESSION.join(
                            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))):
                        continue
                else:
                    continue
                owner = scan.method_class(node)
                if (owner is not None and id(owner) in constructs and not _left_alone(scan, node)
                        and _may_need_fix(scan, node)):
                    return True
        return False

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Reset the exclusion depth."""
        self._skip = 0
        return super().visit_Module(node)

    # -- where strings are left alone -----------------------------------------------------------------
    def visit_Arg(self, node: cst.Arg) -> bool | None:
        """``region=...`` arguments."""
        if node.keyword is not None and node.keyword.value == "region":
            self._skip += 1
        return True

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        """Leave a ``region=`` argument."""
        if original_node.keyword is not None and original_node.keyword.value == "region":
            self._skip -= 1
        return updated_node

    def _excluded_call(self, node: cst.Call) -> bool:
        return self.imports.resolve(node.func) == "aws_cdk.Environment"

    def visit_Call(self, node: cst.Call) -> bool | None:
        """``cdk.Environment(...)``."""
        if self._excluded_call(node):
            self._skip += 1
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """Leave ``cdk.Environment(...)``."""
        if self._excluded_call(original_node):
            self._skip -= 1
        return updated_node

    def _docstring(self, node: cst.SimpleStatementLine) -> bool:
        return len(node.body) == 1 and isinstance(node.body[0], cst.Expr) and isinstance(
            node.body[0].value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool | None:
        """Docstrings (and other bare strings)."""
        if self._docstring(node):
            self._skip += 1
        return True

    def leave_SimpleStatementLine(self, original_node, updated_node):
        """Leave a docstring."""
        if self._docstring(original_node):
            self._skip -= 1
        return updated_node

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> bool | None:
        """Strings nested in an f-string's expression are left alone."""
        self._skip += 1
        return True

    def leave_FormattedStringExpression(self, original_node, updated_node):
        """Leave the f-string's expression."""
        self._skip -= 1
        return updated_node

    # -- the fix -------------------------------------------------------------------------------------
    def _region(self, original: cst.CSTNode) -> cst.BaseExpression | None:
        method = self.construct_method
        if self._skip or method is None or not self.ready(original) or not self.may_apply(original):
            return None
        if method.kind == "stack":
            return cst.parse_expression(f"{method.self_name}.region")
        stack = self.use_name("aws_cdk.Stack")
        return cst.parse_expression(f"{stack}.of({method.self_name}).region")

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.BaseExpression:
        """A plain string becomes an f-string with the region as an expression."""
        prefix = updated_node.prefix
        raw = updated_node.raw_value
        if set(prefix.lower()) & set("buf"):
            return updated_node
        spans = region_spans(raw)
        region = self._region(original_node) if spans else None
        if region is None:
            return updated_node
        parts: list[cst.BaseFormattedStringContent] = [
            cst.FormattedStringExpression(expression=region) if is_region else cst.FormattedStringText(_escape(piece))
            for is_region, piece in _split(raw, spans, 0)]
        quote = updated_node.quote
        replacement = cst.FormattedString(parts=parts, start=f"{prefix}f{quote}", end=quote)
        return self.fix(original_node, updated_node, replacement, self._message(raw, spans))

    def leave_FormattedString(self, original_node: cst.FormattedString,
                              updated_node: cst.FormattedString) -> cst.BaseExpression:
        """The region in an f-string's text becomes an expression."""
        text = "".join(p.value if isinstance(p, cst.FormattedStringText) else _EXPRESSION
                       for p in updated_node.parts)
        if "b" in updated_node.prefix.lower():
            return updated_node
        spans = region_spans(text)
        region = self._region(original_node) if spans else None
        if region is None:
            return updated_node
        parts: list[cst.BaseFormattedStringContent] = []
        offset = 0
        for part in updated_node.parts:
            if not isinstance(part, cst.FormattedStringText):
                parts.append(part)
                offset += 1
                continue
            parts += [cst.FormattedStringExpression(expression=region) if is_region else cst.FormattedStringText(piece)
                      for is_region, piece in _split(part.value, spans, offset)]
            offset += len(part.value)
        return self.fix(original_node, updated_node, updated_node.with_changes(parts=parts),
                        self._message(text, spans))

    def _message(self, text: str, spans: list[tuple[int, int]]) -> str:
        found = sorted({text[start:end] for start, end in spans})
        where = "the stack's region" if self.construct_method and self.construct_method.kind == "stack" else \
            "the region of the construct's stack"
        return f"hard-coded region {', '.join(f'`{r}`' for r in found)} in an AWS address: use {where}"
