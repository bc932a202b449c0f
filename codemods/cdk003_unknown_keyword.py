"""CDK003: a keyword argument the CDK constructor, method or struct does not accept."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import libcst as cst

from cdkfix.api_index import to_snake_case
from cdkfix.rule import AstRule, Case
from codemods._api_names import ANTONYMS, KEYWORD_SYNONYMS
from codemods._callees import ROOTS, AstReceiverTypes, prescan_receiver_types
from codemods._helpers import (
    closest_first,
    normalized,
    prefilter_index,
    triggered_prescan,
    similarity,
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


def _fits(value: ast.expr, typeref: str) -> bool:
    """False when a literal value plainly cannot be of ``typeref`` (a string for a Duration...)."""
    members = _union_members(typeref)
    if any(m in ("any", "json") for m in members):
        return True
    if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes))):
        return "string" in members
    if isinstance(value, ast.UnaryOp):
        value = value.operand
    if isinstance(value, ast.Constant):
        literal = type(value.value)
        if literal is bool:  # `True` / `False` (a Name in LibCST's tree)
            return "boolean" in members
        if literal is int or literal is float:  # not complex (LibCST's `Imaginary`)
            return "number" in members
    if isinstance(value, (ast.List, ast.ListComp)):
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


class UnknownKeyword(AstReceiverTypes, AstRule):
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

    An :class:`~cdkfix.rule.AstRule`: calls, callees and receivers are read from the stdlib tree
    (:class:`codemods._callees.AstReceiverTypes`), and a fix
    rewrites only the keyword's name, so it never overlaps another fix inside the call.
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
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        if not scan.imports_under(ROOTS):
            return False
        api = prefilter_index()
        methods: list[tuple[str, ast.expr, list[str]]] = []
        for node, callees in zip(scan.calls, scan.callees):
            if not node.keywords:
                continue
            passed = [k.arg for k in node.keywords]
            if None in passed:  # ``**kwargs``: what it holds is unknown
                continue
            for qualified in callees:
                if qualified.partition(".")[0] in ROOTS:
                    signature = _signature_of(api, qualified)  # cached for the process
                    if signature is not None and not all(map(signature.accepted.__contains__, passed)):
                        return True
            if isinstance(node.func, ast.Attribute):  # a method of a receiver whose type the rule may know
                methods.append((node.func.attr, node.func.value, passed))
        if not methods:
            return False
        # The rule types a receiver that is a call, or a name / ``self.<attr>`` assigned a call (any scope here).
        receiver_types = prescan_receiver_types(scan, api)
        for name, receiver, passed in methods:
            for info in receiver_types(receiver):
                method = info.methods.get(name)  # type: ignore[attr-defined]
                if method is not None and not method.static:
                    if not all(map(_method_signature(info, method).accepted.__contains__, passed)):
                        return True
        return False

    # -- finding -------------------------------------------------------------------------------------
    def check(self) -> None:
        """Rename (or report) the keywords each call's callee does not accept."""
        for node in self.scan.calls:  # type: ignore[union-attr]
            if node.keywords and not any(kw.arg is None for kw in node.keywords):  # no `**kwargs`
                self._call(node)

    def _call(self, node: ast.Call) -> None:
        signature = self._signature(node)
        if signature is None:
            return
        # LibCST's spelling of each keyword (the stdlib normalizes non-ASCII identifiers).
        keywords = [(kw, self._spelled(kw)) for kw in node.keywords]
        unknown = [(kw, keyword) for kw, keyword in keywords if keyword not in signature.accepted]
        if not unknown:
            return
        taken = {keyword for _, keyword in keywords}
        for kw, keyword in unknown:
            meant, reason = self._meant(keyword, kw.value, signature, taken)
            if meant is None:
                self._report_unknown(kw, keyword, signature, reason)
                continue
            taken.add(meant)
            # The edit is the keyword's name alone: it never overlaps a fix inside the value or the callee.
            name = ast.Name(id=keyword, ctx=ast.Load(), lineno=kw.lineno, col_offset=kw.col_offset,
                            end_lineno=kw.lineno, end_col_offset=kw.col_offset + len(keyword.encode("utf-8")))
            self.rewrite(name, lambda _, meant=meant: cst.Name(meant),
                         f"`{signature.label}` takes `{meant}`, not `{keyword}`")

    def _spelled(self, kw: ast.keyword) -> str:
        """The keyword as written in the source (what LibCST's ``Arg.keyword`` holds)."""
        line = self.lines.line_text(kw.lineno)  # type: ignore[union-attr]
        if line.isascii():
            return kw.arg  # type: ignore[return-value]
        column = self.lines.char_column(kw.lineno, kw.col_offset)  # type: ignore[union-attr]
        match = _IDENTIFIER.match(line, column)
        return match.group(0) if match else kw.arg  # type: ignore[return-value]

    # -- deciding -------------------------------------------------------------------------------------
    def _meant(self, keyword: str, value: ast.expr, signature: _Signature,
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
    def _if_fits(target: str, value: ast.expr, accepted: dict[str, str]) -> tuple[str | None, str]:
        if _fits(value, accepted[target]):
            return target, ""
        return None, f"`{target}` is meant, but it takes a `{accepted[target]}`, not this value"

    def _report_unknown(self, kw: ast.keyword, keyword: str, signature: _Signature, reason: str) -> None:
        ranked = closest_first(keyword, [n for n in signature.accepted if n not in signature.deprecated])
        shown = ", ".join(ranked[:LISTED]) + (", …" if len(ranked) > LISTED else "")
        because = f" ({reason})" if reason else ""
        self.report(kw, f"`{signature.label}` does not accept the keyword `{keyword}`{because}; "
                        f"it accepts: {shown}", suggestion=", ".join(ranked))

    # -- resolving the callee (``_imported`` and ``_type_of``: ``codemods._callees.AstReceiverTypes``) --------
    def _signature(self, call: ast.Call) -> _Signature | None:
        func = call.func
        qualified = self._imported(func)
        if qualified is not None:
            return _signature_of(self.api, qualified)
        if isinstance(func, ast.Attribute):
            receiver = self._type_of(func.value, call)
            if receiver is not None:
                method = receiver.methods.get(func.attr)
                if method is not None and not method.static:
                    return _method_signature(receiver, method)
        return None


#: An identifier as LibCST reads it from the source (the stdlib normalizes non-ASCII ones).
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


# -- what the index says about a callee (shared by the prefilter and the traversal) ---------------------------

_SIGNATURES: dict[tuple[int, str], _Signature | None] = {}


def _signature_of(api, qualified: str) -> _Signature | None:
    """What a call of ``qualified`` (a constructible class, a struct, a static method) accepts by keyword
    (cached per index: the prefilter asks about every call of every file)."""
    key = (id(api), qualified)
    if key not in _SIGNATURES:
        _SIGNATURES[key] = _find_signature(api, qualified)
    return _SIGNATURES[key]


def _find_signature(api, qualified: str) -> _Signature | None:
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


_METHOD_SIGNATURES: dict[tuple[int, str], _Signature] = {}


def _method_signature(info, method) -> _Signature:
    """What ``info``'s ``method`` accepts by keyword (cached: index types live as long as the process)."""
    key = (id(info), method.name)
    found = _METHOD_SIGNATURES.get(key)
    if found is None:
        found = _METHOD_SIGNATURES[key] = _find_method_signature(info, method)
    return found


def _find_method_signature(info, method) -> _Signature:
    accepted = {p.name: p.type for p in method.params if not p.variadic}
    accepted.update({name: prop.type for name, prop in method.kwargs.items()})
    return _Signature(f"{info.name}.{method.name}", accepted,
                      frozenset(n for n, p in method.kwargs.items() if p.deprecated))
