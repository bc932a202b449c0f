"""CDK014: ``table.metric_successful_request_latency()`` without the ``Operation`` dimension."""

from __future__ import annotations

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import keyword
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


class DynamodbLatencyDimension(Rule):
    """Adds ``dimensions_map={"Operation": "GetItem"}`` to ``metric_successful_request_latency()``.

    DynamoDB publishes ``SuccessfulRequestLatency`` per table *and operation*, so the CDK method requires
    the ``Operation`` dimension. The rule adds it to ``dimensions_map=`` (into the dict literal the call
    already passes, when it passes one). Unsafe: ``GetItem`` is a guess; the alarm or dashboard may be meant
    for ``Query``, ``PutItem``… Without ``--unsafe-fixes`` the missing dimension is reported with the diff.
    A ``dimensions_map`` that is not a dict literal is reported only.
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

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``x.metric_successful_request_latency(...)`` without ``Operation``."""
        func = original_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != _METHOD:
            return updated_node
        if any(arg.star for arg in original_node.args):
            return updated_node
        message = "`SuccessfulRequestLatency` needs the `Operation` dimension: `GetItem` added (a guess)"
        given = keyword(updated_node, "dimensions_map")
        if given is None:
            quote = self._quote(updated_node)
            value = cst.parse_expression(f"{{{quote}{_DIMENSION}{quote}: {quote}{_OPERATION}{quote}}}")
            return self.fix(original_node, updated_node, add_keyword(updated_node, "dimensions_map", value), message)
        if not isinstance(given.value, cst.Dict):
            self.report(original_node, "`SuccessfulRequestLatency` needs the `Operation` dimension; make sure "
                                       "`dimensions_map` has one", suggestion='dimensions_map={"Operation": "GetItem"}')
            return updated_node
        elements = list(given.value.elements)
        keys = [_literal(e.key) if isinstance(e, cst.DictElement) else None for e in elements]
        if _DIMENSION in keys or None in keys:  # given, or a key this rule cannot read (`**base`)
            return updated_node
        quote = next((e.key.quote for e in elements if isinstance(e.key, cst.SimpleString)), '"')
        entry = cst.DictElement(
            key=cst.SimpleString(f"{quote}{_DIMENSION}{quote}"), value=cst.SimpleString(f"{quote}{_OPERATION}{quote}"))
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
        return self.fix(original_node, updated_node, replacement, message)

    def _quote(self, call: cst.Call) -> str:
        """The quote the call's own strings use (else the double quote)."""
        for arg in call.args:
            if isinstance(arg.value, cst.SimpleString) and arg.value.quote in ('"', "'"):
                return arg.value.quote
        return '"'
