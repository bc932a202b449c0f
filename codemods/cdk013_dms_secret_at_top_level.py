"""CDK013: ``dms.CfnEndpoint(secrets_manager_secret_id=...)``: the secret belongs in the engine's settings."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import COMPOUND, line_span, newline_of
from codemods._helpers import (
    ast_dotted,
    ast_first_argument,
    dotted_name,
    index,
    keyword,
    parse_call_text,
    positional,
)
from codemods._layout import add_keyword, without_arg

_ENDPOINT = "aws_cdk.aws_dms.CfnEndpoint"
_SECRET_ID = "secrets_manager_secret_id"
_ROLE_ARN = "secrets_manager_access_role_arn"
_ROLE = "aws_cdk.aws_iam.Role"

#: DMS ``engine_name`` values (CloudFormation's list) → the CfnEndpoint struct that holds the engine's
#: Secrets Manager settings. The property name (``postgre_sql_settings``) comes from the API index.
_ENGINE_STRUCTS = {
    "postgres": "PostgreSqlSettingsProperty",
    "aurora-postgresql": "PostgreSqlSettingsProperty",
    "aurora-postgresql-serverless": "PostgreSqlSettingsProperty",
    "mysql": "MySqlSettingsProperty",
    "mariadb": "MySqlSettingsProperty",
    "aurora": "MySqlSettingsProperty",
    "aurora-serverless": "MySqlSettingsProperty",
    "oracle": "OracleSettingsProperty",
    "sqlserver": "MicrosoftSqlServerSettingsProperty",
    "redshift": "RedshiftSettingsProperty",
    "docdb": "DocDbSettingsProperty",
    "mongodb": "MongoDbSettingsProperty",
    "db2": "IbmDb2SettingsProperty",
    "sybase": "SybaseSettingsProperty",
}
#: Attributes of a secret that DMS accepts as its secret id; the object before them gets ``grant_read``.
_SECRET_ATTRIBUTES = ("secret_arn", "secret_full_arn", "secret_name")
#: DMS roles with a fixed purpose that must not be reused for the secret.
_SPECIAL_ROLES = ("dms-vpc-role", "dms-cloudwatch-logs-role", "dms-access-for-endpoint")

#: Prints nodes that hold no line break (names, strings, a function's dotted name).
_CODE = cst.Module(body=[])
#: Where a new role may not go: the statement holding a lambda or a comprehension is not the endpoint's.
_NESTED = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class _Facts:
    """Roles assumed by DMS (with their enclosing function, and their line) and ``x.grant_read(y)`` pairs,
    found on the stdlib tree."""

    def __init__(self, rule: DmsSecretAtTopLevel) -> None:
        scan = rule.scan
        self.roles: list[tuple[ast.AST | None, str, int]] = []
        self.grants: set[tuple[str, str]] = set()
        for node in ast.walk(scan.tree):
            if isinstance(node, ast.Assign):
                if len(node.targets) != 1 or not isinstance(node.value, ast.Call):
                    continue
                target = ast_dotted(node.targets[0])
                if not target or rule.imports.resolve_dotted(ast_dotted(node.value.func)) != _ROLE:
                    continue
                call = parse_call_text(scan.segment(node.value))
                if call is None or not rule.is_dms_role(call):
                    continue
                self.roles.append((_function_of(scan, node), target, node.lineno))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "grant_read":
                    first = ast_first_argument(node)
                    owner, grantee = ast_dotted(func.value), ast_dotted(first)
                    if owner and grantee:
                        self.grants.add((owner, grantee))


def _function_of(scan, node: ast.AST) -> ast.AST | None:
    """The innermost ``def`` around ``node`` (its decorators and defaults count as inside), or None."""
    return next((outer for outer in scan.ancestors(node)
                 if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef))), None)


class DmsSecretAtTopLevel(AstRule):
    """Moves ``secrets_manager_secret_id=`` into the DMS endpoint's engine settings, with an access role.

    ``CfnEndpoint`` takes the Secrets Manager secret only inside the engine's settings struct
    (``postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(...)`` for ``engine_name="postgres"``,
    ``my_sql_settings`` for mysql/mariadb/aurora, ``oracle_settings``, ``microsoft_sql_server_settings``,
    …; property and struct names come from the API index), together with
    ``secrets_manager_access_role_arn``: a role DMS assumes to read the secret. The rule moves the secret
    id there (into the settings the call already has, when it has them) and takes the role from, in order:
    a top-level ``secrets_manager_access_role_arn=``; the one ``iam.Role`` assumed by
    ``dms.amazonaws.com`` that the same function created before the endpoint (granted read on the secret
    when the code does not do it yet); else a new role, inserted before the statement and granted read on
    the secret (``secret.grant_read(role)``). Unsafe: it invents a role (and its construct id).

    Endpoints, roles and grants are found on the stdlib tree; each endpoint call is parsed alone with LibCST
    to decide, and a fix that adds statements edits the whole statement line holding the call.
    """

    code = "CDK013"
    name = "dms-secret-at-top-level"
    title = "DMS endpoint `secrets_manager_secret_id` outside the engine's settings"
    why = """
        `CfnEndpoint` has no `secrets_manager_secret_id` keyword: the secret goes into the engine's settings
        struct with the ARN of a role DMS assumes to read it. Python stops at the call:

            TypeError: CfnEndpoint.__init__() got an unexpected keyword argument 'secrets_manager_secret_id'
    """
    source = "seeds/003_970a9f3b40132c4b.txt §1 (DMS Secrets Manager Integration)"
    safety = "unsafe"
    triggers = ("secrets_manager_secret_id",)
    synth_error = "CfnEndpoint.__init__() got an unexpected keyword argument 'secrets_manager_secret_id'"
    cases = (
        Case(
            "CDK013-invalid-new-role-multiline",
            """
            from aws_cdk import aws_dms as dms

            def endpoint(self, secret, name):
                source = dms.CfnEndpoint(
                    self,
                    f"dms-source-{name}",
                    endpoint_type="source",
                    engine_name="postgres",
                    secrets_manager_secret_id=secret.secret_arn,  # the master secret
                    ssl_mode="require",
                )
                return source
            """,
            """
            from aws_cdk import aws_dms as dms, aws_iam as iam

            def endpoint(self, secret, name):
                source_secrets_role = iam.Role(
                    self,
                    f"dms-source-{name}-secrets-role",
                    assumed_by=iam.ServicePrincipal("dms.amazonaws.com"),
                )
                secret.grant_read(source_secrets_role)
                source = dms.CfnEndpoint(
                    self,
                    f"dms-source-{name}",
                    endpoint_type="source",
                    engine_name="postgres",
                    postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                        secrets_manager_secret_id=secret.secret_arn,
                        secrets_manager_access_role_arn=source_secrets_role.role_arn,
                    ),  # the master secret
                    ssl_mode="require",
                )
                return source
            """,
            unsafe=True,
        ),
        Case(
            "CDK013-invalid-existing-role-one-line-aliased",
            """
            from aws_cdk import aws_dms as d, aws_iam as i
            role = i.Role(self, "R", assumed_by=i.ServicePrincipal("dms.amazonaws.com"))
            secret.grant_read(role)
            d.CfnEndpoint(self, "Target", endpoint_type="target", engine_name="mysql", secrets_manager_secret_id=secret.secret_arn)
            """,
            """
            from aws_cdk import aws_dms as d, aws_iam as i
            role = i.Role(self, "R", assumed_by=i.ServicePrincipal("dms.amazonaws.com"))
            secret.grant_read(role)
            d.CfnEndpoint(self, "Target", endpoint_type="target", engine_name="mysql", my_sql_settings=d.CfnEndpoint.MySqlSettingsProperty(secrets_manager_secret_id=secret.secret_arn, secrets_manager_access_role_arn=role.role_arn))
            """,
            unsafe=True,
        ),
        Case(
            "CDK013-invalid-merge-into-settings-and-move-role",
            """
            from aws_cdk import aws_dms as dms
            dms.CfnEndpoint(
                self,
                "Source",
                engine_name="oracle",
                secrets_manager_secret_id=db_secret.secret_full_arn,
                secrets_manager_access_role_arn=role_arn,
                oracle_settings=dms.CfnEndpoint.OracleSettingsProperty(
                    use_logminer_reader=True,
                ),
            )
            """,
            """
            from aws_cdk import aws_dms as dms
            dms.CfnEndpoint(
                self,
                "Source",
                engine_name="oracle",
                oracle_settings=dms.CfnEndpoint.OracleSettingsProperty(
                    use_logminer_reader=True,
                    secrets_manager_secret_id=db_secret.secret_full_arn,
                    secrets_manager_access_role_arn=role_arn,
                ),
            )
            """,
            unsafe=True,
        ),
        Case(
            "CDK013-invalid-existing-role-granted-when-missing",
            """
            from aws_cdk import aws_dms as dms, aws_iam as iam
            class S(Stack):
                def __init__(self, scope, id):
                    self.dms_secrets_role = iam.Role(self, "DmsRole", assumed_by=iam.ServicePrincipal("dms.amazonaws.com"))
                    # SQL Server source
                    dms.CfnEndpoint(self, "SqlSource", engine_name="sqlserver", secrets_manager_secret_id=self.secret.secret_arn)
            """,
            """
            from aws_cdk import aws_dms as dms, aws_iam as iam
            class S(Stack):
                def __init__(self, scope, id):
                    self.dms_secrets_role = iam.Role(self, "DmsRole", assumed_by=iam.ServicePrincipal("dms.amazonaws.com"))
                    # SQL Server source
                    self.secret.grant_read(self.dms_secrets_role)
                    dms.CfnEndpoint(self, "SqlSource", engine_name="sqlserver", microsoft_sql_server_settings=dms.CfnEndpoint.MicrosoftSqlServerSettingsProperty(secrets_manager_secret_id=self.secret.secret_arn, secrets_manager_access_role_arn=self.dms_secrets_role.role_arn))
            """,
            unsafe=True,
        ),
        Case(
            "CDK013-invalid-not-applied-without-unsafe",
            """
            from aws_cdk import aws_dms as dms
            dms.CfnEndpoint(self, "E", engine_name="postgres", secrets_manager_secret_id=secret.secret_arn)
            """,
            finding=True,
        ),
        Case(
            "CDK013-invalid-unknown-engine-reported",
            """
            from aws_cdk import aws_dms as dms
            dms.CfnEndpoint(self, "E", engine_name=engine, secrets_manager_secret_id=secret.secret_arn)
            """,
            finding=True,
            unsafe=True,
        ),
        Case(
            "CDK013-valid-settings-already-right",
            """
            from aws_cdk import aws_dms as dms
            dms.CfnEndpoint(self, "E", engine_name="postgres",
                            postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                                secrets_manager_secret_id=secret.secret_arn,
                                secrets_manager_access_role_arn=role.role_arn))
            other.Endpoint(secrets_manager_secret_id="x")
            """,
            unsafe=True,
        ),
    )

    # -- finding -------------------------------------------------------------------------------------
    def check(self) -> None:
        """Every ``CfnEndpoint(..., secrets_manager_secret_id=...)``, planned in the order LibCST leaves them
        (new role names are taken in that order), then fixed (:meth:`_queue_fixes`)."""
        self._facts: _Facts | None = None
        self._new_names: set[str] = set()
        calls = [call for call in self.scan.calls if any(k.arg == _SECRET_ID for k in call.keywords)
                 and self.imports.resolve_dotted(ast_dotted(call.func)) == _ENDPOINT]
        fixes: list[_Fix] = []
        for call in sorted(calls, key=lambda c: (c.end_lineno, c.end_col_offset)):  # post-order
            parsed = parse_call_text(self.scan.segment(call))
            fix = self._endpoint(call, parsed) if parsed is not None else None
            if fix is not None:
                fixes.append(fix)
        self._queue_fixes(fixes)

    def is_dms_role(self, call: cst.Call) -> bool:
        """``iam.Role(..., assumed_by=iam.ServicePrincipal("dms.amazonaws.com"))`` (not a special one)."""
        if self.imports.resolve(call.func) != "aws_cdk.aws_iam.Role":
            return False
        if _string_value(getattr(keyword(call, "role_name"), "value", None)) in _SPECIAL_ROLES:
            return False
        principal = keyword(call, "assumed_by")
        if principal is None or not isinstance(principal.value, cst.Call):
            return False
        if self.imports.resolve(principal.value.func) != "aws_cdk.aws_iam.ServicePrincipal":
            return False
        service = _string_value(principal.value.args[0].value) if principal.value.args else None
        return bool(service) and service.startswith("dms.") and service.endswith(".amazonaws.com")

    def _endpoint(self, node: ast.Call, call: cst.Call) -> None:
        """Report or fix one endpoint call: ``node`` on the stdlib tree, ``call`` its LibCST parse."""
        secret_arg = keyword(call, _SECRET_ID)
        assert secret_arg is not None
        engine = _string_value(getattr(keyword(call, "engine_name"), "value", None))
        found = self._settings_for(engine.lower() if engine else None)
        if found is None:
            self.report(node, "`secrets_manager_secret_id` is not a CfnEndpoint keyword; it belongs in "
                              "the engine's settings, but `engine_name` is not a known literal",
                        suggestion="<engine>_settings=dms.CfnEndpoint.<Engine>SettingsProperty("
                                   "secrets_manager_secret_id=..., secrets_manager_access_role_arn=role.role_arn)")
            return
        prop, struct = found
        existing = keyword(call, prop)
        struct_qualified = f"{_ENDPOINT}.{struct}"
        if existing is not None and (not isinstance(existing.value, cst.Call)
                                     or self.imports.resolve(existing.value.func) != struct_qualified
                                     or keyword(existing.value, _SECRET_ID) is not None
                                     or any(a.star for a in existing.value.args)):
            self.report(node, f"`secrets_manager_secret_id` belongs in `{prop}`, which is not a "
                              f"`{struct}(...)` call this rule can extend")
            return
        role: _Role | None = None
        if keyword(call, _ROLE_ARN) is None:
            role = self._role(node, call, secret_arg.value)
            if role is None:
                self.report(node, "`secrets_manager_secret_id` belongs in `" + prop + "` with a role "
                                  "DMS assumes; the secret object is not visible, so no role was added")
                return
        message = f"`secrets_manager_secret_id` moved into `{prop}` with `secrets_manager_access_role_arn`"

        def moved(parsed: cst.Call) -> cst.Call:
            role_arg = keyword(parsed, _ROLE_ARN)
            role_arn = role_arg.value if role_arg is not None else cst.parse_expression(
                role.arn)  # type: ignore[union-attr]
            struct_func = cst.parse_expression(f"{_CODE.code_for_node(parsed.func)}.{struct}")
            return self._move(parsed, keyword(parsed, _SECRET_ID), role_arg, role_arn, prop,  # type: ignore[arg-type]
                              keyword(parsed, prop), struct_func)

        return _Fix(node, message, moved, role)

    def _queue_fixes(self, fixes: list[_Fix]) -> None:
        """One edit per outermost statement line that gets new statements (all of a ``;``-joined line, as
        LibCST's ``SimpleStatementLine``), made by :class:`_Insert` with every fix inside it; the other fixes
        each edit their call.

        A line with a line less indented than itself (a multi-line string) cannot be edited alone: the
        top-level statement holding it is edited instead."""
        lined: list[tuple[int, int, ast.stmt]] = []
        for fix in fixes:
            if fix.role is not None and fix.role.inserts:
                line = fix.role.line if self._dedentable(fix.role.line) else self._top_level(fix.node)
                start, end = self._span(line)
                lined.append((start, -end, line))
        groups: list[tuple[ast.stmt, int, int, list[_Fix]]] = []
        for start, negative_end, line in sorted(lined, key=lambda item: item[:2]):
            if not groups or start >= groups[-1][2]:  # not inside the previous one
                groups.append((line, start, -negative_end, []))
        alone: list[_Fix] = []
        for fix in fixes:
            offset = self.lines.offset(fix.node.lineno, fix.node.col_offset)
            group = next((g for g in groups if g[1] <= offset < g[2]), None)
            (alone if group is None else group[3]).append(fix)
        for fix in alone:
            self.rewrite(fix.node, fix.moved, fix.message)
        for line, _, _, inside in groups:
            self._queue_lines(line, inside)

    def _queue_lines(self, line: ast.stmt, fixes: list[_Fix]) -> None:
        """Record ``fixes`` and make the applicable ones by one whole-lines edit of ``line``; the edit goes
        with the first applicable fix's finding, and carries the imports new roles need."""
        applicable = [fix for fix in fixes if self.may_apply(fix.node)]
        for fix in applicable:
            if fix.role is not None and fix.role.new is not None:
                fix.role.iam = self.use_module("aws_cdk.aws_iam")
        start, end = self._span(line)
        candidates = sorted((c for c in self.scan.calls if _is_candidate(c)
                             and start <= self.lines.offset(c.lineno, c.col_offset) < end),
                            key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        targets = {next(i for i, c in enumerate(candidates) if c is fix.node): fix for fix in applicable}
        newline = newline_of(self.source)
        for fix in fixes:
            if applicable and fix is applicable[0]:
                self.rewrite(line, lambda statement: _Insert(targets, newline).apply(statement), fix.message,
                             at=fix.node, whole_lines=True)
            else:
                self.record_fix(fix.node, fix.message)

    def _settings_for(self, engine: str | None) -> tuple[str, str] | None:
        """(``postgre_sql_settings``, ``PostgreSqlSettingsProperty``) for an engine, from the API index."""
        struct = _ENGINE_STRUCTS.get(engine or "")
        if struct is None:
            return None
        api = index(self.options)
        endpoint = api.type("aws_cdk.aws_dms", "CfnEndpoint")
        struct_type = api.type("aws_cdk.aws_dms", f"CfnEndpoint.{struct}")
        if endpoint is None or struct_type is None or _SECRET_ID not in struct_type.props \
                or _ROLE_ARN not in struct_type.props:
            return None
        wanted = struct_type.fqn
        for name, prop in endpoint.props.items():
            members = prop.type.removeprefix("union[").removesuffix("]").split(",")
            if wanted in members:
                return name, struct
        return None

    def _role(self, node: ast.Call, call: cst.Call, secret_id: cst.BaseExpression) -> _Role | None:
        """An existing DMS role or a new one (see :class:`_Role`), or None when none can be had."""
        secret = None
        if isinstance(secret_id, cst.Attribute) and secret_id.attr.value in _SECRET_ATTRIBUTES:
            secret = dotted_name(secret_id.value)
        statements = self._statement_line(node)
        if statements is None or any(isinstance(outer, _NESTED) for outer in self.scan.ancestors(node)):
            return None
        if self._facts is None:
            self._facts = _Facts(self)
        function = _function_of(self.scan, node)
        roles = [(target, node_line) for fn, target, node_line in self._facts.roles
                 if fn is function and 0 < node_line < node.lineno]
        preferred = [r for r in roles if "secret" in r[0].lower()] or roles
        line = _line_node(statements)
        if len(preferred) == 1:
            role = preferred[0][0]
            grant = secret if secret and (secret, role) not in self._facts.grants else None
            return _Role(f"{role}.role_arn", line, statements, grant=grant, name=role)
        if secret is None:
            return None
        args = positional(call)
        if len(args) < 2:
            return None
        construct_id = args[1].value
        role_id = self._role_id(construct_id)
        if role_id is None:
            return None
        quote = construct_id.quote if isinstance(construct_id, cst.SimpleString) else (
            construct_id.end if isinstance(construct_id, cst.FormattedString) else '"')
        first = statements[0]
        target = first.targets[0] if isinstance(first, ast.Assign) and len(first.targets) == 1 else None
        base = (target.id if isinstance(target, ast.Name) else "dms") + "_secrets_role"
        name, n = base, 1
        while name in self.imports.identifiers or name in self._new_names:
            n += 1
            name = f"{base}_{n}"
        self._new_names.add(name)
        return _Role(f"{name}.role_arn", line, statements, grant=secret, name=name, new=(role_id, quote))

    def _statement_line(self, node: ast.AST) -> list[ast.stmt] | None:
        """The statements of the line holding ``node`` (a ``SimpleStatementLine`` in LibCST: ``;``-joined
        statements count as one), or None when no such line holds it (a block statement's header, a
        statement on its block's first line)."""
        statement = next((outer for outer in self.scan.ancestors(node) if isinstance(outer, ast.stmt)), None)
        if statement is None or isinstance(statement, COMPOUND):
            return None
        parent = self.scan.parents.get(id(statement))
        siblings = next(value for _, value in ast.iter_fields(parent)
                        if isinstance(value, list) and any(s is statement for s in value))
        at = next(i for i, s in enumerate(siblings) if s is statement)
        start = end = at
        while start > 0 and siblings[start - 1].end_lineno == siblings[start].lineno:
            start -= 1
        while end + 1 < len(siblings) and siblings[end + 1].lineno == siblings[end].end_lineno:
            end += 1
        first = siblings[start]
        before = self.source[self.lines.starts[first.lineno - 1]:self.lines.offset(first.lineno, first.col_offset)]
        if before.strip(" \t\f"):
            return None
        return siblings[start:end + 1]

    def _dedentable(self, statement: ast.stmt) -> bool:
        """Whether every line of ``statement`` is blank or starts with its indentation (what a whole-lines
        edit needs), and no other statement shares them."""
        if line_span(self.source, self.lines, statement) is None:
            return False
        first = self.lines.line_text(statement.lineno)
        indent = first[:len(first) - len(first.lstrip(" \t\f"))]
        return all(text.startswith(indent) or not text.strip(" \t\f")
                   for text in map(self.lines.line_text, range(statement.lineno, statement.end_lineno + 1)))

    def _top_level(self, node: ast.AST) -> ast.stmt:
        """The module-level statement holding ``node``."""
        return [outer for outer in self.scan.ancestors(node) if isinstance(outer, ast.stmt)][-1]

    def _role_id(self, construct_id: cst.BaseExpression) -> str | None:
        """The role's construct id, derived from the endpoint's: ``"Source"`` → ``"SourceSecretsRole"``."""
        if isinstance(construct_id, (cst.SimpleString, cst.FormattedString)):
            text = _CODE.code_for_node(construct_id)
            quote = construct_id.quote if isinstance(construct_id, cst.SimpleString) else construct_id.end
            body = text[: -len(quote)]
            if isinstance(construct_id, cst.SimpleString):
                sample = str(construct_id.evaluated_value)
            else:
                sample = "".join(p.value for p in construct_id.parts if isinstance(p, cst.FormattedStringText))
            if body.endswith("\\") or "\n" in text:
                return None
            suffix = "-secrets-role" if "-" in sample else "_secrets_role" if "_" in sample else "SecretsRole"
            return body + suffix + quote
        name = dotted_name(construct_id)
        if name:
            return f'f"{{{name}}}-secrets-role"'
        return None

    @staticmethod
    def _move(call: cst.Call, secret_arg: cst.Arg, role_arg: cst.Arg | None,
              role_arn: cst.BaseExpression, prop: str, existing: cst.Arg | None,
              struct_func: cst.BaseExpression) -> cst.Call:
        """The call with the secret (and role) moved into the settings."""
        if existing is not None:
            settings = add_keyword(existing.value, _SECRET_ID, secret_arg.value)  # type: ignore[arg-type]
            settings = add_keyword(settings, _ROLE_ARN, role_arn)
            call = call.with_changes(args=[a.with_changes(value=settings) if a is existing else a
                                           for a in call.args])
            return without_arg(without_arg(call, secret_arg), role_arg)
        args = list(call.args)
        position = args.index(secret_arg)
        before = args[position - 1].comma.whitespace_after if position and isinstance(
            args[position - 1].comma, cst.Comma) else call.whitespace_before_args
        if isinstance(before, cst.ParenthesizedWhitespace):
            inner = before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[],
                                        last_line=cst.SimpleWhitespace(before.last_line.value + "    "))
            closing = before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
            settings = cst.Call(func=struct_func, whitespace_before_args=inner, args=[
                cst.Arg(keyword=cst.Name(_SECRET_ID), value=secret_arg.value, equal=secret_arg.equal,
                        comma=cst.Comma(whitespace_after=inner)),
                cst.Arg(keyword=cst.Name(_ROLE_ARN), value=role_arn, equal=secret_arg.equal,
                        comma=cst.Comma(whitespace_after=closing)),
            ])
        else:
            settings = cst.Call(func=struct_func, args=[
                cst.Arg(keyword=cst.Name(_SECRET_ID), value=secret_arg.value, equal=secret_arg.equal,
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(keyword=cst.Name(_ROLE_ARN), value=role_arn, equal=secret_arg.equal),
            ])
        args[position] = secret_arg.with_changes(keyword=cst.Name(prop), value=settings)
        return without_arg(call.with_changes(args=args), role_arg)

    def _span(self, line: ast.stmt) -> tuple[int, int]:
        """The whole lines of ``line`` (when another statement shares them, the edit is left undone later)."""
        end = self.lines.line_end(line.end_lineno)  # type: ignore[arg-type]
        return line_span(self.source, self.lines, line) or (self.lines.starts[line.lineno - 1], end)


def _is_candidate(call: ast.Call) -> bool:
    """A call of a dotted name with a ``secrets_manager_secret_id=`` (what :class:`_Insert` counts)."""
    return ast_dotted(call.func) is not None and any(k.arg == _SECRET_ID for k in call.keywords)


def _line_node(statements: list[ast.stmt]) -> ast.stmt:
    """The statement itself, or for ``;``-joined statements one statement node spanning them all (what a
    whole-lines edit of LibCST's ``SimpleStatementLine`` needs)."""
    if len(statements) == 1:
        return statements[0]
    first, last = statements[0], statements[-1]
    return ast.Pass(lineno=first.lineno, col_offset=first.col_offset, end_lineno=last.end_lineno,
                    end_col_offset=last.end_col_offset)


@dataclass
class _Role:
    """The role of a fix: ``arn`` (its ``role_arn`` expression), the statement ``line`` holding the call
    (``statements`` on it) and what goes before that line: ``secret.grant_read(role)`` when ``grant`` is set,
    after a new ``iam.Role`` when ``new`` is ``(construct id, quote)`` (``iam``: the module's alias)."""

    arn: str
    line: ast.stmt
    statements: list[ast.stmt]
    grant: str | None = None
    name: str = ""
    new: tuple[str, str] | None = None
    iam: str = "iam"

    @property
    def inserts(self) -> bool:
        """Whether the fix adds statements."""
        return self.new is not None or self.grant is not None

    def build(self, call: cst.Call, newline: str) -> list[cst.BaseStatement]:
        """The statements to insert, for the endpoint ``call`` as parsed in its statement (its scope's code
        then reads as LibCST read it in the module, whose line ending is ``newline``, and the parentheses
        around the call are its own: a call spread over lines by them gets a vertical role)."""
        statements = []
        if self.new is not None:
            role_id, quote = self.new
            code = cst.Module(body=[], default_newline=newline).code_for_node
            scope = code(positional(call)[0].value)
            principal = f"{self.iam}.ServicePrincipal({quote}dms.amazonaws.com{quote})"
            if "\n" in code(call.with_changes(func=cst.Name("f"))):
                text = (f"{self.name} = {self.iam}.Role(\n    {scope},\n    {role_id},\n"
                        f"    assumed_by={principal},\n)\n")
            else:
                text = f"{self.name} = {self.iam}.Role({scope}, {role_id}, assumed_by={principal})\n"
            statements.append(cst.parse_statement(text))
        if self.grant is not None:
            statements.append(cst.parse_statement(f"{self.grant}.grant_read({self.name})\n"))
        return statements


@dataclass
class _Fix:
    """A planned fix: the endpoint call, the finding's message, the call's rewrite, its role if it needs one."""

    node: ast.Call
    message: str
    moved: Callable[[cst.Call], cst.Call]
    role: _Role | None


class _Insert(cst.CSTTransformer):
    """Makes the ``targets`` fixes in a parsed statement: the n-th candidate call (:func:`_is_candidate`, in
    source order) is rewritten by ``targets[n]`` and its role's statements go before the statement line
    holding it."""

    def __init__(self, targets: dict[int, _Fix], newline: str) -> None:
        super().__init__()
        self.targets, self.newline = targets, newline
        self.seen = -1
        self.found: dict[cst.Call, _Fix] = {}
        self.lines: list[cst.SimpleStatementLine] = []
        self.insert: dict[int, list[cst.BaseStatement]] = {}

    def apply(self, statement: cst.CSTNode) -> cst.CSTNode:
        """The statement, fixed; several statements when the line to insert before is the statement itself."""
        updated = statement.visit(self)
        new = self.insert.get(id(statement))
        if not new:
            return updated
        return cst.FlattenSentinel([new[0].with_changes(leading_lines=updated.leading_lines), *new[1:],
                                    updated.with_changes(leading_lines=())])

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self.lines.append(node)
        return True

    def leave_SimpleStatementLine(self, original_node, updated_node):
        self.lines.pop()
        return updated_node

    def visit_Call(self, node: cst.Call) -> bool:
        if dotted_name(node.func) is not None and keyword(node, _SECRET_ID) is not None:
            self.seen += 1
            fix = self.targets.get(self.seen)
            if fix is not None:
                self.found[node] = fix
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.found.get(original_node)
        if fix is None:
            return updated_node
        if fix.role is not None and fix.role.inserts and self.lines:
            self.insert.setdefault(id(self.lines[-1]), []).extend(fix.role.build(updated_node, self.newline))
        return fix.moved(updated_node)
    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(id(stmt) in self.insert for stmt in original_node.body):
            return updated_node
        body: list[cst.BaseStatement] = []
        for orig, upd in zip(original_node.body, updated_node.body):
            new = self.insert.get(id(orig))
            if new:
                # The statement's comments and blank lines now lead the inserted block.
                body.append(new[0].with_changes(leading_lines=upd.leading_lines))
                body.extend(new[1:])
                upd = upd.with_changes(leading_lines=())
            body.append(upd)
        return updated_node.with_changes(body=body)
