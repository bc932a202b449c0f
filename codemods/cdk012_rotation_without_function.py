"""CDK012: ``secret.add_rotation_schedule(...)`` with neither ``rotation_lambda`` nor ``hosted_rotation``."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import dotted_name, expr, has_star_args, index, keyword, prescan
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


class _Bindings(cst.CSTVisitor):
    """Every ``target = value`` of the module by the target's dotted text, and the secrets handed to a
    database with ``credentials=rds.Credentials.from_secret(secret)``."""

    def __init__(self) -> None:
        self.values: dict[str, list[cst.BaseExpression]] = {}
        self.calls: list[cst.Call] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = dotted_name(target.target)
            if name:
                self.values.setdefault(name, []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = dotted_name(node.target)
        if name and node.value is not None:
            self.values.setdefault(name, []).append(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        name = dotted_name(node.target)
        if name:  # a value that changes is no single binding
            self.values.setdefault(name, []).append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


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
    def visit_Module(self, node: cst.Module) -> bool | None:
        """Index the module's bindings and the secrets handed to databases."""
        bindings = _Bindings()
        node.visit(bindings)
        self._values = bindings.values
        self._from_secret: dict[str, list[cst.BaseExpression]] = {}
        self._stmt_of_call: dict[int, cst.SimpleStatementLine] = {}
        self._to_comment: set[int] = set()
        self._example = ""
        result = super().visit_Module(node)
        for call in bindings.calls:
            database = self._database(call)
            credentials = keyword(call, "credentials")
            if database is None or credentials is None or not isinstance(credentials.value, cst.Call):
                continue
            factory = self.imports.resolve(credentials.value.func)
            if factory == "aws_cdk.aws_rds.Credentials.from_secret" and credentials.value.args:
                secret = dotted_name(credentials.value.args[0].value)
                if secret:
                    self._from_secret.setdefault(secret, []).append(database)
        return result

    def _database(self, call: cst.Call) -> cst.BaseExpression | None:
        """The ``engine=`` of an RDS database construct call."""
        name = self.imports.resolve(call.func)
        if name is None or not name.startswith("aws_cdk.aws_rds.") or name.rsplit(".", 1)[-1] not in _DATABASES:
            return None
        engine = keyword(call, "engine")
        return engine.value if engine is not None else None

    def _single(self, name: str) -> cst.BaseExpression | None:
        values = self._values.get(name, [])
        return values[0] if len(values) == 1 else None

    def _engine_of_secret(self, secret: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression | None:
        name = dotted_name(secret)
        if name is None or depth > 4:
            return None
        engines = self._from_secret.get(name, [])
        if len(engines) == 1:
            return engines[0]
        if name.endswith(".secret"):
            owner = self._single(name[: -len(".secret")])
            if isinstance(owner, cst.Call):
                return self._database(owner)
        value = self._single(name)
        if isinstance(value, (cst.Name, cst.Attribute)):
            return self._engine_of_secret(value, depth + 1)
        return None

    def _rotation_method(self, engine: cst.BaseExpression | None, depth: int = 0) -> str | None:
        """``postgre_sql_single_user`` for ``rds.DatabaseInstanceEngine.postgres(...)``, else None."""
        if engine is None or depth > 4:
            return None
        if isinstance(engine, cst.Name):
            return self._rotation_method(self._single(engine.value), depth + 1)
        factory = engine.func if isinstance(engine, cst.Call) else engine
        qualified = self.imports.resolve(factory)
        if isinstance(engine, cst.Attribute) and qualified is None:
            return self._rotation_method(self._single(dotted_name(engine) or ""), depth + 1)
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
        if id(orig) in self._to_comment and self.record_fix(
                orig, "rotation schedule without `rotation_lambda` or `hosted_rotation`; the engine is "
                      "not visible: commented out with a note", safety="unsafe"):
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
        method = self._rotation_method(self._engine_of_secret(secret)) if secret is not None else None
        if method is not None:
            alias = self.use_module("aws_cdk.aws_secretsmanager")
            value = cst.Call(func=expr(f"{alias}.HostedRotation.{method}"))
            return self.fix(original_node, updated_node, add_keyword(updated_node, "hosted_rotation", value),
                            f"rotation schedule without a rotation function: the database engine rotates with "
                            f"`HostedRotation.{method}()`")
        stmt = self._stmt_of_call.get(id(original_node))
        if stmt is None:
            self.report(original_node, "rotation schedule without `rotation_lambda` or `hosted_rotation`, and "
                                       "its result is used: choose the rotation by hand",
                        suggestion="hosted_rotation=secretsmanager.HostedRotation.<engine>_single_user()")
            return updated_node
        alias = self.imports.local_for("aws_cdk.aws_secretsmanager") or "secretsmanager"
        self._example = f"{alias}.HostedRotation.postgre_sql_single_user()"
        self._to_comment.add(id(stmt))
        return updated_node
