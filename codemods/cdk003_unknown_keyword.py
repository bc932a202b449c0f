"""CDK003: a keyword argument the CDK constructor, method or struct does not accept."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst as cst

from cdkfix.api_index import to_snake_case
from cdkfix.rule import Case, Rule
from codemods._api_names import ANTONYMS, KEYWORD_SYNONYMS
from codemods._helpers import (
    closest_first,
    dotted_name,
    index,
    normalized,
    prefilter_index,
    prescan,
    rebound_names,
    similarity,
    statement_bindings,
    walk_statements,
)

#: Spelling matches must be at least this alike (difflib ratio, case and underscores ignored) ...
SPELLING_CUTOFF = 0.88
#: ... and this far ahead of the runner-up.
SPELLING_MARGIN = 0.05
#: Names listed in a finding's message (the suggestion holds them all).
LISTED = 8


@dataclass(frozen=True)
class _Signature:
    """What a callee accepts by keyword: name -> type (positional parameters included)."""

    label: str
    accepted: dict[str, str]
    deprecated: frozenset[str]


def _union_members(typeref: str) -> list[str]:
    if not typeref.startswith("union["):
        return [typeref]
    members, depth, start = [], 0, len("union[")
    for i, ch in enumerate(typeref[start:-1], start):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            members.append(typeref[start:i])
            start = i + 1
    members.append(typeref[start:-1])
    return members


def _fits(value: cst.BaseExpression, typeref: str) -> bool:
    """False when a literal value plainly cannot be of ``typeref`` (a string for a Duration...)."""
    members = _union_members(typeref)
    if any(m in ("any", "json") for m in members):
        return True
    if isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return "string" in members
    if isinstance(value, cst.UnaryOperation):
        value = value.expression
    if isinstance(value, (cst.Integer, cst.Float)):
        return "number" in members
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return "boolean" in members
    if isinstance(value, (cst.List, cst.ListComp)):
        return any(m.startswith("list[") for m in members)
    return True


def _antonyms(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by words of opposite meaning (``min_capacity``/``max_capacity``)."""
    wa, wb = set(to_snake_case(a).split("_")), set(to_snake_case(b).split("_"))
    return any(frozenset((x, y)) in ANTONYMS for x in wa - wb for y in wb - wa)


_POLARITY = frozenset(word for pair in ANTONYMS for word in pair) | {"no", "not", "non", "skip"}


def _one_word_added(keyword: str, name: str) -> bool:
    """``name`` is ``keyword`` (two words or more) with one neutral word inserted."""
    short, long = to_snake_case(keyword).split("_"), name.split("_")
    if len(short) < 2 or len(long) != len(short) + 1:
        return False
    return any(long[:i] + long[i + 1:] == short and long[i] not in _POLARITY for i in range(len(long)))


