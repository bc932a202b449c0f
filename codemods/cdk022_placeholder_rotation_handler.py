"""CDK022: secret rotation steps that do nothing (``pass``, a log line, a docstring) — finding only."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import dotted_name, prescan

#: The four steps Secrets Manager calls a rotation function with, as Python function names.
STEPS = ("create_secret", "set_secret", "test_secret", "finish_secret")
#: The step names Secrets Manager sends (``event["Step"]``); a module that mentions them is a rotation handler.
EVENT_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"})


def _is_noise(statement: cst.BaseStatement, first: bool) -> bool:
    """A statement that does nothing: ``pass``, ``...``, a docstring, a log or print call, ``return``."""
    if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return False
    for small in statement.body:
        if isinstance(small, cst.Pass):
            continue
        if isinstance(small, cst.Return) and (small.value is None or (
                isinstance(small.value, cst.Name) and small.value.value == "None")):
            continue
        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.Ellipsis) or (first and isinstance(
                    value, (cst.SimpleString, cst.ConcatenatedString))):
                continue
            if isinstance(value, cst.Call):
                name = dotted_name(value.func) or ""
                if name.rsplit(".", 1)[-1] in _LOGGING:
                    continue
        return False
    return True


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
    """An ``ast`` statement :func:`_is_noise` may count as doing nothing (any string or constant counts)."""
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


class PlaceholderRotationHandler(Rule):
    """Reports rotation-function steps whose body is only ``pass``, a docstring or a log line.

    A custom rotation Lambda implements four steps (``create_secret``, ``set_secret``, ``test_secret``,
    ``finish_secret``). Generated handlers often keep the skeleton and leave the steps empty: the rotation
    is scheduled, runs, and never changes the password, or leaves the secret stuck in ``AWSPENDING``. The rule
    reports such a step when it is named like one of the four, or when the module is a rotation handler (it
    dispatches on ``"createSecret"``…) and the function's name contains the step's words
    (``create_new_secret``). Implementing the steps, or replacing the custom function with
    ``hosted_rotation=secretsmanager.HostedRotation.<engine>_single_user()``, is a person's decision.
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
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        handler_module = sum(step in source for step in EVENT_STEPS) >= 2
        return any(_step_of(function.name, handler_module) is not None
                   and all(_may_be_noise(statement) for statement in function.body) for function in scan.functions)

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Decide whether the module is a rotation handler."""
        result = super().visit_Module(node)
        code = node.code
        self._handler_module = sum(step in code for step in EVENT_STEPS) >= 2
        return result

    def _is_step(self, name: str) -> str | None:
        return _step_of(name, self._handler_module)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        """A rotation step whose body does nothing."""
        step = self._is_step(node.name.value)
        if step is None:
            return True
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body]
        if all(_is_noise(statement, i == 0) for i, statement in enumerate(body)):  # type: ignore[arg-type]
            self.report(node, f"rotation step `{node.name.value}` does nothing: the secret is never rotated "
                              f"(implement the `{step}` step, or use `hosted_rotation=` instead of a custom "
                              "rotation function)")
        return True
