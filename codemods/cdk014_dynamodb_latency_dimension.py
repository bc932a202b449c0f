"""CDK014: ``table.metric_successful_request_latency()`` without the ``Operation`` dimension."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit
from codemods._helpers import has_star_args, keyword, parse_call_text, triggered_prescan
from codemods._layout import add_keyword

_METHOD = "metric_successful_request_latency"
_DIMENSION = "Operation"
#: The operation the fix guesses: the most common read, the one the seed's fix chose.
_OPERATION = "GetItem"


def _literal(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class DynamodbLatencyDimension(AstRule):
    """Adds ``dimensions_map={"Operation": "GetItem"}`` to ``metric_successful_request_latency()``.

    DynamoDB publishes ``SuccessfulRequestLatency`` per table *and operation*, so the CDK method requires
    the ``Operation`` dimension. The rule adds it to ``dimensions_map=`` (into the dict literal the call
    already passes, when it passes one). Unsafe: ``GetItem`` is a guess; the alarm or dashboard may be meant
    for ``Query``, ``PutItem``… Without ``--unsafe-fixes`` the missing dimension is reported with the diff.
    A ``dimensions_map`` that is not a dict literal is reported only.

    An :class:`cdkfix.rule.AstRule`: the calls are found on the stdlib tree; each outermost one is parsed by
    LibCST on its own and the call-level logic runs there (on the calls nested in it too, innermost first, as
    a traversal of the module did), findings placed at the ``ast`` calls.
    """

    code = "CDK014"
    name = "dynamodb-latency-dimension"
    title = "DynamoDB `metric_successful_request_latency()` without the `Operation` dimension"
    why = """
        The `SuccessfulRequestLatency` metric exists per operation; `Table.metric_successful_request_latency`
        refuses to build it without one:

            RuntimeError: OperationDimensionRequired: 'Operation' dimension must be passed for the
            'SuccessfulRequestLatency' metric.
    """
    source = "seeds/004_e94ce7889cc0bc1d.txt §7 (DynamoDB Metric Missing Required Dimension)"
    safety = "unsafe"
    triggers = (_METHOD,)
    synth_error = "'Operation' dimension must be passed for the 'SuccessfulRequestLatency' metric."
    cases = (
        Case(
            "CDK014-invalid-no-arguments",
            """
            latency = self.payments_table.metric_successful_request_latency()
            """,
            """
            latency = self.payments_table.metric_successful_request_latency(dimensions_map={"Operation": "GetItem"})
            """,
            unsafe=True,
        ),
        Case(
            "CDK014-invalid-empty-dimensions-map",
            """
            latency = table.metric_successful_request_latency(dimensions_map={})
            """,
            """
            latency = table.metric_successful_request_latency(dimensions_map={"Operation": "GetItem"})
            """,
            unsafe=True,
        ),
        Case(
            "CDK014-invalid-multiline-with-comment",
            """
            alarm = cloudwatch.Alarm(
                self,
                "Latency",
                metric=table.metric_successful_request_latency(
                    period=Duration.minutes(5),  # five minutes
                    statistic='p99',
                ),
            )
            """,
            """
            alarm = cloudwatch.Alarm(
                self,
                "Latency",
                metric=table.metric_successful_request_latency(
                    period=Duration.minutes(5),  # five minutes
                    statistic='p99',
                    dimensions_map={'Operation': 'GetItem'},
                ),
            )
            """,
            unsafe=True,
        ),
        Case(
            "CDK014-invalid-merge-into-dimensions",
            """
            m = t.metric_successful_request_latency(dimensions_map={"TableName": t.table_name})
            """,
            """
            m = t.metric_successful_request_latency(dimensions_map={"TableName": t.table_name, "Operation": "GetItem"})
            """,
            unsafe=True,
        ),
        Case(
            "CDK014-invalid-merge-into-vertical-dict",
            """
            m = t.metric_successful_request_latency(
                dimensions_map={
                    "TableName": t.table_name,
                },
            )
            """,
            """
            m = t.metric_successful_request_latency(
                dimensions_map={
                    "TableName": t.table_name,
                    "Operation": "GetItem",
                },
            )
            """,
            unsafe=True,
        ),
        Case(
            "CDK014-invalid-reported-without-unsafe",
            """
            m = t.metric_successful_request_latency()
            """,
            finding=True,
        ),
        Case(
            "CDK014-invalid-dimensions-variable-reported",
            """
            m = t.metric_successful_request_latency(dimensions_map=dims)
            """,
            finding=True,
            unsafe=True,
        ),
        Case(
            "CDK014-valid-operation-given",
            """
            a = t.metric_successful_request_latency(dimensions_map={"Operation": "Query"})
            b = t.metric_successful_request_latency(dimensions_map={"TableName": n, 'Operation': "PutItem"})
            c = t.metric_successful_request_latency(**options)
            d = t.metric_successful_request_latency(dimensions_map={**base})
            e = t.metric_consumed_read_capacity_units()
            """,
            unsafe=True,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a call of the method whose ``dimensions_map`` is missing, is no dict literal, or is a dict of
        plain string keys without ``"Operation"`` (what :meth:`_check_call` acts on)."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        for call in scan.calls:
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == _METHOD) or has_star_args(call):
                continue
            given = next((kw.value for kw in call.keywords if kw.arg == "dimensions_map"), None)
            if given is None or not isinstance(given, ast.Dict):
                return True
            keys = given.keys
            # A key LibCST cannot read (``**base``, a concatenation) stops the rule; the stdlib sees a
            # concatenation as one string, so this may say yes where the rule then does nothing.
            if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys) and \
                    not any(k.value == _DIMENSION for k in keys):  # type: ignore[union-attr]
                return True
        return False

    def check(self) -> None:
        """Run the call-level logic on a LibCST parse of each outermost ``metric_successful_request_latency``
        call (with the ones nested in it)."""
        candidates = sorted((call for call in self.scan.calls  # type: ignore[union-attr]
                             if isinstance(call.func, ast.Attribute) and call.func.attr == _METHOD
                             and not has_star_args(call)),
                            key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        groups: list[list[ast.Call]] = []  # an outermost call, then the candidates inside it
        for call in candidates:
            last = groups[-1][0] if groups else None
            if last is None or (call.lineno, call.col_offset) >= (last.end_lineno, last.end_col_offset):
                groups.append([call])
            else:
                groups[-1].append(call)
        for group in groups:
            self._check_group(group)

    def _check_group(self, group: list[ast.Call]) -> None:
        """Parse the outermost call of ``group`` and run :meth:`_check_call` on every candidate in it, in a
        traversal's order (innermost first: by end position); queue the new text when a fix was applied."""
        outer = group[0]
        start, end = self.lines.span(outer)  # type: ignore[union-attr]
        parsed = parse_call_text(self.source[start:end])
        if parsed is None:
            return  # not a call LibCST parses on its own: leave it alone
        order = sorted(group, key=lambda c: (c.end_lineno, c.end_col_offset))
        findings = self.findings_so_far
        first = len(findings)
        if len(order) == 1:
            new = self._check_call(parsed, parsed, order[0])
        else:
            new = parsed.visit(_Calls(self, order))
        applied = [i for i in range(first, len(findings)) if findings[i].applied]
        if applied:  # one edit for the call and the calls inside it, every fix withdrawn with it if need be
            self.queue(Edit(outer, lambda _parsed, new=new: new, applied[0], also=tuple(applied[1:])))

    def _check_call(self, original_node: cst.Call, updated_node: cst.Call, at: ast.Call) -> cst.BaseExpression:
        """``x.metric_successful_request_latency(...)`` without ``Operation`` (``at``: the call in the stdlib
        tree, where findings go)."""
        message = "`SuccessfulRequestLatency` needs the `Operation` dimension: `GetItem` added (a guess)"
        given = keyword(updated_node, "dimensions_map")
        if given is None:
            quote = self._quote(updated_node)
            value = cst.parse_expression(f"{{{quote}{_DIMENSION}{quote}: {quote}{_OPERATION}{quote}}}")
            return self._fix(at, updated_node, add_keyword(updated_node, "dimensions_map", value), message)
        if not isinstance(given.value, cst.Dict):
            self.report(at, "`SuccessfulRequestLatency` needs the `Operation` dimension; make sure "
                            "`dimensions_map` has one", suggestion='dimensions_map={"Operation": "GetItem"}')
            return updated_node
        elements = list(given.value.elements)
        keys = [_literal(e.key) if isinstance(e, cst.DictElement) else None for e in elements]
        if _DIMENSION in keys or None in keys:  # given, or a key this rule cannot read (`**base`)
            return updated_node
        quote = next((e.key.quote for e in elements if isinstance(e.key, cst.SimpleString)), '"')
        entry = cst.DictElement(
            key=cst.SimpleString(f"{quote}{_DIMENSION}{quote}"), value=cst.SimpleString(f"{quote}{_OPERATION}{quote}"))
        if not elements:  # `dimensions_map={}`: the entry alone
            new_dict = given.value.with_changes(elements=[entry])
            replacement = updated_node.with_changes(args=[
                arg.with_changes(value=new_dict) if arg is given else arg for arg in updated_node.args])
            return self._fix(at, updated_node, replacement, message)
        last = elements[-1]
        if isinstance(last.comma, cst.Comma):
            entry = entry.with_changes(comma=last.comma)
            if len(elements) >= 2 and isinstance(elements[-2].comma, cst.Comma):
                separator = elements[-2].comma
            elif isinstance(given.value.lbrace.whitespace_after, cst.ParenthesizedWhitespace):
                separator = cst.Comma(whitespace_after=given.value.lbrace.whitespace_after)
            else:
                separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            elements[-1] = last.with_changes(comma=separator)
        else:
            elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        new_dict = given.value.with_changes(elements=elements + [entry])
        replacement = updated_node.with_changes(args=[
            arg.with_changes(value=new_dict) if arg is given else arg for arg in updated_node.args])
        return self._fix(at, updated_node, replacement, message)

    def _fix(self, at: ast.Call, updated: cst.Call, replacement: cst.Call, message: str) -> cst.Call:
        """:meth:`cdkfix.rule.Rule.fix` with the finding on the ``ast`` call."""
        return replacement if self.record_fix(at, message) else updated

    def _quote(self, call: cst.Call) -> str:
        """The quote the call's own strings use (else the double quote)."""
        for arg in call.args:
            if isinstance(arg.value, cst.SimpleString) and arg.value.quote in ('"', "'"):
                return arg.value.quote
        return '"'


class _Calls(cst.CSTTransformer):
    """Runs the rule's :meth:`DynamodbLatencyDimension._check_call` on the candidate calls of a parsed call,
    paired in order with their ``ast`` calls."""

    def __init__(self, rule: DynamodbLatencyDimension, calls: list[ast.Call]) -> None:
        super().__init__()
        self.rule, self.calls = rule, iter(calls)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != _METHOD or any(a.star for a in original_node.args):
            return updated_node
        return self.rule._check_call(original_node, updated_node, next(self.calls))
