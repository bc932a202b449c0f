"""CDK012: ``secret.add_rotation_schedule(...)`` with neither ``rotation_lambda`` nor ``hosted_rotation``."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import Case, Rule
from libcst.metadata import CodePosition, CodeRange

from cdkfix.spans import LineIndex
from codemods._helpers import ast_dotted, ast_keyword, dotted_name, expr, has_star_args, index, keyword, prescan
from codemods._layout import add_keyword, without_statements

#: The rotation methods/constructs that need a rotation function, with the keyword naming the secret
#: (``None``: the secret is the receiver of the method).
_SCHEDULE_CONSTRUCT = "aws_cdk.aws_secretsmanager.RotationSchedule"
_ROTATION_KEYWORDS = ("rotation_lambda", "hosted_rotation")
#: RDS constructs whose ``engine=`` names the database engine of ``<construct>.secret``.
_DATABASES = ("DatabaseInstance", "DatabaseCluster", "ServerlessCluster", "DatabaseInstanceFromSnapshot",
              "DatabaseClusterFromSnapshot", "ServerlessClusterFromSnapshot")
#: RDS engine factory (``DatabaseInstanceEngine.postgres``, ``DatabaseClusterEngine.aurora_mysql``, …) →
#: the family prefix of the matching ``HostedRotation.<family>_single_user`` method. Longest prefix first.
_ENGINE_FAMILIES = (
    ("aurora_postgres", "postgre_sql"),
    ("aurora_mysql", "mysql"),
    ("aurora", "mysql"),
    ("postgres", "postgre_sql"),
    ("mysql", "mysql"),
    ("maria_db", "maria_db"),
    ("mariadb", "maria_db"),
    ("oracle", "oracle"),
    ("sql_server", "sql_server"),
)

_COMMENT_MESSAGE = ("rotation schedule without `rotation_lambda` or `hosted_rotation`; the engine is not visible: "
                    "commented out with a note")
_USED_MESSAGE = ("rotation schedule without `rotation_lambda` or `hosted_rotation`, and its result is used: "
                 "choose the rotation by hand")
_USED_SUGGESTION = "hosted_rotation=secretsmanager.HostedRotation.<engine>_single_user()"


def _first_argument(call: ast.Call) -> ast.expr | None:
    """The value of a call's first argument in source order, positional or keyword (what LibCST's
    ``call.args[0].value`` is), ``*``/``**`` unwrapped."""
    arguments = [*call.args, *call.keywords]
    if not arguments:
        return None
    first = min(arguments, key=lambda a: (a.lineno, a.col_offset))
    if isinstance(first, (ast.Starred, ast.keyword)):
        return first.value
    return first


def _bindings(tree: ast.Module) -> tuple[dict[str, list[ast.expr]], list[ast.Call]]:
    """Every ``target = value`` of the module by the target's dotted text, and every call."""
    values: dict[str, list[ast.expr]] = {}
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                name = ast_dotted(target)
                if name:
                    values.setdefault(name, []).append(node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            name = ast_dotted(node.target)
            if name and node.value is not None:  # an augmented value is no single binding either
                values.setdefault(name, []).append(node.value)
    return values, calls


class RotationWithoutFunction(Rule):
    """Gives ``add_rotation_schedule`` the hosted rotation of the secret's database engine.

    ``secret.add_rotation_schedule(...)`` (and ``secretsmanager.RotationSchedule(...)``) must say *how* the
    secret is rotated: a ``rotation_lambda`` or a ``hosted_rotation``. When the secret belongs to an RDS
    database whose engine the code shows (``db.secret`` of a ``rds.DatabaseInstance``/``DatabaseCluster``
    with ``engine=rds.DatabaseInstanceEngine.postgres(...)``, or a secret passed as
    ``credentials=rds.Credentials.from_secret(secret)``), the rule adds
    ``hosted_rotation=secretsmanager.HostedRotation.<engine>_single_user()``, the method the API index
    lists for that engine (safe: the engine decides it). Otherwise nothing says which rotation is right,
    and the rule comments the call out under a ``# NOTE:`` that explains what it needs (unsafe: it
    disables the schedule). A schedule whose result is used (``schedule = secret.add_rotation_schedule(...)``)
    is only reported.
    """

    code = "CDK012"
    name = "rotation-without-function"
    title = "Secret rotation schedule without `rotation_lambda` or `hosted_rotation`"
    why = """
        A rotation schedule needs something that rotates the secret: a Lambda function
        (`rotation_lambda=`) or a rotation Lambda that Secrets Manager hosts (`hosted_rotation=`).
        With neither, synthesis stops:

            RuntimeError: MustBeSpecified: One of `rotationLambda` or `hostedRotation` must be specified.
    """
    source = "seeds/000_775badc1dee105d9.txt §4; seeds/003_970a9f3b40132c4b.txt §4"
    safety = "safe"
    triggers = ("add_rotation_schedule", "RotationSchedule")
    synth_error = "One of `rotationLambda` or `hostedRotation` must be specified."
    cases = (
        Case(
            "CDK012-invalid-instance-secret",
            """
            from aws_cdk import Duration, aws_rds as rds
            db = rds.DatabaseInstance(self, "Db", engine=rds.DatabaseInstanceEngine.postgres(
                version=rds.PostgresEngineVersion.VER_16), vpc=vpc)
            db.secret.add_rotation_schedule("Rotation", automatically_after=Duration.days(30))
            """,
            """
            from aws_cdk import Duration, aws_rds as rds, aws_secretsmanager as secretsmanager
            db = rds.DatabaseInstance(self, "Db", engine=rds.DatabaseInstanceEngine.postgres(
                version=rds.PostgresEngineVersion.VER_16), vpc=vpc)
            db.secret.add_rotation_schedule("Rotation", automatically_after=Duration.days(30), hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user())
            """,
        ),
        Case(
            "CDK012-invalid-from-secret-multiline-aliased",
            """
            from aws_cdk import aws_rds as r, aws_secretsmanager as sm
            from aws_cdk import Duration

            class Db(Stack):
                def __init__(self, scope, id):
                    super().__init__(scope, id)
                    self.db_secret = sm.Secret(self, "DbSecret")
                    engine = r.DatabaseClusterEngine.aurora_mysql(version=v)
                    r.DatabaseCluster(self, "C", engine=engine,
                                      credentials=r.Credentials.from_secret(self.db_secret))
                    self.db_secret.add_rotation_schedule(
                        "Rotation",
                        automatically_after=Duration.days(30),  # monthly
                    )
            """,
            """
            from aws_cdk import aws_rds as r, aws_secretsmanager as sm
            from aws_cdk import Duration

            class Db(Stack):
                def __init__(self, scope, id):
                    super().__init__(scope, id)
                    self.db_secret = sm.Secret(self, "DbSecret")
                    engine = r.DatabaseClusterEngine.aurora_mysql(version=v)
                    r.DatabaseCluster(self, "C", engine=engine,
                                      credentials=r.Credentials.from_secret(self.db_secret))
                    self.db_secret.add_rotation_schedule(
                        "Rotation",
                        automatically_after=Duration.days(30),  # monthly
                        hosted_rotation=sm.HostedRotation.mysql_single_user(),
                    )
            """,
        ),
        Case(
            "CDK012-invalid-secret-attribute-copied",
            """
            from aws_cdk import aws_rds as rds, aws_secretsmanager as secretsmanager
            db = rds.DatabaseInstance(self, "Db", engine=rds.DatabaseInstanceEngine.MARIADB, vpc=vpc)
            secret = db.secret
            secretsmanager.RotationSchedule(self, "R", secret=secret)
            """,
            """
            from aws_cdk import aws_rds as rds, aws_secretsmanager as secretsmanager
            db = rds.DatabaseInstance(self, "Db", engine=rds.DatabaseInstanceEngine.MARIADB, vpc=vpc)
            secret = db.secret
            secretsmanager.RotationSchedule(self, "R", secret=secret, hosted_rotation=secretsmanager.HostedRotation.maria_db_single_user())
            """,
        ),
        Case(
            "CDK012-invalid-engine-unknown-commented-out",
            """
            from aws_cdk import Duration, aws_secretsmanager as secretsmanager

            def build(self):
                db_secret = secretsmanager.Secret(self, "DbSecret")
                # Rotate every 90 days.
                db_secret.add_rotation_schedule(
                    "Rotation",
                    automatically_after=Duration.days(90),
                )
                return db_secret
            """,
            """
            from aws_cdk import Duration, aws_secretsmanager as secretsmanager

            def build(self):
                db_secret = secretsmanager.Secret(self, "DbSecret")
                # Rotate every 90 days.
                # NOTE: rotation needs `rotation_lambda=` (a function that rotates the secret)
                # or `hosted_rotation=`, e.g. secretsmanager.HostedRotation.postgre_sql_single_user();
                # the schedule is disabled until one is chosen.
                # db_secret.add_rotation_schedule(
                #     "Rotation",
                #     automatically_after=Duration.days(90),
                # )
                return db_secret
            """,
            unsafe=True,
        ),
        Case(
            "CDK012-invalid-last-statement-of-block",
            """
            from aws_cdk import aws_secretsmanager as secretsmanager
            if rotate:
                secret.add_rotation_schedule("R")
            """,
            """
            from aws_cdk import aws_secretsmanager as secretsmanager
            if rotate:
                # NOTE: rotation needs `rotation_lambda=` (a function that rotates the secret)
                # or `hosted_rotation=`, e.g. secretsmanager.HostedRotation.postgre_sql_single_user();
                # the schedule is disabled until one is chosen.
                # secret.add_rotation_schedule("R")
                pass
            """,
            unsafe=True,
        ),
        Case(
            "CDK012-invalid-engine-unknown-not-applied-without-unsafe",
            """
            secret.add_rotation_schedule("Rotation")
            """,
            finding=True,
        ),
        Case(
            "CDK012-invalid-result-used-only-reported",
            """
            schedule = secret.add_rotation_schedule("Rotation")
            """,
            finding=True,
        ),
        Case(
            "CDK012-valid-hosted-rotation",
            """
            from aws_cdk import aws_secretsmanager as secretsmanager
            secret.add_rotation_schedule("R", hosted_rotation=secretsmanager.HostedRotation.mysql_single_user())
            secret.add_rotation_schedule("L", rotation_lambda=fn)
            secret.add_rotation_schedule("K", **options)
            """,
        ),
        Case(
            "CDK012-valid-rds-single-user",
            """
            db.add_rotation_single_user(automatically_after=Duration.days(30))
            """,
        ),
    )

    # -- module-wide facts ---------------------------------------------------------------------------
    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Index the module on the stdlib tree; traverse it with LibCST only when a fix will be made.

        Most runs change nothing (every schedule is commented out only with unsafe fixes, and the engine
        re-runs the rule with them just for the diff): those record their findings on the ``ast`` nodes."""
        super().visit_Module(tree)
        source = tree.code
        scan = prescan(source)
        if scan is None:
            return tree  # not Python the stdlib accepts: the prefilter says no, nothing can be kept
        self._lines = LineIndex(source)
        self._values, calls = _bindings(scan.tree)
        self._from_secret: dict[str, list[ast.expr]] = {}
        for call in calls:
            database = self._database(call)
            credentials = ast_keyword(call, "credentials")
            if database is None or not isinstance(credentials, ast.Call):
                continue
            factory = self._resolve(credentials.func)
            first = _first_argument(credentials)
            if factory == "aws_cdk.aws_rds.Credentials.from_secret" and first is not None:
                secret = ast_dotted(first)
                if secret:
                    self._from_secret.setdefault(secret, []).append(database)
        if self._needs_traversal(scan):
            return tree.visit(self)
        return tree

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Reset the statement bookkeeping (the index is built before the traversal)."""
        self._stmt_of_call: dict[int, cst.SimpleStatementLine] = {}
        self._to_comment: set[int] = set()
        self._example = ""
        return super().visit_Module(node)

    def _needs_traversal(self, scan) -> bool:
        """Record the findings from the stdlib tree and say False, or say True (recording nothing) when a
        fix will be made or the tree cannot tell whether a schedule is a statement of its own."""
        reports: list[tuple[ast.Call, str | None]] = []  # (call, method) in LibCST's leave order
        comments: list[ast.Expr] = []
        for call in sorted(scan.calls, key=lambda c: (c.lineno, c.col_offset, c.end_lineno, c.end_col_offset)):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "add_rotation_schedule":
                secret: ast.expr | None = func.value
            elif self._resolve(func) == _SCHEDULE_CONSTRUCT:
                secret = ast_keyword(call, "secret")
            else:
                continue
            if has_star_args(call) or any(ast_keyword(call, name) is not None for name in _ROTATION_KEYWORDS):
                continue
            if secret is not None and self._rotation_method(self._engine_of_secret(ast_dotted(secret))):
                return True  # a safe fix
            statement = scan.parents.get(id(call))
            alone = self._alone(scan, statement) if isinstance(statement, ast.Expr) else False
            if alone is None or (alone and self.options.unsafe_fixes):
                return True
            if alone:
                comments.append(statement)
            else:
                reports.append(call)
        for call in reports:
            self.report(call, _USED_MESSAGE, suggestion=_USED_SUGGESTION)
        for statement in comments:
            self.record_fix(statement, _COMMENT_MESSAGE, safety="unsafe")
        return False

    def _alone(self, scan, statement: ast.Expr) -> bool | None:
        """Whether the statement is LibCST's one-statement ``SimpleStatementLine`` (not after or before a
        ``;``, not in a ``if x: ...`` suite); None when backslash continuations make the text unclear."""
        lines = self._lines
        start = lines.char_column(statement.lineno, statement.col_offset)
        if lines.line_text(statement.lineno)[:start].strip(" \t\f"):
            return False  # something precedes it on its line: a suite or a `;`
        if statement.lineno > 1 and lines.line_text(statement.lineno - 1).endswith("\\"):
            return None
        end = lines.char_column(statement.end_lineno, statement.end_col_offset)
        after = lines.line_text(statement.end_lineno)[end:].strip(" \t\f")
        if after.startswith(";"):
            after = after[1:].strip(" \t\f")
            if after and not after.startswith("#"):
                return False  # another statement follows on the line
        if after.endswith("\\") and not after.startswith("#"):
            return None
        return not after or after.startswith("#")

    def _code_range(self, node) -> CodeRange | None:
        """Where a node is: an ``ast`` node from its own positions (the same LibCST gives its twin), a
        LibCST node from LibCST's positions."""
        if isinstance(node, ast.AST):
            lines = self._lines
            return CodeRange(CodePosition(node.lineno, lines.char_column(node.lineno, node.col_offset)),
                             CodePosition(node.end_lineno, lines.char_column(node.end_lineno, node.end_col_offset)))
        return super()._code_range(node)

    def _resolve(self, node: ast.AST | None) -> str | None:
        """``self.imports.resolve`` for an ``ast`` Name/Attribute chain (the imports LibCST sees)."""
        dotted = ast_dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.imports.bindings.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def _database(self, call: ast.AST) -> ast.expr | None:
        """The ``engine=`` of an RDS database construct call."""
        if not isinstance(call, ast.Call):
            return None
        name = self._resolve(call.func)
        if name is None or not name.startswith("aws_cdk.aws_rds.") or name.rsplit(".", 1)[-1] not in _DATABASES:
            return None
        return ast_keyword(call, "engine")

    def _single(self, name: str) -> ast.expr | None:
        values = self._values.get(name, [])
        return values[0] if len(values) == 1 else None

    def _engine_of_secret(self, name: str | None, depth: int = 0) -> ast.expr | None:
        """The engine of the database the secret named ``name`` (``db.secret``, ``secret``) belongs to."""
        if name is None or depth > 4:
            return None
        engines = self._from_secret.get(name, [])
        if len(engines) == 1:
            return engines[0]
        if name.endswith(".secret"):
            owner = self._single(name[: -len(".secret")])
            if isinstance(owner, ast.Call):
                return self._database(owner)
        value = self._single(name)
        if isinstance(value, (ast.Name, ast.Attribute)):
            return self._engine_of_secret(ast_dotted(value), depth + 1)
        return None

    def _rotation_method(self, engine: ast.expr | None, depth: int = 0) -> str | None:
        """``postgre_sql_single_user`` for ``rds.DatabaseInstanceEngine.postgres(...)``, else None."""
        if engine is None or depth > 4:
            return None
        if isinstance(engine, ast.Name):
            return self._rotation_method(self._single(engine.id), depth + 1)
        factory = engine.func if isinstance(engine, ast.Call) else engine
        qualified = self._resolve(factory)
        if isinstance(engine, ast.Attribute) and qualified is None:
            return self._rotation_method(self._single(ast_dotted(engine) or ""), depth + 1)
        if qualified is None:
            return None
        owner, _, member = qualified.rpartition(".")
        if owner not in ("aws_cdk.aws_rds.DatabaseInstanceEngine", "aws_cdk.aws_rds.DatabaseClusterEngine"):
            return None
        member = member.lower()
        family = next((fam for prefix, fam in _ENGINE_FAMILIES if member.startswith(prefix)), None)
        if family is None:
            return None
        hosted = index(self.options).type("aws_cdk.aws_secretsmanager", "HostedRotation")
        method = f"{family}_single_user"
        if hosted is None or method not in hosted.methods or not hosted.methods[method].static:
            return None
        return method

    # -- the prefilter ---------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only ``add_rotation_schedule(...)`` / ``RotationSchedule(...)`` without a rotation keyword."""
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        for call in scan.calls:
            func = call.func
            if not ((isinstance(func, ast.Attribute) and func.attr == "add_rotation_schedule")
                    or scan.resolves_to(func, (_SCHEDULE_CONSTRUCT,))):
                continue
            if has_star_args(call) or any(kw.arg in _ROTATION_KEYWORDS for kw in call.keywords):
                continue
            return True
        return False

    # -- statements ----------------------------------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool | None:
        """Remember calls that are whole statements (those can be commented out)."""
        if len(node.body) == 1 and isinstance(node.body[0], cst.Expr) and isinstance(node.body[0].value, cst.Call):
            self._stmt_of_call[id(node.body[0].value)] = node
        return True

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        """Comment out the schedules whose rotation cannot be chosen."""
        return without_statements(original_node, updated_node, self._comment_out)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """The same at module level."""
        return without_statements(original_node, updated_node, self._comment_out)

    def _comment_out(self, orig: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        """The note replacing ``orig`` if it is a schedule to comment out, else ``None``."""
        if id(orig) in self._to_comment and self.record_fix(orig, _COMMENT_MESSAGE, safety="unsafe"):
            return self._note_lines(orig)
        return None

    def _note_lines(self, stmt: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
        assert self.module_node is not None
        code = self.module_node.code_for_node(stmt.with_changes(leading_lines=()))
        lines = code.rstrip("\r\n").splitlines()
        example = self._example or "secretsmanager.HostedRotation.postgre_sql_single_user()"
        note = [
            "# NOTE: rotation needs `rotation_lambda=` (a function that rotates the secret)",
            f"# or `hosted_rotation=`, e.g. {example};",
            "# the schedule is disabled until one is chosen.",
        ]
        for line in lines:  # continuation lines are relative to the block (LibCST's `indent=True`)
            note.append(f"# {line}".rstrip() if line.strip() else "#")
        return [cst.EmptyLine(indent=True, comment=cst.Comment(text)) for text in note]

    # -- the calls -----------------------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``x.add_rotation_schedule(...)`` / ``RotationSchedule(..., secret=x)`` without a rotation."""
        func = original_node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_rotation_schedule":
            secret: cst.BaseExpression | None = func.value
        elif self.imports.resolve(func) == _SCHEDULE_CONSTRUCT:
            arg = keyword(original_node, "secret")
            secret = arg.value if arg is not None else None
        else:
            return updated_node
        if any(arg.star for arg in original_node.args) or any(
                keyword(original_node, name) is not None for name in _ROTATION_KEYWORDS):
            return updated_node
        method = self._rotation_method(self._engine_of_secret(dotted_name(secret))) if secret is not None else None
        if method is not None:
            alias = self.use_module("aws_cdk.aws_secretsmanager")
            value = cst.Call(func=expr(f"{alias}.HostedRotation.{method}"))
            return self.fix(original_node, updated_node, add_keyword(updated_node, "hosted_rotation", value),
                            f"rotation schedule without a rotation function: the database engine rotates with "
                            f"`HostedRotation.{method}()`")
        stmt = self._stmt_of_call.get(id(original_node))
        if stmt is None:
            self.report(original_node, _USED_MESSAGE, suggestion=_USED_SUGGESTION)
            return updated_node
        alias = self.imports.local_for("aws_cdk.aws_secretsmanager") or "secretsmanager"
        self._example = f"{alias}.HostedRotation.postgre_sql_single_user()"
        self._to_comment.add(id(stmt))
        return updated_node
