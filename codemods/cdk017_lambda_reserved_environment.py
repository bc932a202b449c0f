"""CDK017: a Lambda ``environment`` that sets a variable the Lambda runtime reserves (``AWS_REGION``…)."""

from __future__ import annotations

import ast
import io
import re
import tokenize

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit, newline_of
from codemods._helpers import (LogicalTokens, ast_blocks, ast_dotted, ast_first_argument, ast_keyword, index,
                               prefilter_index, triggered_prescan)
from codemods._layout import ExprStatementRemover

#: The variables ``Function.addEnvironment`` refuses in aws-cdk-lib 2.275.0 (Lambda's reserved list:
#: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
#: Every reserved name holds one of these (``tests/test_prefilters.py`` checks it).
_RESERVED_PARTS = ("AWS_", "LAMBDA_", "_HANDLER", "_X_AMZN_TRACE_ID")
_FUNCTION_FQNS = frozenset({"aws-cdk-lib.aws_lambda.FunctionBase", "aws-cdk-lib.aws_lambda.Function"})
_FINAL_LINE_END = re.compile(r"(?:\r\n|\r|\n)\Z")
_STATEMENT_MESSAGE = "the Lambda runtime sets this variable itself: `add_environment` removed"


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


_Entry = tuple[ast.Expr, list[ast.stmt], ast.stmt]  # a statement, the block holding it, its top-level statement


def _add_environment_statements(tree: ast.Module) -> list[_Entry]:
    """Every ``x.add_environment(...)`` expression statement with an argument, with its block and top-level
    statement: a walk over statements only."""
    found: list[_Entry] = []
    pending: list[tuple[list[ast.stmt], ast.stmt | None]] = [(tree.body, None)]
    while pending:
        block, top = pending.pop()
        for statement in block:
            if isinstance(statement, ast.Expr):
                call = statement.value
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "add_environment" and (call.args or call.keywords)):
                    found.append((statement, block, top or statement))
            else:
                pending.extend((inner, top or statement) for inner in ast_blocks(statement))
    return found


