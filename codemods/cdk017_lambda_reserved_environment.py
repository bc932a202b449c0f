"""CDK017: a Lambda ``environment`` that sets a variable the Lambda runtime reserves (``AWS_REGION``…)."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import dotted_name, index, keyword, prefilter_index, prescan
from codemods._layout import without_statements

#: The variables ``Function.addEnvironment`` refuses in aws-cdk-lib 2.275.0 (Lambda's reserved list:
#: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
_FUNCTION_FQNS = frozenset({"aws-cdk-lib.aws_lambda.FunctionBase", "aws-cdk-lib.aws_lambda.Function"})


def _key(element: cst.BaseDictElement) -> str | None:
    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _without_elements(node: cst.Dict, drop: set[int]) -> cst.Dict:
    """``node`` without the elements at positions ``drop``, the layout of the others kept."""
    elements = list(node.elements)
    kept = [i for i in range(len(elements)) if i not in drop]
    if not kept:
        return node.with_changes(elements=[], lbrace=cst.LeftCurlyBrace(), rbrace=cst.RightCurlyBrace())
    lbrace, rbrace = node.lbrace, node.rbrace
    result: list[cst.BaseDictElement] = [elements[i] for i in kept]
    last_kept, last = kept[-1], len(elements) - 1
    if last_kept != last:
        # The new last element ends the way the old last one did, keeping its own trailing comment.
        ending = elements[last].comma
        own = elements[last_kept].comma
        own_line = own.whitespace_after.first_line if isinstance(own, cst.Comma) and isinstance(
            own.whitespace_after, cst.ParenthesizedWhitespace) else None
        if isinstance(ending, cst.Comma):
            if own_line is not None and isinstance(ending.whitespace_after, cst.ParenthesizedWhitespace):
                ending = ending.with_changes(whitespace_after=ending.whitespace_after.with_changes(first_line=own_line))
        elif own_line is not None and isinstance(rbrace.whitespace_before, cst.ParenthesizedWhitespace):
            rbrace = rbrace.with_changes(whitespace_before=rbrace.whitespace_before.with_changes(first_line=own_line))
        result[-1] = result[-1].with_changes(comma=ending)
    return node.with_changes(elements=result, lbrace=lbrace, rbrace=rbrace)


def _is_function_class(api, qualified: str) -> bool:
    """``qualified`` is a Lambda function construct with an ``environment`` prop."""
    if not qualified.startswith("aws_cdk."):
        return False
    info = api.lookup(qualified)
    return info is not None and "environment" in info.props and bool(_FUNCTION_FQNS & {info.fqn, *info.bases})


class LambdaReservedEnvironment(Rule):
    """Removes the variables the Lambda runtime reserves from a function's ``environment``.

    Lambda sets ``AWS_REGION``, ``AWS_DEFAULT_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``, the credentials
    (``AWS_ACCESS_KEY_ID``…) and a few more itself, and refuses a function that sets them; aws-cdk-lib
    checks at synthesis. The rule deletes those keys from the ``environment={...}`` dict literal of a Lambda
    function construct (``lambda_.Function``, ``DockerImageFunction``, ``NodejsFunction``,
    ``SingletonFunction``: classes the API index derives from ``FunctionBase``), or from the dict a
    variable holds when the function is its only user, and deletes ``fn.add_environment("AWS_REGION", ...)``
    statements on such a function. The other entries keep their layout and comments. Safe: the runtime
    provides the same variables with the right values.
    """

    code = "CDK017"
    name = "lambda-reserved-environment"
    title = "Lambda environment sets a variable the runtime reserves (`AWS_REGION`, …)"
    why = """
        The Lambda runtime defines `AWS_REGION`, `AWS_DEFAULT_REGION`, `AWS_LAMBDA_FUNCTION_NAME`, the
        session credentials and other variables; a function may not set them. aws-cdk-lib stops:

            RuntimeError: AWS_REGION environment variable is reserved by the lambda runtime and can not be
            set manually. See https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html

        The handler reads the same names (`os.environ["AWS_REGION"]`) without them being set.
    """
    source = "aws-cdk-lib 2.275.0 Function.addEnvironment (ReservedEnvironmentVariable); no seed documents it"
    triggers = tuple(sorted(RESERVED))
    synth_error = "environment variable is reserved by the lambda runtime and can not be set manually"
    cases = (
        Case(
            "CDK017-invalid-vertical-dict-with-comments",
            """
            from aws_cdk import aws_lambda as lambda_
            fn = lambda_.Function(
                self,
                "Fn",
                environment={
                    "TABLE_NAME": table.table_name,  # the table
                    "AWS_REGION": self.region,  # region
                    "LOG_LEVEL": "INFO",
                },
            )
            """,
            """
            from aws_cdk import aws_lambda as lambda_
            fn = lambda_.Function(
                self,
                "Fn",
                environment={
                    "TABLE_NAME": table.table_name,  # the table
                    "LOG_LEVEL": "INFO",
                },
            )
            """,
        ),
        Case(
            "CDK017-invalid-last-entries-one-line",
            """
            from aws_cdk.aws_lambda import DockerImageFunction
            DockerImageFunction(self, "F", code=code, environment={"STAGE": "dev", 'AWS_DEFAULT_REGION': "us-east-1", "AWS_ACCESS_KEY_ID": key})
            """,
            """
            from aws_cdk.aws_lambda import DockerImageFunction
            DockerImageFunction(self, "F", code=code, environment={"STAGE": "dev"})
            """,
        ),
        Case(
            "CDK017-invalid-last-entry-vertical-no-trailing-comma",
            """
            from aws_cdk import aws_lambda_nodejs as nodejs
            nodejs.NodejsFunction(self, "F", environment={
                "STAGE": "dev",  # stage
                "AWS_REGION": "eu-west-1"
            })
            """,
            """
            from aws_cdk import aws_lambda_nodejs as nodejs
            nodejs.NodejsFunction(self, "F", environment={
                "STAGE": "dev"  # stage
            })
            """,
        ),
        Case(
            "CDK017-invalid-only-entry-and-splat",
            """
            from aws_cdk import aws_lambda
            aws_lambda.Function(self, "A", environment={"AWS_REGION": "us-east-1"})
            aws_lambda.Function(self, "B", environment={**common, "AWS_LAMBDA_FUNCTION_NAME": "b"})
            """,
            """
            from aws_cdk import aws_lambda
            aws_lambda.Function(self, "A", environment={})
            aws_lambda.Function(self, "B", environment={**common})
            """,
        ),
        Case(
            "CDK017-invalid-variable-and-add-environment",
            """
            from aws_cdk import aws_lambda as lambda_
            def build(self):
                env = {
                    "AWS_REGION": self.region,
                    "QUEUE_URL": queue.queue_url,
                }
                fn = lambda_.Function(self, "Fn", environment=env)
                fn.add_environment("AWS_DEFAULT_REGION", self.region)
                fn.add_environment("BUCKET", bucket.bucket_name)
            """,
            """
            from aws_cdk import aws_lambda as lambda_
            def build(self):
                env = {
                    "QUEUE_URL": queue.queue_url,
                }
                fn = lambda_.Function(self, "Fn", environment=env)
                fn.add_environment("BUCKET", bucket.bucket_name)
            """,
        ),
        Case(
            "CDK017-valid-other-constructs-and-shared-dicts",
            """
            from aws_cdk import aws_lambda as lambda_, aws_ecs as ecs
            task.add_container("App", image=image, environment={"AWS_REGION": "us-east-1"})
            ecs.ContainerDefinition(self, "C", task_definition=t, image=i, environment={"AWS_REGION": "x"})
            container.add_environment("AWS_REGION", "us-east-1")
            shared = {"AWS_REGION": "us-east-1"}
            lambda_.Function(self, "F", environment=shared)
            print(shared)
            lambda_.Function(self, "G", environment={"REGION": "us-east-1", "AWS_REGION_NAME": "x"})
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a reserved name as a dict key or as the first argument of ``add_environment``."""
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        reserved = any(any(isinstance(key, ast.Constant) and key.value in RESERVED for key in node.keys)
                       for node in scan.dicts) or any(
            isinstance(call.func, ast.Attribute) and call.func.attr == "add_environment" and call.args
            and isinstance(call.args[0], ast.Constant) and call.args[0].value in RESERVED for call in scan.calls)
        if not reserved:
            return False
        api = prefilter_index()  # the rule only edits what configures a Lambda function built in this file
        return any(_is_function_class(api, qualified) for call in scan.calls for qualified in scan.resolve_all(call.func))

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Find the dicts and ``add_environment`` statements that configure a Lambda function."""
        result = super().visit_Module(node)
        self._dicts: set[int] = set()
        self._statements: set[int] = set()
        collector = _Collector()
        node.visit(collector)
        functions: set[str] = set()
        for call, target in collector.calls:
            if not self._is_function(call):
                continue
            if target:
                functions.add(target)
            environment = keyword(call, "environment")
            if environment is None:
                continue
            if isinstance(environment.value, cst.Dict):
                self._dicts.add(id(environment.value))
            elif isinstance(environment.value, cst.Name):
                name = environment.value.value
                values = collector.bindings.get(name, [])
                if len(values) == 1 and isinstance(values[0], cst.Dict) and collector.uses.get(name, 0) == 1:
                    self._dicts.add(id(values[0]))
        for statement, owner, key in collector.add_environment:
            if owner in functions and key in RESERVED and len(collector.bindings.get(owner, [])) == 1:
                self._statements.add(id(statement))
        return result

    def _is_function(self, call: cst.Call) -> bool:
        qualified = self.imports.resolve(call.func)
        return bool(qualified) and _is_function_class(index(self.options), qualified)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        """Drop the reserved keys of a Lambda environment."""
        if id(original_node) not in self._dicts:
            return updated_node
        drop = {i for i, element in enumerate(updated_node.elements) if _key(element) in RESERVED}
        if not drop:
            return updated_node
        names = ", ".join(f"`{_key(updated_node.elements[i])}`" for i in sorted(drop))
        return self.fix(original_node, updated_node, _without_elements(updated_node, drop),
                        f"{names} {'is' if len(drop) == 1 else 'are'} reserved: the Lambda runtime sets "
                        f"{'it' if len(drop) == 1 else 'them'} itself; removed")

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        """Drop ``fn.add_environment("AWS_REGION", ...)`` statements."""
        return without_statements(original_node, updated_node, self._drop_statement)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """The same at module level."""
        return without_statements(original_node, updated_node, self._drop_statement)

    def _drop_statement(self, orig: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        """``[]`` (removed, the comments above it stay) for a reserved ``add_environment``, else ``None``."""
        if id(orig) in self._statements and self.record_fix(
                orig, "the Lambda runtime sets this variable itself: `add_environment` removed"):
            return []
        return None


class _Collector(cst.CSTVisitor):
    """Calls with their assignment target, name bindings and uses, ``x.add_environment(k, v)`` statements."""

    def __init__(self) -> None:
        self.calls: list[tuple[cst.Call, str | None]] = []
        self.bindings: dict[str, list[cst.BaseExpression]] = {}
        self.uses: dict[str, int] = {}
        self.add_environment: list[tuple[cst.SimpleStatementLine, str, str | None]] = []
        self._target: str | None = None

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = dotted_name(target.target)
            if name:
                self.bindings.setdefault(name, []).append(node.value)
        self._target = dotted_name(node.targets[0].target) if len(node.targets) == 1 else None
        if isinstance(node.value, cst.Call):
            self.calls.append((node.value, self._target))
            self._skip = node.value

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if getattr(self, "_skip", None) is node:
            self._skip = None
            return
        self.calls.append((node, None))

    def visit_Name(self, node: cst.Name) -> None:
        self.uses[node.value] = self.uses.get(node.value, 0) + 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # the attribute's own name is not a use
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # nor a keyword's name
        return False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) != 1 or not isinstance(node.body[0], cst.Expr):
            return
        call = node.body[0].value
        if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "add_environment" and call.args):
            owner = dotted_name(call.func.value)
            key = call.args[0].value
            value = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            if owner:
                self.add_environment.append((node, owner, value if isinstance(value, str) else None))

