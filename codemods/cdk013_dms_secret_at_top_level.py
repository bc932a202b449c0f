"""CDK013: ``dms.CfnEndpoint(secrets_manager_secret_id=...)``: the secret belongs in the engine's settings."""

from __future__ import annotations

import ast
from types import SimpleNamespace

import libcst as cst

from cdkfix.rule import Case, Rule
from cdkfix.spans import LineIndex
from codemods._helpers import ast_dotted, dotted_name, index, keyword, positional, prescan
from codemods._layout import add_keyword, without_arg

_ENDPOINT = "aws_cdk.aws_dms.CfnEndpoint"
_SECRET_ID = "secrets_manager_secret_id"
_ROLE_ARN = "secrets_manager_access_role_arn"
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

#: The facts of a module the stdlib cannot parse (the prefilter then says no; nothing can be kept anyway).
_NO_FACTS = SimpleNamespace(roles=[], grants=set())


def _string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


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


class _Facts:
    """Roles assumed by DMS (with the position of their enclosing function, and their line) and
    ``x.grant_read(y)`` pairs, found on the stdlib tree (a second LibCST traversal cost as much as the
    rule's own)."""

    def __init__(self, rule: DmsSecretAtTopLevel, scan) -> None:
        lines = LineIndex(scan.source)
        self.roles: list[tuple[tuple[int, int] | None, str, int]] = []
        self.grants: set[tuple[str, str]] = set()
        for node in ast.walk(scan.tree):
            if isinstance(node, ast.Assign):
                if len(node.targets) != 1 or not isinstance(node.value, ast.Call):
                    continue
                target = ast_dotted(node.targets[0])
                if not target or rule.resolve_ast(node.value.func) != "aws_cdk.aws_iam.Role":
                    continue
                call = _parse_call(scan.segment(node.value))
                if call is None or not rule.is_dms_role(call):
                    continue
                function = next((outer for outer in scan.ancestors(node)
                                 if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
                # LibCST's position of the function (1-based column), as ``Rule.position`` gives it.
                key = None if function is None else (
                    function.lineno, lines.char_column(function.lineno, function.col_offset) + 1)
                self.roles.append((key, target, node.lineno))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "grant_read":
                    first = _first_argument(node)
                    owner, grantee = ast_dotted(func.value), ast_dotted(first)
                    if owner and grantee:
                        self.grants.add((owner, grantee))


def _parse_call(text: str) -> cst.Call | None:
    """LibCST's parse of a call's source text (parenthesized, so that a multi-line call parses alone)."""
    try:
        parsed = cst.parse_expression(f"({text})")
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return None
    if not isinstance(parsed, cst.Call):
        return None
    return parsed.with_changes(lpar=parsed.lpar[1:], rpar=parsed.rpar[:-1])


class DmsSecretAtTopLevel(Rule):
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

    # -- facts ---------------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> bool | None:
        """Collect DMS roles and grants; reset the statement bookkeeping."""
        result = super().visit_Module(node)
        scan = prescan(node.code)
        self._facts = _Facts(self, scan) if scan is not None else _NO_FACTS
        self._functions: list[cst.FunctionDef | None] = [None]
        self._statements: list[cst.SimpleStatementLine] = []
        self._nested = 0
        self._insert: dict[int, list[cst.BaseStatement]] = {}
        self._new_names: set[str] = set()
        return result

    def resolve_ast(self, node: ast.AST | None) -> str | None:
        """``self.imports.resolve`` for an ``ast`` Name/Attribute chain (the imports LibCST sees)."""
        dotted = ast_dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.imports.bindings.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

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

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        """Track the enclosing function."""
        self._functions.append(node)
        return True

    def leave_FunctionDef(self, original_node, updated_node):
        """Leave the function."""
        self._functions.pop()
        return updated_node

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool | None:
        """Track the enclosing statement (new statements go before it)."""
        self._statements.append(node)
        return True

    def leave_SimpleStatementLine(self, original_node, updated_node):
        """Leave the statement."""
        self._statements.pop()
        return updated_node

    def _enter_nested(self, node) -> bool:
        self._nested += 1
        return True

    def _leave_nested(self, original_node, updated_node):
        self._nested -= 1
        return updated_node

    visit_Lambda = visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _enter_nested
    leave_Lambda = leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_nested

    # -- the fix -------------------------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``CfnEndpoint(..., secrets_manager_secret_id=...)``."""
        if self.imports.resolve(original_node.func) != _ENDPOINT:
            return updated_node
        secret_arg = keyword(updated_node, _SECRET_ID)
        if secret_arg is None:
            return updated_node
        engine = _string_value(getattr(keyword(updated_node, "engine_name"), "value", None))
        found = self._settings_for(engine.lower() if engine else None)
        if found is None:
            self.report(original_node, "`secrets_manager_secret_id` is not a CfnEndpoint keyword; it belongs in "
                                       "the engine's settings, but `engine_name` is not a known literal",
                        suggestion="<engine>_settings=dms.CfnEndpoint.<Engine>SettingsProperty("
                                   "secrets_manager_secret_id=..., secrets_manager_access_role_arn=role.role_arn)")
            return updated_node
        prop, struct = found
        existing = keyword(updated_node, prop)
        struct_qualified = f"{_ENDPOINT}.{struct}"
        if existing is not None and (not isinstance(existing.value, cst.Call)
                                     or self.imports.resolve(existing.value.func) != struct_qualified
                                     or keyword(existing.value, _SECRET_ID) is not None
                                     or any(a.star for a in existing.value.args)):
            self.report(original_node, f"`secrets_manager_secret_id` belongs in `{prop}`, which is not a "
                                       f"`{struct}(...)` call this rule can extend")
            return updated_node
        role_arg = keyword(updated_node, _ROLE_ARN)
        role_arn: cst.BaseExpression | None = role_arg.value if role_arg is not None else None
        new_statements: list[cst.BaseStatement] = []
        if role_arn is None:
            planned = self._role(original_node, updated_node, secret_arg.value)
            if planned is None:
                self.report(original_node, "`secrets_manager_secret_id` belongs in `" + prop + "` with a role "
                                           "DMS assumes; the secret object is not visible, so no role was added")
                return updated_node
            role_arn, new_statements = planned
        func_code = self._code(updated_node.func)
        call = self._move(updated_node, secret_arg, role_arg, role_arn, prop, existing,
                          cst.parse_expression(f"{func_code}.{struct}"))
        if not self.record_fix(original_node, f"`secrets_manager_secret_id` moved into `{prop}` with "
                                              f"`secrets_manager_access_role_arn`"):
            return updated_node
        if new_statements:
            self._insert.setdefault(id(self._statements[-1]), []).extend(new_statements)
        return call

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

    def _code(self, node: cst.CSTNode) -> str:
        assert self.module_node is not None
        return self.module_node.code_for_node(node)

    def _role(self, original: cst.Call, call: cst.Call, secret_id: cst.BaseExpression):
        """(role ARN expression, statements to insert) — an existing DMS role or a new one."""
        secret = None
        if isinstance(secret_id, cst.Attribute) and secret_id.attr.value in _SECRET_ATTRIBUTES:
            secret = dotted_name(secret_id.value)
        if not self._statements or self._nested:
            return None
        statement = self._statements[-1]
        line = self.position(original)[0]
        function = self._functions[-1]
        function_key = None if function is None else self.position(function)
        roles = [(target, node_line) for fn, target, node_line in self._facts.roles
                 if fn == function_key and 0 < node_line < line]
        preferred = [r for r in roles if "secret" in r[0].lower()] or roles
        if len(preferred) == 1:
            role = preferred[0][0]
            statements = []
            if secret and (secret, role) not in self._facts.grants:
                statements.append(cst.parse_statement(f"{secret}.grant_read({role})\n"))
            return cst.parse_expression(f"{role}.role_arn"), statements
        if secret is None:
            return None
        args = positional(call)
        if len(args) < 2:
            return None
        scope, construct_id = self._code(args[0].value), args[1].value
        role_id = self._role_id(construct_id)
        if role_id is None:
            return None
        iam = self.use_module("aws_cdk.aws_iam")
        quote = construct_id.quote if isinstance(construct_id, cst.SimpleString) else (
            construct_id.end if isinstance(construct_id, cst.FormattedString) else '"')
        principal = f"{iam}.ServicePrincipal({quote}dms.amazonaws.com{quote})"
        target = statement.body[0].targets[0].target if (
            isinstance(statement.body[0], cst.Assign) and len(statement.body[0].targets) == 1) else None
        base = (target.value if isinstance(target, cst.Name) else "dms") + "_secrets_role"
        name, n = base, 1
        while name in self.imports.identifiers or name in self._new_names:
            n += 1
            name = f"{base}_{n}"
        self._new_names.add(name)
        multiline = "\n" in self._code(call.with_changes(func=cst.Name("f")))
        if multiline:
            text = (f"{name} = {iam}.Role(\n    {scope},\n    {role_id},\n"
                    f"    assumed_by={principal},\n)\n")
        else:
            text = f"{name} = {iam}.Role({scope}, {role_id}, assumed_by={principal})\n"
        statements = [cst.parse_statement(text), cst.parse_statement(f"{secret}.grant_read({name})\n")]
        return cst.parse_expression(f"{name}.role_arn"), statements

    def _role_id(self, construct_id: cst.BaseExpression) -> str | None:
        """The role's construct id, derived from the endpoint's: ``"Source"`` → ``"SourceSecretsRole"``."""
        if isinstance(construct_id, (cst.SimpleString, cst.FormattedString)):
            text = self._code(construct_id)
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

    def _move(self, call: cst.Call, secret_arg: cst.Arg, role_arg: cst.Arg | None,
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

    # -- inserting the role --------------------------------------------------------------------------
    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        """Insert the new statements before the endpoint's statement."""
        body = self._with_inserts(original_node.body, updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """The same at module level."""
        body = self._with_inserts(original_node.body, updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def _with_inserts(self, original, updated):
        if not any(id(stmt) in self._insert for stmt in original):
            return None
        body: list[cst.BaseStatement] = []
        for orig, upd in zip(original, updated):
            new = self._insert.get(id(orig))
            if new:
                # The statement's comments and blank lines now lead the inserted block.
                body.append(new[0].with_changes(leading_lines=upd.leading_lines))
                body.extend(new[1:])
                upd = upd.with_changes(leading_lines=())
            body.append(upd)
        return body