def _uses(tree: ast.Module, names: set[str]) -> dict[str, int]:
    """How often each of ``names`` is a name the LibCST collector counted: every ``Name`` node (def, class,
    parameter, import, ``global``, ``except ... as``, pattern names included) but attribute and keyword
    names and anything in the target of an ``=`` assignment."""
    counts = dict.fromkeys(names, 0)

    def count(name: str | None) -> None:
        if name in counts:
            counts[name] += 1

    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Assign):
            pending.append(node.value)
            continue
        if isinstance(node, ast.Name):
            count(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            count(node.name)
        elif isinstance(node, ast.arg):
            count(node.arg)
        elif isinstance(node, ast.alias):
            count(node.name.split(".")[0])  # `import a.b`: LibCST's Attribute counts its head only
            count(node.asname)
        elif isinstance(node, ast.ImportFrom):
            count((node.module or "").split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                count(name)
        elif isinstance(node, ast.ExceptHandler):
            count(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            count(node.name)
        elif isinstance(node, ast.MatchMapping):
            count(node.rest)
        elif isinstance(node, ast.MatchClass):
            for name in node.kwd_attrs:
                count(name)
        pending.extend(ast.iter_child_nodes(node))
    return counts


def _in_assign_targets(scan) -> set[int]:
    """``id`` of every call inside the target of an ``=`` assignment (the LibCST collector skipped those)."""
    found: set[int] = set()
    for node in scan.assignments:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if not isinstance(target, ast.Name):
                    found.update(id(inner) for inner in ast.walk(target) if isinstance(inner, ast.Call))
    return found


class LambdaReservedEnvironment(AstRule):
    """Removes the variables the Lambda runtime reserves from a function's ``environment``.

    Lambda sets ``AWS_REGION``, ``AWS_DEFAULT_REGION``, ``AWS_LAMBDA_FUNCTION_NAME``, the credentials
    (``AWS_ACCESS_KEY_ID``…) and a few more itself, and refuses a function that sets them; aws-cdk-lib
    checks at synthesis. The rule deletes those keys from the ``environment={...}`` dict literal of a Lambda
    function construct (``lambda_.Function``, ``DockerImageFunction``, ``NodejsFunction``,
    ``SingletonFunction``: classes the API index derives from ``FunctionBase``), or from the dict a
    variable holds when the function is its only user, and deletes ``fn.add_environment("AWS_REGION", ...)``
    statements on such a function. The other entries keep their layout and comments. Safe: the runtime
    provides the same variables with the right values.

    Mechanism: the function calls, bindings and statements are read from the stdlib tree. A dict is edited
    alone (LibCST parses just that dict); a statement is removed by a whole-lines edit of its lines (``pass``
    in a block it empties), or of its top-level statement when a multi-line string in it is less indented
    than the statement.
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
        if not any(part in source for part in _RESERVED_PARTS):  # four substring scans, not eighteen
            return False
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        reserved = any(any(isinstance(key, ast.Constant) and key.value in RESERVED for key in node.keys)
                       for node in scan.dicts) or any(
            isinstance(call.func, ast.Attribute) and call.func.attr == "add_environment" and call.args
            and isinstance(call.args[0], ast.Constant) and call.args[0].value in RESERVED for call in scan.calls)
        if not reserved:
            return False
        api = prefilter_index()  # the rule only edits what configures a Lambda function built in this file
        return any(_is_function_class(api, qualified) for callees in scan.callees for qualified in callees)

    def check(self) -> None:
        """Find the dicts and ``add_environment`` statements that configure a Lambda function, on the stdlib
        tree, and remove their reserved variables."""
        scan = self.scan
        self._logical = LogicalTokens(self.source, self.lines)
        bindings: dict[str, list[ast.expr]] = {}
        targets: dict[int, str | None] = {}  # id(call) -> the one target it is assigned to
        for node in scan.assignments:
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                name = ast_dotted(target)
                if name:
                    bindings.setdefault(name, []).append(node.value)
            if isinstance(node.value, ast.Call):
                targets[id(node.value)] = ast_dotted(node.targets[0]) if len(node.targets) == 1 else None
        skipped = _in_assign_targets(scan)
        api = index(self.options)
        functions: set[str] = set()
        dicts: list[ast.Dict] = []
        variables: list[tuple[str, ast.Dict]] = []
        for call in scan.calls:
            if id(call) in skipped:
                continue
            qualified = self.imports.resolve_dotted(ast_dotted(call.func))
            if not qualified or not _is_function_class(api, qualified):
                continue
            target = targets.get(id(call))
            if target:
                functions.add(target)
            environment = ast_keyword(call, "environment")
            if isinstance(environment, ast.Dict):
                dicts.append(environment)
            elif isinstance(environment, ast.Name):
                values = bindings.get(environment.id, [])
                if len(values) == 1 and isinstance(values[0], ast.Dict):
                    variables.append((environment.id, values[0]))
        if variables:
            uses = _uses(self.tree, {name for name, _ in variables})
            dicts.extend(value for name, value in variables if uses[name] == 1)
        for node in sorted(set(dicts), key=lambda d: (d.lineno, d.col_offset)):
            self._drop_keys(node)
        statements = [entry for entry in _add_environment_statements(self.tree)
                      if self._drops(entry[0].value, functions, bindings) and self._logical.alone_on_line(entry[0])]
        if statements:
            self._drop_statements(statements)

    # -- dicts -------------------------------------------------------------------------------------------------
    def _drop_keys(self, node: ast.Dict) -> None:
        """Drop the reserved keys of a Lambda environment (an edit of the dict)."""
        drop = {i for i, key in enumerate(node.keys) if self._reserved_literal(key)}
        if not drop:
            return
        names = ", ".join(f"`{node.keys[i].value}`" for i in sorted(drop))
        self.rewrite(node, lambda parsed: _without_elements(parsed, drop),
                     f"{names} {'is' if len(drop) == 1 else 'are'} reserved: the Lambda runtime sets "
                     f"{'it' if len(drop) == 1 else 'them'} itself; removed")

    def _reserved_literal(self, node: ast.expr | None) -> bool:
        """A reserved name written as one string literal (LibCST's ``SimpleString``; an implicit concatenation
        is no key the rule reads)."""
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in RESERVED):
            return False
        text = self.source[slice(*self.lines.span(node))]
        try:
            tokens = [token for token in tokenize.generate_tokens(io.StringIO(text).readline)
                      if token.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)]
        except (tokenize.TokenError, SyntaxError):
            return False
        return len(tokens) == 1 and tokens[0].type == tokenize.STRING

    # -- statements --------------------------------------------------------------------------------------------
    def _drops(self, call: ast.Call, functions: set[str], bindings: dict[str, list[ast.expr]]) -> bool:
        """``fn.add_environment("AWS_REGION", ...)`` on a function built here and bound once."""
        owner = ast_dotted(call.func.value)
        return bool(owner) and owner in functions and len(bindings.get(owner, [])) == 1 \
            and self._reserved_literal(ast_first_argument(call))

    def _drop_statements(self, statements: list[_Entry]) -> None:
        """Remove each statement (the comments above it stay): a whole-lines edit of the statement, or of its
        top-level statement when a line of a nested statement is less indented than it (a multi-line string),
        which a statement's own lines cannot be dedented past."""
        self._newline = newline_of(self.source)
        removed = {id(statement) for statement, _, _ in statements if self.may_apply(statement)}
        by_top: dict[int, list[_Entry]] = {}
        for entry in sorted(statements, key=lambda entry: (entry[0].lineno, entry[0].col_offset)):
            by_top.setdefault(id(entry[2]), []).append(entry)
        for entries in by_top.values():
            top = entries[0][2]
            if not all(self._dedentable(self._logical.to_logical_line_end(statement), statement is top)
                       for statement, _, _ in entries):
                self._drop_in_top(top, entries, removed)
                continue
            for statement, block, _ in entries:
                whole = self._logical.to_logical_line_end(statement)
                emptied = block is not self.tree.body and block[-1] is statement and all(
                    id(other) in removed for other in block)
                if emptied:
                    build = self._pass
                else:
                    build = self._remove_at_end if self._at_end(whole) else lambda line: cst.RemovalSentinel.REMOVE
                self.rewrite(whole, build, _STATEMENT_MESSAGE, at=statement, whole_lines=True)

    def _pass(self, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        """``pass`` for the last statement removed from a block (as :func:`without_statements` leaves it)."""
        return cst.SimpleStatementLine(body=[cst.Pass()],
                                       trailing_whitespace=cst.TrailingWhitespace(newline=cst.Newline(self._newline)))

    def _remove_at_end(self, line: cst.SimpleStatementLine) -> cst.RemovalSentinel:
        """Remove the statement that ends the file without a line ending: the line ending before it goes
        too (see :meth:`run`)."""
        self._ends_file = True
        return cst.RemovalSentinel.REMOVE

    def run(self, source: str) -> str:
        """:meth:`AstRule.run`, then, when a statement that ended the file without a final line ending was
        removed, without the line ending that now ends it: LibCST printed a module without a trailing newline
        by dropping its last token, the line ending before the statement."""
        self._ends_file = False
        output = super().run(source)
        ending = _FINAL_LINE_END.search(output)
        if self._ends_file and ending is not None:
            output = output[:ending.start()]
        return output

    def _drop_in_top(self, top: ast.stmt, entries: list[_Entry], removed: set[int]) -> None:
        """One whole-lines edit of the top-level statement ``top`` (never dedented) for all the statements of
        ``entries`` in it, made with LibCST as the transformer rule made it."""
        ordinals = {id(node): n for n, node in enumerate(sorted(
            (node for node in ast.walk(top) if isinstance(node, ast.Expr)), key=lambda n: (n.lineno, n.col_offset)))}
        drop, passes = set(), {}
        last = -1
        for statement, block, _ in entries:
            if not self.record_fix(statement, _STATEMENT_MESSAGE):
                continue
            last = len(self.findings_so_far) - 1
            drop.add(ordinals[id(statement)])
            if block[-1] is statement and all(id(other) in removed for other in block):
                passes[ordinals[id(statement)]] = cst.Newline(self._newline)
        if last >= 0:
            self.queue(Edit(self._logical.to_logical_line_end(top),
                            lambda parsed: parsed.visit(_DropStatements(drop, passes)), last, whole_lines=True))

    def _at_end(self, node: ast.stmt) -> bool:
        """``node`` ends the file on a line without a line ending."""
        return self.lines.line_end(node.end_lineno) == len(self.source) and not self.source.endswith(("\n", "\r"))

    def _dedentable(self, whole: ast.stmt, module_level: bool) -> bool:
        """Whether every line of a statement is indented at least as its first (at module level, always)."""
        if module_level:
            return True
        lines = self.lines
        indent = lines.line_text(whole.lineno)[:lines.char_column(whole.lineno, whole.col_offset)]
        return all(lines.line_text(number).startswith(indent) or not lines.line_text(number).strip(" \t\f")
                   for number in range(whole.lineno + 1, whole.end_lineno + 1))


class _DropStatements(ExprStatementRemover):
    """Removes, in a top-level statement parsed on its own, the expression statements whose ordinals are given,
    as :func:`codemods._layout.without_statements` removes them."""

    def __init__(self, drop: set[int], passes: dict[int, cst.Newline]) -> None:
        super().__init__(passes)
        self.drop = drop

    def replacement(self, ordinal: int | None, statement: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        """Nothing for a dropped statement, None (kept) for the others."""
        return [] if ordinal in self.drop else None
