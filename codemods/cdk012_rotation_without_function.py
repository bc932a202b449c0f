"""CDK012: ``secret.add_rotation_schedule(...)`` with neither ``rotation_lambda`` nor ``hosted_rotation``."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit, newline_of
from codemods._helpers import (LogicalTokens, ast_blocks, ast_dotted, ast_first_argument, ast_keyword, expr,
                               has_star_args, index, triggered_prescan)
from codemods._layout import ExprStatementRemover, add_keyword

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

_STRINGS = (ast.Constant, ast.JoinedStr) + ((ast.TemplateStr,) if hasattr(ast, "TemplateStr") else ())
#: Prints a statement parsed on its own (what the note comments out).
_PRINTER = cst.Module(body=[])


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    """``inner``'s text lies within ``outer``'s."""
    return ((outer.lineno, outer.col_offset) <= (inner.lineno, inner.col_offset)
            and (inner.end_lineno, inner.end_col_offset) <= (outer.end_lineno, outer.end_col_offset))


_Entry = tuple[ast.Expr, list[ast.stmt], ast.stmt]  # a statement, the block holding it, its top-level statement


def _statements(tree: ast.Module) -> tuple[dict[int, _Entry], list[ast.AugAssign]]:
    """``id(call)`` -> (its expression statement, the block holding that, its top-level statement) for every
    call that is a statement, and every augmented assignment: a walk over statements only."""
    calls: dict[int, _Entry] = {}
    augmented: list[ast.AugAssign] = []
    pending: list[tuple[list[ast.stmt], ast.stmt | None]] = [(tree.body, None)]
    while pending:
        block, top = pending.pop()
        for statement in block:
            outer = top or statement
            if isinstance(statement, ast.Expr):
                if isinstance(statement.value, ast.Call):
                    calls[id(statement.value)] = (statement, block, outer)
            elif isinstance(statement, ast.AugAssign):
                augmented.append(statement)
            else:
                pending.extend((inner, outer) for inner in ast_blocks(statement))
    return calls, augmented


class _CommentOut(ExprStatementRemover):
    """Comments out, in a top-level statement parsed on its own, the expression statements whose ordinals are
    given: each is replaced by its note, as :func:`codemods._layout.without_statements` places it."""

    def __init__(self, notes, passes: dict[int, cst.Newline]) -> None:
        super().__init__(passes)
        self.notes = notes  # ordinal -> callable(statement) giving its note lines

    def replacement(self, ordinal: int | None, statement: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        """The note that replaces a commented-out schedule, None for the other statements."""
        note = self.notes.get(ordinal)
        return note(statement) if note is not None else None


class RotationWithoutFunction(AstRule):
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

    Mechanism: the schedules, databases and engines are read from the stdlib tree. A hosted rotation is an
    edit of the call alone (LibCST parses just that call); a call commented out is a whole-lines edit of its
    statement that leaves the note and the commented lines (and ``pass`` in a block it empties), or, when
    the statement's lines hold a multi-line string or a backslash continuation (whose text LibCST keeps as
    written rather than relative to the block), a whole-lines edit of its top-level statement made with
    LibCST as before.
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

    # -- finding ---------------------------------------------------------------------------------------------
    def check(self) -> None:
        """Index the module on the stdlib tree, then give each schedule without a rotation its hosted rotation,
        comment it out, or report it."""
        scan = self.scan
        self._logical = LogicalTokens(self.source, self.lines)
        self._values: dict[str, list[ast.expr]] = {}  # every ``target = value`` by the target's dotted text
        calls_as_statements, augmented = _statements(scan.tree)
        for node in (*scan.assignments, *augmented):
            for target in (node.targets if isinstance(node, ast.Assign) else (node.target,)):
                name = ast_dotted(target)
                if name and node.value is not None:  # an augmented value is no single binding either
                    self._values.setdefault(name, []).append(node.value)
        self._from_secret: dict[str, list[ast.expr]] = {}
        for call in scan.calls:
            database = self._database(call)
            credentials = ast_keyword(call, "credentials")
            if database is None or not isinstance(credentials, ast.Call):
                continue
            factory = self.imports.resolve_dotted(ast_dotted(credentials.func))
            first = ast_first_argument(credentials)
            if factory == "aws_cdk.aws_rds.Credentials.from_secret" and first is not None:
                secret = ast_dotted(first)
                if secret:
                    self._from_secret.setdefault(secret, []).append(database)

        # In source order, a call before the calls inside it (LibCST's leave order where two start together).
        findings: list[tuple[ast.Call, str | None]] = []
        comments: list[_Entry] = []
        for call in sorted(scan.calls, key=lambda c: (c.lineno, c.col_offset, c.end_lineno, c.end_col_offset)):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "add_rotation_schedule":
                secret: ast.expr | None = func.value
            elif self.imports.resolve_dotted(ast_dotted(func)) == _SCHEDULE_CONSTRUCT:
                secret = ast_keyword(call, "secret")
            else:
                continue
            if has_star_args(call) or any(ast_keyword(call, name) is not None for name in _ROTATION_KEYWORDS):
                continue
            method = self._rotation_method(self._engine_of_secret(ast_dotted(secret))) if secret is not None \
                else None
            statement = calls_as_statements.get(id(call))
            if method is None and statement is not None and self._logical.alone_on_line(statement[0]):
                comments.append(statement)
            else:
                findings.append((call, method))
        removed = {id(statement) for statement, _, _ in comments if self.may_apply(statement, safety="unsafe")}
        for call, method in findings:
            if method is None:
                self.report(call, _USED_MESSAGE, suggestion=_USED_SUGGESTION)
            else:
                self._add_hosted_rotation(call, method, inside_removed=any(
                    _contains(statement, call) for statement, _, _ in comments if id(statement) in removed))
        if comments:
            self._comment_out(comments, removed)

    def _add_hosted_rotation(self, call: ast.Call, method: str, *, inside_removed: bool) -> None:
        alias = self.use_module("aws_cdk.aws_secretsmanager")
        message = (f"rotation schedule without a rotation function: the database engine rotates with "
                   f"`HostedRotation.{method}()`")
        if inside_removed:
            # The LibCST rule fixed the call and then commented out its statement as it was: the finding
            # and the import stay, the edit has nothing left to change.
            self.record_fix(call, message)
            return
        value = f"{alias}.HostedRotation.{method}"
        self.rewrite(call, lambda node: add_keyword(node, "hosted_rotation", cst.Call(func=expr(value))), message)

    # -- commenting out --------------------------------------------------------------------------------------
    def _comment_out(self, comments: list[_Entry], removed: set[int]) -> None:
        """Replace each statement by its note: a whole-lines edit of the statement, or of its top-level
        statement when a line of a nested statement is not relative to its block (see the class docstring)."""
        alias = self.imports.local_for("aws_cdk.aws_secretsmanager") or "secretsmanager"
        self._example = f"{alias}.HostedRotation.postgre_sql_single_user()"
        self._newline = newline_of(self.source)
        by_top: dict[int, list[_Entry]] = {}
        for entry in sorted(comments, key=lambda entry: (entry[0].lineno, entry[0].col_offset)):
            by_top.setdefault(id(entry[2]), []).append(entry)
        for entries in by_top.values():
            top = entries[0][2]
            if all(self._relative_to_block(statement, top) for statement, _, _ in entries):
                for statement, block, _ in entries:
                    emptied = block is not self.tree.body and block[-1] is statement and all(
                        id(other) in removed for other in block)
                    self.rewrite(self._logical.to_logical_line_end(statement),
                                 lambda line, emptied=emptied: self._commented(line, emptied),
                                 _COMMENT_MESSAGE, safety="unsafe", at=statement, whole_lines=True)
            else:
                self._comment_out_in_top(top, entries, removed)

    def _commented(self, line: cst.SimpleStatementLine, emptied: bool) -> cst.CSTNode:
        """The note replacing a statement parsed on its own, with ``pass`` after it when its block is emptied.
        The note's comment lines are returned as ``EmptyLine`` nodes in the module body, which LibCST prints
        as the lines they are (as it prints them in a block's footer)."""
        notes = self._note_lines(line)
        if emptied:
            ending = cst.TrailingWhitespace(newline=cst.Newline(self._newline))
            return cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=notes, trailing_whitespace=ending)
        return cst.FlattenSentinel(notes)

    def _comment_out_in_top(self, top: ast.stmt, entries: list[_Entry], removed: set[int]) -> None:
        """One whole-lines edit of the top-level statement ``top`` (never dedented, so LibCST sees its lines as
        in the module) for all the statements of ``entries`` in it, made with LibCST as the transformer rule
        made it."""
        ordinals = {id(node): n for n, node in enumerate(sorted(
            (node for node in ast.walk(top) if isinstance(node, ast.Expr)), key=lambda n: (n.lineno, n.col_offset)))}
        notes, passes = {}, {}
        last = -1
        for statement, block, _ in entries:
            if not self.record_fix(statement, _COMMENT_MESSAGE, safety="unsafe"):
                continue
            last = len(self.findings_so_far) - 1
            notes[ordinals[id(statement)]] = self._note_lines
            if block[-1] is statement and all(id(other) in removed for other in block):
                passes[ordinals[id(statement)]] = cst.Newline(self._newline)
        if last >= 0:
            self.queue(Edit(self._logical.to_logical_line_end(top),
                            lambda parsed: parsed.visit(_CommentOut(notes, passes)), last, whole_lines=True))

    def _note_lines(self, stmt: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
        """The note and the commented-out lines of ``stmt``, each ending with the file's line ending (where the
        file ends without one, LibCST drops the last line ending whatever it is, as in the whole module)."""
        code = _PRINTER.code_for_node(stmt.with_changes(leading_lines=()))
        lines = code.rstrip("\r\n").splitlines()
        note = [
            "# NOTE: rotation needs `rotation_lambda=` (a function that rotates the secret)",
            f"# or `hosted_rotation=`, e.g. {self._example};",
            "# the schedule is disabled until one is chosen.",
        ]
        for line in lines:  # continuation lines are relative to the block (LibCST's `indent=True`)
            note.append(f"# {line}".rstrip() if line.strip() else "#")
        newline = cst.Newline(self._newline)
        return [cst.EmptyLine(indent=True, comment=cst.Comment(text), newline=newline) for text in note]

    def _relative_to_block(self, statement: ast.Expr, top: ast.stmt) -> bool:
        """Whether LibCST prints the statement's lines, dedented, as it printed them in their block: at module
        level always; in a block when every continuation line is inside brackets and indented at least as the
        statement (a line in a multi-line string or after a backslash is kept as written)."""
        if statement is top:
            return True
        lines = self.lines
        indent = lines.line_text(statement.lineno)[:lines.char_column(statement.lineno, statement.col_offset)]
        for number in range(statement.lineno, statement.end_lineno + 1):
            text = lines.line_text(number)
            if text.endswith("\\") or (number > statement.lineno and text.strip(" \t\f")
                                       and not text.startswith(indent)):
                return False
        return not any(isinstance(node, _STRINGS) and node.end_lineno > node.lineno for node in ast.walk(statement))

    # -- the secret's database -------------------------------------------------------------------------------
    def _database(self, call: ast.AST) -> ast.expr | None:
        """The ``engine=`` of an RDS database construct call."""
        if not isinstance(call, ast.Call):
            return None
        name = self.imports.resolve_dotted(ast_dotted(call.func))
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
        qualified = self.imports.resolve_dotted(ast_dotted(factory))
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
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        for call in scan.calls:
            func = call.func
            if not ((isinstance(func, ast.Attribute) and func.attr == "add_rotation_schedule")
                    or scan.resolves_to(func, (_SCHEDULE_CONSTRUCT,))):
                continue
            if has_star_args(call) or any(kw.arg in _ROTATION_KEYWORDS for kw in call.keywords):
                continue
            return True
        return False