def _scope_bindings(scope: cst.CSTNode) -> dict[str, list[cst.BaseExpression | None]]:
    """Values bound to names in one scope: a function (its parameters included) or the module.

    ``None`` stands for a binding whose value is unknown (a parameter, a loop target...).
    """
    values: dict[str, list[cst.BaseExpression | None]] = {}
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            values.setdefault(param.name.value, []).append(None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                values.setdefault(star.name.value, []).append(None)
        body = scope.body.body if isinstance(scope.body, cst.IndentedBlock) else []
    else:
        body = scope.body  # type: ignore[attr-defined]
    for name, value, _ in statement_bindings(body, nested=False):
        values.setdefault(name, []).append(value)
    return values


def _self_attributes(cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression | None]]:
    """``self.<attr> = value`` in the methods of one class (nested classes excluded)."""
    values: dict[str, list[cst.BaseExpression | None]] = {}

    def bind(target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
            values.setdefault(target.attr.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bind(element.value, None)

    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else []
    for method in body:
        if not isinstance(method, cst.FunctionDef) or not isinstance(method.body, cst.IndentedBlock):
            continue
        for node in walk_statements(method.body.body, nested=False):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    bind(target.target, node.value)
            elif isinstance(node, cst.AnnAssign):
                bind(node.target, node.value)
            elif isinstance(node, cst.AugAssign):
                bind(node.target, None)
    return values


class UnknownKeyword(Rule):
    """Renames a keyword argument that the called CDK API does not accept to the one that was meant.

    The callee is resolved through the file's imports (``s3.Bucket``, ``cdk.aws_s3.Bucket``, ``Bucket``),
    including nested types (``dms.CfnEndpoint.PostgreSqlSettingsProperty``), static methods
    (``lambda_.Code.from_asset``), and methods called on a variable whose value is visible in the same
    function, class (``self.bucket = s3.Bucket(...)``) or module (``bucket.add_lifecycle_rule(...)``).
    The API index of the user's aws-cdk-lib says which keywords it accepts. An unknown keyword is renamed
    when one accepted keyword is clearly meant, in this order:

    1. the same name in another case or underscore placement (``allowList``, ``enable_dns_host_names``);
    2. a curated synonym (``versioning`` -> ``versioned``, ``postgres_settings`` -> ``postgre_sql_settings``,
       ``identifier`` -> ``instance_identifier``...), applied only when the target is a keyword of that
       very callee and the value's literal type fits;
    3. a close spelling: one candidate at least 0.88 alike (difflib, case and underscores ignored) and
       clearly ahead of the next, never swapping words of opposite meaning (``min``/``max``).

    A keyword is never renamed to one already passed, deprecated props are not offered as guesses, and a
    call that passes ``**kwargs`` is left alone. Otherwise the rule reports the keyword with the accepted
    names, closest first.
    """

    code = "CDK003"
    name = "unknown-keyword"
    title = "Keyword argument the CDK constructor or method does not accept"
    why = """
        jsii's Python classes take their props as keyword-only arguments with fixed names, so a keyword
        that is not a prop of that class (a CloudFormation name, a prop of another construct, a typo)
        stops the app before anything is synthesized:

            TypeError: CfnEndpoint.__init__() got an unexpected keyword argument 'postgres_settings'
    """
    source = ("seeds/003_970a9f3b40132c4b.txt §6 (DMS `postgres_settings`) and §5 (`ARecord(weight=...)`); "
              "DESIGN.md table: unknown keyword argument (10% of failures)")
    triggers = ("aws_cdk", "constructs")
    lazy_positions = True
    synth_error = "CfnEndpoint.__init__() got an unexpected keyword argument 'postgres_settings'"
    cases = (
        Case(
            "CDK003-invalid-dms-settings-nested-struct",
            """
            from aws_cdk import aws_dms as dms
            endpoint = dms.CfnEndpoint(
                self,
                "Source",
                endpoint_type="source",
                engine_name="postgres",
                postgres_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                    secrets_manager_secret_id=secret.secret_arn,  # the secret
                    secrets_manager_role_arn=role.role_arn,
                ),
            )
            """,
            """
            from aws_cdk import aws_dms as dms
            endpoint = dms.CfnEndpoint(
                self,
                "Source",
                endpoint_type="source",
                engine_name="postgres",
                postgre_sql_settings=dms.CfnEndpoint.PostgreSqlSettingsProperty(
                    secrets_manager_secret_id=secret.secret_arn,  # the secret
                    secrets_manager_access_role_arn=role.role_arn,
                ),
            )
            """,
        ),
        Case(
            "CDK003-invalid-synonym-and-camel-case",
            """
            from aws_cdk import aws_s3 as s3
            bucket = s3.Bucket(self, "Logs", versioning=True, removalPolicy=RemovalPolicy.DESTROY)
            """,
            """
            from aws_cdk import aws_s3 as s3
            bucket = s3.Bucket(self, "Logs", versioned=True, removal_policy=RemovalPolicy.DESTROY)
            """,
        ),
        Case(
            "CDK003-invalid-cdk-alias-chain",
            """
            import aws_cdk as cdk
            table = cdk.aws_dynamodb.Table(self, "T", partition_key=key, biling_mode=cdk.aws_dynamodb.BillingMode.PAY_PER_REQUEST)
            """,
            """
            import aws_cdk as cdk
            table = cdk.aws_dynamodb.Table(self, "T", partition_key=key, billing_mode=cdk.aws_dynamodb.BillingMode.PAY_PER_REQUEST)
            """,
        ),
        Case(
            "CDK003-invalid-synonym-resolved-per-callee",
            """
            from aws_cdk import aws_sqs as sqs, aws_sns as sns, aws_rds as rds
            queue = sqs.Queue(self, "Q", kms_key=key)
            topic = sns.Topic(self, "T", kms_key=key)
            db = rds.DatabaseInstance(self, "D", engine=engine, vpc=vpc, kms_key=key, subnet_selection=private)
            """,
            """
            from aws_cdk import aws_sqs as sqs, aws_sns as sns, aws_rds as rds
            queue = sqs.Queue(self, "Q", encryption_master_key=key)
            topic = sns.Topic(self, "T", master_key=key)
            db = rds.DatabaseInstance(self, "D", engine=engine, vpc=vpc, storage_encryption_key=key, vpc_subnets=private)
            """,
        ),
        Case(
            "CDK003-invalid-from-import-identifier",
            """
            from aws_cdk.aws_rds import DatabaseInstance
            db = DatabaseInstance(self, "Db", engine=engine, vpc=vpc, identifier="orders")
            """,
            """
            from aws_cdk.aws_rds import DatabaseInstance
            db = DatabaseInstance(self, "Db", engine=engine, vpc=vpc, instance_identifier="orders")
            """,
        ),
        Case(
            "CDK003-invalid-method-on-local-variable",
            """
            from aws_cdk import aws_s3 as s3, Duration

            class Storage(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    bucket = s3.Bucket(self, "B")
                    bucket.add_lifecycle_rule(expiration=Duration.days(30), noncurrent_version_expiry=Duration.days(7))
            """,
            """
            from aws_cdk import aws_s3 as s3, Duration

            class Storage(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    bucket = s3.Bucket(self, "B")
                    bucket.add_lifecycle_rule(expiration=Duration.days(30), noncurrent_version_expiration=Duration.days(7))
            """,
        ),
        Case(
            "CDK003-invalid-method-on-self-attribute",
            """
            from aws_cdk import aws_dynamodb as dynamodb

            class Data(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.table = dynamodb.Table(self, "T", partition_key=pk)
                    self._indexes()

                def _indexes(self):
                    self.table.add_global_secondary_index(indexName="byDate", partitionKey=date_key)
            """,
            """
            from aws_cdk import aws_dynamodb as dynamodb

            class Data(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.table = dynamodb.Table(self, "T", partition_key=pk)
                    self._indexes()

                def _indexes(self):
                    self.table.add_global_secondary_index(index_name="byDate", partition_key=date_key)
            """,
        ),
        Case(
            "CDK003-invalid-static-method",
            """
            from aws_cdk import aws_lambda as lambda_
            code = lambda_.Code.from_asset("lambda", assetHash=digest)
            """,
            """
            from aws_cdk import aws_lambda as lambda_
            code = lambda_.Code.from_asset("lambda", asset_hash=digest)
            """,
        ),
        Case(
            "CDK003-invalid-nested-calls-and-comments",
            """
            from aws_cdk import aws_ec2 as ec2
            vpc = ec2.Vpc(
                self, "Vpc",
                max_availability_zones=2,  # two AZs
                subnet_configuration=[
                    ec2.SubnetConfiguration(name="app", subnetType=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
                ],
            )
            """,
            """
            from aws_cdk import aws_ec2 as ec2
            vpc = ec2.Vpc(
                self, "Vpc",
                max_azs=2,  # two AZs
                subnet_configuration=[
                    ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
                ],
            )
            """,
        ),
        Case(
            "CDK003-invalid-chained-static-factory",
            """
            from aws_cdk import Tags
            Tags.of(self).add("team", "data", apply_to_launched_instance=True)
            """,
            """
            from aws_cdk import Tags
            Tags.of(self).add("team", "data", apply_to_launched_instances=True)
            """,
        ),
        Case(
            "CDK003-finding-no-clear-meaning",
            """
            from aws_cdk import aws_dms as dms
            endpoint = dms.CfnEndpoint(self, "E", endpoint_type="source", engine_name="postgres",
                                       secrets_manager_secret_id=secret.secret_arn)
            """,
            finding=True,
        ),
        Case(
            "CDK003-finding-target-already-passed",
            """
            from aws_cdk import aws_s3 as s3
            s3.Bucket(self, "B", versioned=True, versioning=True)
            """,
            finding=True,
        ),
        Case(
            "CDK003-finding-value-does-not-fit",
            """
            from aws_cdk import aws_logs as logs
            logs.LogGroup(self, "L", retention_days="7")
            """,
            finding=True,
        ),
        Case(
            # seeds/003 §5 failed on an older aws-cdk-lib; 2.275.0 accepts `weight`: the index decides
            "CDK003-valid-version-dependent-prop",
            """
            from aws_cdk import aws_route53 as route53
            route53.ARecord(self, "A", zone=zone, target=target, weight=100, set_identifier="blue")
            """,
        ),
        Case(
            "CDK003-valid-accepted-keywords",
            """
            from aws_cdk import aws_s3 as s3
            bucket = s3.Bucket(scope=self, id="B", versioned=True)
            bucket.add_lifecycle_rule(expiration=Duration.days(1))
            """,
        ),
        Case(
            "CDK003-valid-suppressed",
            """
            from aws_cdk import aws_s3 as s3
            s3.Bucket(self, "B", versioning=True)  # cdkfix: ignore[CDK003]
            """,
        ),
        Case(
            "CDK003-valid-kwargs-passed",
            """
            from aws_cdk import aws_s3 as s3
            s3.Bucket(self, "B", versioning=True, **props)
            """,
        ),
        Case(
            "CDK003-valid-shadowed-alias",
            """
            from aws_cdk import aws_s3 as s3

            def build(s3):
                return s3.Bucket(versioning=True)
            """,
        ),
        Case(
            "CDK003-valid-unknown-callee",
            """
            from aws_cdk import aws_s3 as s3
            make_bucket(versioning=True)
            s3.NoSuchThing(versioning=True)
            helper.add_lifecycle_rule(expiry=3)
            """,
        ),
        Case(
            "CDK003-valid-user-class-named-like-cdk",
            """
            class Bucket:
                def __init__(self, versioning=False):
                    self.versioning = versioning

            b = Bucket(versioning=True)
            b.add_lifecycle_rule(expiry=3)
            """,
        ),
        Case(
            "CDK003-valid-reassigned-variable",
            """
            from aws_cdk import aws_s3 as s3
            bucket = s3.Bucket(self, "B")
            bucket = make_other()
            bucket.add_lifecycle_rule(expiry=3)
            """,
        ),
        Case(
            "CDK003-finding-antonym-not-swapped",
            """
            from aws_cdk import aws_sqs as sqs
            sqs.Queue(self, "Q", min_message_size_bytes=1024)
            """,
            finding=True,
        ),
    )

    # -- the prefilter ---------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Conservative: True when some call to a CDK callee (or a method of a CDK type built in this file)
        passes a keyword that callee does not accept, per the run's API index. The traversal decides what
        to do about it."""
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        if not any(target.partition(".")[0] in _ROOTS for targets in scan.bindings.values() for target in targets):
            return False
        api = prefilter_index()
        signatures: dict[str, _Signature | None] = {}
        types: dict[str, object] = {}
        methods: list[tuple[str, ast.expr, list[str]]] = []
        for node in scan.calls:
            qualifieds = [q for q in scan.resolve_all(node.func) if q.partition(".")[0] in _ROOTS]
            if not node.keywords or any(k.arg is None for k in node.keywords):
                continue
            passed = [k.arg for k in node.keywords if k.arg is not None]
            for qualified in qualifieds:
                if qualified not in signatures:
                    signatures[qualified] = _signature_of(api, qualified)
                signature = signatures[qualified]
                if signature is not None and any(k not in signature.accepted for k in passed):
                    return True
            if isinstance(node.func, ast.Attribute):  # a method of a receiver whose type the rule may know
                methods.append((node.func.attr, node.func.value, passed))
        if not methods:
            return False
        # The rule types a receiver that is a call, or a name / ``self.<attr>`` assigned a call (any scope here).
        assigned: dict[tuple[str, str], list[ast.Call]] = {}
        for statement in scan.assignments:
            if not isinstance(statement.value, ast.Call):
                continue
            for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target]):
                if isinstance(target, ast.Name):
                    assigned.setdefault(("name", target.id), []).append(statement.value)
                elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == "self":
                    assigned.setdefault(("self", target.attr), []).append(statement.value)

        def receiver_types(receiver: ast.expr):
            if isinstance(receiver, ast.Call):
                values = [receiver]
            elif isinstance(receiver, ast.Name):
                values = assigned.get(("name", receiver.id), [])
            elif (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
                  and receiver.value.id == "self"):
                values = assigned.get(("self", receiver.attr), [])
            else:
                values = []
            for value in values:
                for qualified in scan.resolve_all(value.func):
                    if qualified.partition(".")[0] in _ROOTS:
                        if qualified not in types:
                            types[qualified] = _type_of_qualified(api, qualified)
                        if types[qualified] is not None:
                            yield types[qualified]

        for name, receiver, passed in methods:
            for info in receiver_types(receiver):
                method = info.methods.get(name)  # type: ignore[attr-defined]
                if method is not None and not method.static:
                    accepted = _method_signature(info, method).accepted
                    if any(k not in accepted for k in passed):
                        return True
        return False

    # -- traversal ------------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> bool | None:
        self._api = None
        self._rebound: frozenset[str] | None = None
        self._scopes: list[cst.FunctionDef | cst.ClassDef] = []
        self._bindings: dict[int, dict[str, list[cst.BaseExpression | None]]] = {}
        self._value_types: dict[int, object] = {}
        return super().visit_Module(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        self._scopes.append(node)
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self._scopes.pop()
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        self._scopes.append(node)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self._scopes.pop()
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """Rename (or report) the keywords the callee does not accept."""
        if not any(arg.keyword is not None for arg in original_node.args):
            return updated_node
        if any(arg.star == "**" for arg in original_node.args):
            return updated_node
        signature = self._signature(original_node.func)
        if signature is None:
            return updated_node
        passed = {arg.keyword.value for arg in original_node.args if arg.keyword is not None}
        unknown = [i for i, arg in enumerate(original_node.args)
                   if arg.keyword is not None and arg.keyword.value not in signature.accepted]
        if not unknown:
            return updated_node
        taken = set(passed)
        args = list(updated_node.args)
        changed = False
        for i in unknown:
            arg = original_node.args[i]
            keyword = arg.keyword.value  # type: ignore[union-attr]
            meant, reason = self._meant(keyword, arg.value, signature, taken)
            if meant is None:
                self._report_unknown(arg, keyword, signature, reason)
                continue
            taken.add(meant)
            if self.record_fix(arg, f"`{signature.label}` takes `{meant}`, not `{keyword}`"):
                args[i] = args[i].with_changes(keyword=cst.Name(meant))
                changed = True
        return updated_node.with_changes(args=args) if changed else updated_node

    # -- deciding -------------------------------------------------------------------------------------
    def _meant(self, keyword: str, value: cst.BaseExpression, signature: _Signature,
               taken: set[str]) -> tuple[str | None, str]:
        """The accepted keyword clearly meant by ``keyword``, or None and why not."""
        accepted = signature.accepted
        # 1. the same name spelled in another case / underscore placement
        same = [name for name in accepted if normalized(name) == normalized(keyword)]
        if len(same) == 1:
            return (same[0], "") if same[0] not in taken else (None, f"`{same[0]}` is passed already")
        live = [name for name in accepted if name not in signature.deprecated]
        # 2. a curated synonym that this very callee accepts
        synonyms = [t for t in KEYWORD_SYNONYMS.get(to_snake_case(keyword), ()) if t in live]
        free = [t for t in synonyms if t not in taken]
        if len(free) > 1:
            return None, "it may mean " + " or ".join(f"`{t}`" for t in free)
        if free:
            return self._if_fits(free[0], value, accepted)
        if synonyms:
            return None, f"`{synonyms[0]}` is passed already"
        # 3. a close spelling, clearly ahead of the runner-up
        scored = sorted(((similarity(keyword, name), name) for name in live), reverse=True)
        if scored and scored[0][0] >= SPELLING_CUTOFF:
            best_score, best = scored[0]
            runner_up = scored[1][0] if len(scored) > 1 else 0.0
            if best_score - runner_up >= SPELLING_MARGIN and not _antonyms(keyword, best):
                if best in taken:
                    return None, f"`{best}` is passed already"
                return self._if_fits(best, value, accepted)
        # 4. the same words with one more in between (`secrets_manager_role_arn`), a single candidate
        longer = [name for name in live if _one_word_added(keyword, name)]
        if len(longer) == 1:
            if longer[0] in taken:
                return None, f"`{longer[0]}` is passed already"
            return self._if_fits(longer[0], value, accepted)
        return None, ""

    @staticmethod
    def _if_fits(target: str, value: cst.BaseExpression, accepted: dict[str, str]) -> tuple[str | None, str]:
        if _fits(value, accepted[target]):
            return target, ""
        return None, f"`{target}` is meant, but it takes a `{accepted[target]}`, not this value"

    def _report_unknown(self, arg: cst.Arg, keyword: str, signature: _Signature, reason: str) -> None:
        ranked = closest_first(keyword, [n for n in signature.accepted if n not in signature.deprecated])
        shown = ", ".join(ranked[:LISTED]) + (", …" if len(ranked) > LISTED else "")
        because = f" ({reason})" if reason else ""
        self.report(arg, f"`{signature.label}` does not accept the keyword `{keyword}`{because}; "
                         f"it accepts: {shown}", suggestion=", ".join(ranked))

    # -- resolving the callee -------------------------------------------------------------------------
    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    def _imported(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of an expression spelled through the file's imports, if trustworthy."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head = dotted.partition(".")[0]
        if head not in self.imports.bindings:
            return None
        resolved = self.imports.resolve(node)
        if resolved is None or resolved.partition(".")[0] not in ("aws_cdk", "constructs"):
            return None
        if self._rebound is None:
            assert self.module_node is not None
            self._rebound = rebound_names(self.module_node)
        return None if head in self._rebound else resolved

    def _signature(self, func: cst.BaseExpression) -> _Signature | None:
        qualified = self._imported(func)
        if qualified is not None:
            return self._signature_of(qualified)
        if isinstance(func, cst.Attribute):
            receiver = self._type_of(func.value)
            if receiver is not None:
                method = receiver.methods.get(func.attr.value)
                if method is not None and not method.static:
                    return self._method_signature(receiver, method)
        return None

    def _signature_of(self, qualified: str) -> _Signature | None:
        return _signature_of(self.api, qualified)

    @staticmethod
    def _method_signature(info, method) -> _Signature:
        return _method_signature(info, method)

    # -- the type of a receiver -----------------------------------------------------------------------
    def _type_of(self, node: cst.BaseExpression):
        """The CDK type of a receiver expression, when its value is visible; else None."""
        if isinstance(node, cst.Call):
            return self._type_of_value(node)
        if isinstance(node, cst.Name):
            if node.value in self.imports.bindings:
                return None
            function = next((s for s in reversed(self._scopes) if isinstance(s, cst.FunctionDef)), None)
            values = self._bound(function).get(node.value) if function is not None else None
            if values is None:
                assert self.module_node is not None
                values = self._bound(self.module_node).get(node.value)
            return self._single_type(values)
        if (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"):
            cls = next((s for s in reversed(self._scopes) if isinstance(s, cst.ClassDef)), None)
            if cls is None:
                return None
            return self._single_type(self._bound(cls).get(node.attr.value))
        return None

    def _bound(self, scope: cst.CSTNode) -> dict[str, list[cst.BaseExpression | None]]:
        key = id(scope)
        if key not in self._bindings:
            self._bindings[key] = (_self_attributes(scope) if isinstance(scope, cst.ClassDef)
                                   else _scope_bindings(scope))
        return self._bindings[key]

    def _single_type(self, values):
        if not values or any(v is None for v in values):
            return None
        types = {id(t): t for t in (self._type_of_value(v) for v in values)}
        if len(types) != 1:
            return None
        return next(iter(types.values()))

    def _type_of_value(self, value: cst.BaseExpression):
        key = id(value)
        if key in self._value_types:
            return self._value_types[key]
        self._value_types[key] = None  # guards against cycles
        result = None
        if isinstance(value, cst.Call):
            qualified = self._imported(value.func)
            if qualified is not None:
                result = self._type_of_qualified(qualified)
        self._value_types[key] = result
        return result

    def _type_of_qualified(self, qualified: str):
        """The type a call of ``qualified`` returns: a constructed class, or a static method's result."""
        return _type_of_qualified(self.api, qualified)


# -- what the index says about a callee (shared by the prefilter and the traversal) ---------------------------

_ROOTS = ("aws_cdk", "constructs")


def _signature_of(api, qualified: str) -> _Signature | None:
    """What a call of ``qualified`` (a constructible class, a struct, a static method) accepts by keyword."""
    info = api.lookup(qualified)
    if info is not None:
        if info.kind == "class" and info.constructible:
            accepted = {p.name: p.type for p in info.positional}
            accepted.update({name: prop.type for name, prop in info.props.items()})
            return _Signature(info.name, accepted,
                              frozenset(n for n, p in info.props.items() if p.deprecated))
        if info.kind == "struct":
            return _Signature(info.name, {n: p.type for n, p in info.props.items()},
                              frozenset(n for n, p in info.props.items() if p.deprecated))
        return None
    owner, _, attr = qualified.rpartition(".")
    info = api.lookup(owner) if owner else None
    method = info.methods.get(attr) if info is not None else None
    if method is None or not method.static:
        return None
    return _method_signature(info, method)


def _method_signature(info, method) -> _Signature:
    accepted = {p.name: p.type for p in method.params if not p.variadic}
    accepted.update({name: prop.type for name, prop in method.kwargs.items()})
    return _Signature(f"{info.name}.{method.name}", accepted,
                      frozenset(n for n, p in method.kwargs.items() if p.deprecated))


def _type_of_qualified(api, qualified: str):
    """The type a call of ``qualified`` returns: a constructed class, or a static method's result."""
    info = api.lookup(qualified)
    if info is not None:
        return info if info.kind == "class" and info.constructible else None
    owner, _, attr = qualified.rpartition(".")
    owner_info = api.lookup(owner) if owner else None
    method = owner_info.methods.get(attr) if owner_info is not None else None
    if method is not None and method.static and method.returns and "[" not in method.returns:
        return api.type_by_fqn(method.returns)
    return None
