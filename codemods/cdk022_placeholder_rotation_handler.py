"""CDK022: secret rotation steps that do nothing (``pass``, a log line, a docstring) — finding only."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import AstRule, Case
from codemods._helpers import ast_dotted, triggered_prescan

#: The four steps Secrets Manager calls a rotation function with, as Python function names.
STEPS = ("create_secret", "set_secret", "test_secret", "finish_secret")
#: The step names Secrets Manager sends (``event["Step"]``); a module that mentions them is a rotation handler.
EVENT_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
#: Statements with a block (never part of a statement line).
_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
             ast.With, ast.AsyncWith, ast.Try, ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"})


def _step_of(name: str, handler_module: bool) -> str | None:
    """The rotation step a function named ``name`` implements, if any."""
    bare = name.lstrip("_").lower()
    if bare in STEPS:
        return bare
    if handler_module:
        words = set(bare.split("_"))
        for step in STEPS:
            verb = step.split("_")[0]
            if verb in words and ("secret" in words or verb == "finish"):
                return step
    return None


def _may_be_noise(statement: ast.stmt) -> bool:
    """An ``ast`` statement :meth:`PlaceholderRotationHandler._is_noise` may count as doing nothing (any string or constant counts)."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Return):
        return statement.value is None or (isinstance(statement.value, ast.Constant) and statement.value.value is None)
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, (ast.Constant, ast.JoinedStr)):
            return True
        if isinstance(value, ast.Call):
            func = value.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            return name in _LOGGING
    return False


class PlaceholderRotationHandler(AstRule):
    """Reports rotation-function steps whose body is only ``pass``, a docstring or a log line.

    A custom rotation Lambda implements four steps (``create_secret``, ``set_secret``, ``test_secret``,
    ``finish_secret``). Generated handlers often keep the skeleton and leave the steps empty: the rotation
    is scheduled, runs, and never changes the password, or leaves the secret stuck in ``AWSPENDING``. The rule
    reports such a step when it is named like one of the four, or when the module is a rotation handler (it
    dispatches on ``"createSecret"``…) and the function's name contains the step's words
    (``create_new_secret``). Implementing the steps, or replacing the custom function with
    ``hosted_rotation=secretsmanager.HostedRotation.<engine>_single_user()``, is a person's decision.

    An :class:`cdkfix.rule.AstRule` that only reports: functions and their statements are read on the stdlib
    tree (statements joined by ``;`` count as one line, as LibCST groups them); the finding is on the ``def``.
    """

    code = "CDK022"
    name = "placeholder-rotation-handler"
    title = "Secret rotation step with an empty body (placeholder rotation Lambda)"
    why = """
        Secrets Manager calls the rotation function four times per rotation; each step must do its part
        (generate the new version, set it in the database, test it, promote it). A step that only logs
        leaves the credentials unrotated and the compliance requirement ("rotate every 30 days") unmet,
        while everything deploys and reports success. Nothing fails at synthesis.
    """
    source = "seeds/002_2170557884eb4ac5.txt §6 (Secrets Rotation Lambda Not Fully Implemented)"
    fixable = False
    triggers = ("_secret", "Secret")
    before_synthesizes = True
    cases = (
        Case(
            "CDK022-invalid-pass-and-logging",
            """
            import logging
            logger = logging.getLogger()

            def create_secret(service_client, arn, token):
                \"\"\"Create new secret version.\"\"\"
                logger.info("Creating new secret version")
                pass  # No implementation

            def set_secret(service_client, arn, token):
                ...

            def finish_secret(service_client, arn, token): pass
            """,
            finding=True,
        ),
        Case(
            "CDK022-invalid-handler-module-other-names",
            """
            def lambda_handler(event, context):
                step = event["Step"]
                if step == "createSecret":
                    create_new_secret(event)
                elif step == "finishSecret":
                    finish(event)

            def create_new_secret(event):
                print("todo")
                return None
            """,
            finding=True,
        ),
        Case(
            "CDK022-valid-implemented-or-unrelated",
            """
            def create_secret(client, arn, token):
                \"\"\"Create the pending version.\"\"\"
                password = client.get_random_password(ExcludePunctuation=True)["RandomPassword"]
                client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=password,
                                        VersionStages=["AWSPENDING"])

            def test_secret(client, arn, token):
                raise NotImplementedError("rotation test is done by the database team")

            def set_secrets_table(self):
                pass

            def create_secret_resource(self):
                pass
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a function named like a rotation step whose body may be only ``pass``/logging/a docstring."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        handler_module = sum(step in source for step in EVENT_STEPS) >= 2
        return any(_step_of(function.name, handler_module) is not None
                   and all(_may_be_noise(statement) for statement in function.body) for function in scan.functions)

    def check(self) -> None:
        """A rotation step whose body does nothing: the functions of the stdlib tree in a traversal's order, their
        statements grouped into LibCST's statement lines (statements joined by ``;``)."""
        handler_module = sum(step in self.source for step in EVENT_STEPS) >= 2
        for function in sorted(self.scan.functions, key=lambda f: (f.lineno, f.col_offset)):  # type: ignore[union-attr]
            step = _step_of(function.name, handler_module)
            if step is None:
                continue
            if all(self._is_noise(line, i == 0) for i, line in enumerate(self._lines_of(function.body))):
                self.report(function, f"rotation step `{function.name}` does nothing: the secret is never rotated "
                                      f"(implement the `{step}` step, or use `hosted_rotation=` instead of a custom "
                                      "rotation function)")

    def _lines_of(self, body: list[ast.stmt]) -> list[list[ast.stmt]]:
        """``body`` as LibCST's statement lines: a statement joins the previous one when a ``;`` separates them."""
        lines: list[list[ast.stmt]] = []
        for statement in body:
            if lines and not isinstance(statement, _COMPOUND) and not isinstance(lines[-1][-1], _COMPOUND):
                start = self.lines.offset(lines[-1][-1].end_lineno, lines[-1][-1].end_col_offset)  # type: ignore[union-attr,arg-type]
                end = self.lines.offset(statement.lineno, statement.col_offset)  # type: ignore[union-attr]
                if self.source[start:end].lstrip(" \t\f\\\r\n").startswith(";"):
                    lines[-1].append(statement)
                    continue
            lines.append([statement])
        return lines

    def _is_noise(self, line: list[ast.stmt], first: bool) -> bool:
        """Every statement of the line does nothing: ``pass``, ``...``, a docstring (on the first line), a log or
        print call, ``return``."""
        for small in line:
            if isinstance(small, ast.Pass):
                continue
            if isinstance(small, ast.Return) and (small.value is None or (
                    isinstance(small.value, ast.Constant) and small.value.value is None)):
                continue
            if isinstance(small, ast.Expr):
                value = small.value
                if isinstance(value, ast.Constant) and value.value is Ellipsis:
                    continue
                if first and self._plain_string(value):
                    continue
                if isinstance(value, ast.Call) and (ast_dotted(value.func) or "").rsplit(".", 1)[-1] in _LOGGING:
                    continue
            return False
        return True

    def _plain_string(self, value: ast.expr) -> bool:
        """LibCST's ``SimpleString`` or ``ConcatenatedString`` (an f-string on its own is neither)."""
        if isinstance(value, ast.Constant):
            return isinstance(value.value, (str, bytes))
        if not isinstance(value, ast.JoinedStr):
            return False
        start, end = self.lines.span(value)  # type: ignore[union-attr]
        try:
            parsed = cst.parse_expression(f"({self.source[start:end]})")
        except (cst.ParserSyntaxError, SyntaxError, ValueError):
            return False
        return isinstance(parsed, cst.ConcatenatedString)
