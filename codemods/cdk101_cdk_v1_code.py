"""CDK101: CDK v1 imports (``from aws_cdk import core``, ``core.Construct``) rewritten for CDK v2."""

from __future__ import annotations

import re

import libcst as cst

from cdkfix.imports import request_import
from cdkfix.rule import Case, Rule
from codemods._helpers import dotted_name, expr, index, prefilter_index, rebound_names, without_import_alias
from codemods._layout import without_statements

CORE = "aws_cdk"
V1_CORE = "aws_cdk.core"
CONSTRUCTS = "constructs"

_V1_CORE_TEXT = re.compile(r"\baws_cdk\.core\b")
_FROM_BLOCK = re.compile(r"from\s+aws_cdk\s+import\s*(\([^)]*\)|[^\n]*)")
_CORE_ALIAS = re.compile(r"\bimport\s+aws_cdk\s+as\s+(\w+)")
_NAME = re.compile(r"(\w+)")

#: CDK v1 feature flags that CDK v2 removed: aws-cdk-lib refuses them in the context ("Unsupported feature
#: flag ... This flag existed on CDKv1 but has been removed in CDKv2"), whatever their value. Copied from
#: aws-cdk-lib 2.275.0, ``cx-api/lib/features.js`` in ``aws_cdk/_jsii/aws-cdk-lib@2.275.0.jsii.tgz``:
#: ``CURRENT_VERSION_EXPIRED_FLAGS`` (``FUTURE_FLAGS_EXPIRED``), the ``FLAGS`` entries without a ``v2`` in
#: ``introducedIn``; ``core/lib/feature-flags.js`` (``FeatureFlags.isEnabled``) raises the error.
#: ``tests/test_cdk101_feature_flags.py`` compares it with the installed library.
V1_REMOVED_FLAGS = frozenset({
    "@aws-cdk/aws-ecr-assets:dockerIgnoreSupport",
    "@aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount",
    "@aws-cdk/aws-efs:defaultEncryptionAtRest",
    "@aws-cdk/aws-kms:defaultKeyPolicies",
    "@aws-cdk/aws-s3:grantWriteWithoutAcl",
    "@aws-cdk/aws-secretsmanager:parseOwnedSecretName",
    "@aws-cdk/core:enableStackNameDuplicates",
    "aws-cdk:enableDiffNoFail",
})
_APPS = frozenset({"aws_cdk.App", "aws_cdk.core.App"})


def _removed_flag(node: cst.BaseExpression | None) -> str | None:
    """The removed v1 flag a string literal spells as it is written (no escapes), else None."""
    if not isinstance(node, cst.SimpleString) or "b" in node.prefix.lower():
        return None
    quote = node.quote
    raw = node.value[len(node.prefix) + len(quote):-len(quote)]
    return raw if raw in V1_REMOVED_FLAGS else None


def _without_entries(node: cst.Dict, drop: set[int]) -> cst.Dict:
    """``node`` without the elements at ``drop``: a dropped entry of a vertical dict leaves with its line and
    its comments (the lines above it, the one trailing it); the other entries keep theirs."""
    elements = list(node.elements)
    kept = [i for i in range(len(elements)) if i not in drop]
    if not kept:
        return node.with_changes(elements=[], lbrace=cst.LeftCurlyBrace(), rbrace=cst.RightCurlyBrace())
    last = elements[-1]
    last_comma = last.comma if isinstance(last.comma, cst.Comma) else None
    in_comma = last_comma is not None and isinstance(last_comma.whitespace_after, cst.ParenthesizedWhitespace)
    closing = last_comma.whitespace_after if in_comma else node.rbrace.whitespace_before  # type: ignore[union-attr]
    befores = [node.lbrace.whitespace_after] + [
        e.comma.whitespace_after if isinstance(e.comma, cst.Comma) else None for e in elements[:-1]]
    if not all(isinstance(w, cst.ParenthesizedWhitespace) for w in [*befores, closing]):
        result = [elements[i] for i in kept]  # one line: the new last entry ends as the old last one did
        result[-1] = result[-1].with_changes(comma=last.comma)
        return node.with_changes(elements=result)
    trails = [w.first_line for w in befores[1:]] + [closing.first_line]  # type: ignore[union-attr]
    result = []
    for position, i in enumerate(kept):
        element = elements[i]
        if position + 1 < len(kept):
            following = befores[kept[position + 1]].with_changes(first_line=trails[i])  # type: ignore[union-attr]
            element = element.with_changes(comma=element.comma.with_changes(whitespace_after=following))  # type: ignore[union-attr]
        result.append(element)
    lbrace = node.lbrace.with_changes(whitespace_after=befores[kept[0]].with_changes(  # type: ignore[union-attr]
        first_line=node.lbrace.whitespace_after.first_line))  # type: ignore[union-attr]
    ending = closing.with_changes(first_line=trails[kept[-1]])  # type: ignore[union-attr]
    rbrace = node.rbrace
    if in_comma:
        result[-1] = result[-1].with_changes(comma=last_comma.with_changes(whitespace_after=ending))  # type: ignore[union-attr]
    else:
        result[-1] = result[-1].with_changes(comma=last_comma or cst.MaybeSentinel.DEFAULT)
        rbrace = rbrace.with_changes(whitespace_before=ending)
    return node.with_changes(elements=result, lbrace=lbrace, rbrace=rbrace)


def _set_context_flag(statement: cst.BaseStatement) -> str | None:
    """The flag of a ``<x>.node.set_context("<removed v1 flag>", value)`` statement line, else None."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return None
    call = small.value
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "set_context"
            and isinstance(func.value, cst.Attribute) and func.value.attr.value == "node"):
        return None
    if len(call.args) != 2 or any(a.keyword is not None or a.star for a in call.args):
        return None
    return _removed_flag(call.args[0].value)


def _block_names(block: str) -> list[str]:
    block = re.sub(r"#[^\n]*", "", block).strip().strip("()")
    names = []
    for item in block.split(","):
        match = _NAME.match(item.strip())
        if match:
            names.append(match.group(1))
    return names


class CdkV1Code(Rule):
    """Rewrites CDK v1 imports so every use keeps working under CDK v2 (aws-cdk-lib).

    * ``from aws_cdk import core`` → ``import aws_cdk as core`` (and ``from aws_cdk import core as cdk`` →
      ``import aws_cdk as cdk``, ``import aws_cdk.core as core`` → ``import aws_cdk as core``): v2's
      ``aws_cdk`` *is* v1's core module, so ``core.Stack``, ``core.App``, ``core.Duration`` keep working
      untouched. When ``core`` shares a ``from aws_cdk import (...)`` block with other names it leaves the
      block and the ``import aws_cdk as core`` line is added.
    * ``import aws_cdk.core`` → ``import aws_cdk``, and ``aws_cdk.core.X`` → ``aws_cdk.X``.
    * ``from aws_cdk.core import Stack, Construct`` → ``from aws_cdk import Stack`` plus
      ``from constructs import Construct``.
    * ``core.Construct`` (and every other name that moved to the ``constructs`` library: ``IConstruct``,
      ``Node``, ``IDependable``...; the API index says which) → ``Construct`` imported from ``constructs``
      (or ``constructs.Construct`` when the file imports the module), also for ``cdk.Construct`` and
      ``from aws_cdk import Construct`` in otherwise-v2 code.

    * A CDK v1 feature flag that CDK v2 removed (``@aws-cdk/core:enableStackNameDuplicates``,
      ``@aws-cdk/aws-kms:defaultKeyPolicies``...: :data:`V1_REMOVED_FLAGS`, aws-cdk-lib's own list) is
      deleted from the ``App(context={...})`` dict literal (the other entries keep their lines and
      comments), and a ``app.node.set_context("<flag>", ...)`` statement is deleted. v2 refuses these flags
      whatever their value and always behaves as if they were on, so nothing is lost.

    Service modules need nothing: ``from aws_cdk import aws_s3 as s3`` and ``import aws_cdk.aws_s3 as s3``
    are valid v2. v1 APIs that v2 removed are not this rule's business (CDK005 moves names between
    modules; others need a person).
    """

    code = "CDK101"
    name = "cdk-v1-code"
    title = "CDK v1 imports (`aws_cdk.core`, `core.Construct`) in a CDK v2 app"
    why = """
        CDK v2 ships one package, aws-cdk-lib, whose root module `aws_cdk` holds what v1 kept in
        `aws_cdk.core`; `Construct` moved to the separate `constructs` library. v1 imports stop the app
        at its first line:

            ImportError: cannot import name 'core' from 'aws_cdk'
            ModuleNotFoundError: No module named 'aws_cdk.core'
            AttributeError: module 'aws_cdk' has no attribute 'Construct'

        v1 feature flags in the app's context stop v2 at synthesis:

            RuntimeError: Unsupported feature flag '@aws-cdk/core:enableStackNameDuplicates'. This flag
            existed on CDKv1 but has been removed in CDKv2. CDK will now behave as the same as when the
            flag is enabled.
    """
    source = "DESIGN.md table: CDK v1 code (5% of failures: `from aws_cdk import core`); corpus: `core.Construct`"
    triggers = ("aws_cdk",)
    lazy_positions = True
    synth_error = "cannot import name 'core' from 'aws_cdk'"
    cases = (
        Case(
            "CDK101-invalid-v1-block-with-core-last",
            """
            from aws_cdk import (
                aws_s3 as s3,
                core
            )

            class Storage(core.Stack):
                def __init__(self, scope: core.Construct, id: str, **kwargs) -> None:
                    super().__init__(scope, id, **kwargs)
                    s3.Bucket(self, "B", removal_policy=core.RemovalPolicy.DESTROY)
            """,
            """
            from aws_cdk import (
                aws_s3 as s3
            )
            from constructs import Construct
            import aws_cdk as core

            class Storage(core.Stack):
                def __init__(self, scope: Construct, id: str, **kwargs) -> None:
                    super().__init__(scope, id, **kwargs)
                    s3.Bucket(self, "B", removal_policy=core.RemovalPolicy.DESTROY)
            """,
        ),
        Case(
            "CDK101-invalid-from-aws-cdk-import-core-alone",
            """
            from aws_cdk import core  # v1
            app = core.App()
            """,
            """
            import aws_cdk as core  # v1
            app = core.App()
            """,
        ),
        Case(
            "CDK101-invalid-core-aliased-as-cdk",
            """
            from aws_cdk import core as cdk
            import aws_cdk.core as core2
            stack = cdk.Stack(core2.App(), "S")
            """,
            """
            import aws_cdk as cdk
            import aws_cdk as core2
            stack = cdk.Stack(core2.App(), "S")
            """,
        ),
        Case(
            "CDK101-invalid-bare-dotted-import",
            """
            import aws_cdk.core
            app = aws_cdk.core.App()
            aws_cdk.core.Tags.of(app).add("team", "data")
            """,
            """
            import aws_cdk
            app = aws_cdk.App()
            aws_cdk.Tags.of(app).add("team", "data")
            """,
        ),
        Case(
            "CDK101-invalid-from-core-import-names",
            """
            from aws_cdk.core import App, Construct, Stack
            from aws_cdk.core import IConstruct
            """,
            """
            from aws_cdk import App, Stack
            from constructs import IConstruct, Construct
            """,
        ),
        Case(
            "CDK101-invalid-cdk-construct-in-v2-code",
            """
            import aws_cdk as cdk
            from constructs import Construct
            from aws_cdk import Stack, IConstruct

            class Thing(cdk.Construct):
                pass
            """,
            """
            import aws_cdk as cdk
            from constructs import Construct, IConstruct
            from aws_cdk import Stack

            class Thing(Construct):
                pass
            """,
        ),
        Case(
            "CDK101-invalid-removed-v1-feature-flags",
            """
            import aws_cdk as cdk

            app = cdk.App(
                context={
                    # same stack name in two environments
                    "@aws-cdk/core:enableStackNameDuplicates": "true",
                    "@aws-cdk/core:stackRelativeExports": True,  # still a v2 flag
                    "@aws-cdk/aws-kms:defaultKeyPolicies": True,  # v1
                }
            )
            app.node.set_context("@aws-cdk/aws-s3:grantWriteWithoutAcl", True)

            def configure(app):
                app.node.set_context('@aws-cdk/aws-secretsmanager:parseOwnedSecretName', True)
            """,
            """
            import aws_cdk as cdk

            app = cdk.App(
                context={
                    "@aws-cdk/core:stackRelativeExports": True,  # still a v2 flag
                }
            )

            def configure(app):
                pass
            """,
        ),
        Case(
            "CDK101-invalid-removed-v1-flag-with-v1-import",
            """
            from aws_cdk import core
            app = core.App(context={"@aws-cdk/core:enableStackNameDuplicates": True, "env": "dev"})
            """,
            """
            import aws_cdk as core
            app = core.App(context={"env": "dev"})
            """,
        ),
        Case(
            "CDK101-valid-v2-flags-and-other-calls",
            """
            import aws_cdk as cdk
            from myproject import Settings
            app = cdk.App(context={"@aws-cdk/core:stackRelativeExports": True})
            app.node.set_context("@aws-cdk/core:newStyleStackSynthesis", True)
            flag = app.node.try_get_context("@aws-cdk/core:enableStackNameDuplicates")
            settings = Settings(context={"@aws-cdk/core:enableStackNameDuplicates": True})
            """,
        ),
        Case(
            "CDK101-valid-v2-code",
            """
            import aws_cdk as core
            import aws_cdk as cdk
            from aws_cdk import Stack, aws_s3 as s3, Duration
            import aws_cdk.aws_sqs as sqs
            from constructs import Construct

            class S(core.Stack):
                def __init__(self, scope: Construct, id: str) -> None:
                    super().__init__(scope, id)
                    s3.Bucket(self, "B")
            """,
        ),
        Case(
            "CDK101-valid-other-core-and-shadowing",
            """
            from myproject import core
            import aws_cdk as cdk
            x = core.Construct()

            def f(cdk):
                return cdk.Construct
            """,
        ),
    )

    # -- prefilter ------------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """v1 core, or a ``constructs`` name taken from ``aws_cdk``, appears in the text."""
        if "aws_cdk" not in source:
            return False
        if _V1_CORE_TEXT.search(source) or any(flag in source for flag in V1_REMOVED_FLAGS):
            return True
        moved = _moved_names(prefilter_index())
        for block in _FROM_BLOCK.findall(source):
            if any(name == "core" or name in moved for name in _block_names(block)):
                return True
        for alias in set(_CORE_ALIAS.findall(source)):
            for name in re.findall(rf"\b{re.escape(alias)}\.(\w+)", source):
                if name in moved:
                    return True
        return False

    # -- state ----------------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> bool | None:
        self._api = None
        self._rebound: frozenset[str] | None = None
        return super().visit_Module(node)

    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    def _moved(self, name: str) -> bool:
        """``name`` lives in the ``constructs`` library, not in ``aws_cdk`` (v2)."""
        return name in _moved_names(self.api)

    def _trusted(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of an expression spelled through an ``aws_cdk`` import (not rebound)."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        resolved = self.imports.resolve(node)
        if resolved is None or resolved.partition(".")[0] != CORE:
            return None
        if self._rebound is None:
            assert self.module_node is not None
            self._rebound = rebound_names(self.module_node)
        return None if dotted.partition(".")[0] in self._rebound else resolved

    # -- imports --------------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        """``import aws_cdk.core [as x]`` -> ``import aws_cdk [as x]``."""
        names = list(updated_node.names)
        changed = False
        for i, alias in enumerate(original_node.names):
            if dotted_name(alias.name) != V1_CORE:
                continue
            replacement = names[i].with_changes(name=cst.Name(CORE))
            fixed = self.fix(alias, names[i], replacement,
                             "CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`")
            if fixed is replacement:
                names[i], changed = fixed, True
        return updated_node.with_changes(names=names) if changed else updated_node

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom):
        """``from aws_cdk import core`` / ``from aws_cdk.core import X`` / ``from aws_cdk import Construct``."""
        if original_node.relative or original_node.module is None:
            return updated_node
        module = dotted_name(original_node.module)
        if module not in (CORE, V1_CORE):
            return updated_node
        if isinstance(original_node.names, cst.ImportStar):
            if module == V1_CORE:
                return self.fix(original_node, updated_node, updated_node.with_changes(module=cst.Name(CORE)),
                                "CDK v2 has no `aws_cdk.core`: import from `aws_cdk`")
            return updated_node
        core_aliases: list[int] = []  # `core` in `from aws_cdk import core`
        moved: list[int] = []  # names that live in `constructs`
        for i, alias in enumerate(original_node.names):
            name = dotted_name(alias.name)
            if module == CORE and name == "core":
                core_aliases.append(i)
            elif name is not None and self._moved(name):
                moved.append(i)
        if module == CORE and not core_aliases and not moved:
            return updated_node
        if not self.record_fix(original_node, self._import_message(module, original_node, core_aliases, moved)):
            return updated_node
        names = list(updated_node.names)  # type: ignore[arg-type]
        leaving = sorted(core_aliases + moved)
        if len(leaving) == len(names):
            if not moved:  # only `core`: the statement becomes `import aws_cdk as <local>`
                return self._import_core(updated_node, original_node.names[0])  # type: ignore[index]
            if not core_aliases:  # only constructs names: the statement imports from constructs
                return updated_node.with_changes(module=cst.Name(CONSTRUCTS))
        result = updated_node.with_changes(module=cst.Name(CORE)) if module == V1_CORE else updated_node
        for i in reversed(leaving):
            alias = original_node.names[i]  # type: ignore[index]
            local = alias.asname.name.value if alias.asname is not None else None  # type: ignore[union-attr]
            name = dotted_name(alias.name)
            if i in core_aliases:
                request_import(self.context, CORE, None, local or "core")
            else:
                request_import(self.context, CONSTRUCTS, name, local)
            if len(result.names) > 1:  # type: ignore[arg-type]
                result = without_import_alias(result, i)
            else:  # the last one left: this statement becomes its import
                if i in core_aliases:
                    return self._import_core(result, alias)
                result = result.with_changes(module=cst.Name(CONSTRUCTS))
        return result

    @staticmethod
    def _import_core(statement: cst.ImportFrom, alias: cst.ImportAlias) -> cst.Import:
        local = alias.asname.name.value if alias.asname is not None else "core"  # type: ignore[union-attr]
        return cst.Import(names=[cst.ImportAlias(name=cst.Name(CORE), asname=cst.AsName(name=cst.Name(local)))],
                          semicolon=statement.semicolon)

    @staticmethod
    def _import_message(module: str, node: cst.ImportFrom, core_aliases: list[int], moved: list[int]) -> str:
        parts = []
        if core_aliases or module == V1_CORE:
            parts.append("CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`")
        if moved:
            names = ", ".join(f"`{dotted_name(node.names[i].name)}`" for i in moved)  # type: ignore[index]
            parts.append(f"{names} moved to the `constructs` library in CDK v2")
        return "; ".join(parts)

    # -- removed v1 feature flags ----------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``App(context={"@aws-cdk/core:enableStackNameDuplicates": True, ...})``: the removed flags go."""
        if not any(a.keyword is not None and a.keyword.value == "context" and isinstance(a.value, cst.Dict)
                   for a in original_node.args):
            return updated_node
        if self._trusted(original_node.func) not in _APPS:
            return updated_node
        args = list(updated_node.args)
        for i, arg in enumerate(original_node.args):
            if arg.keyword is None or arg.keyword.value != "context" or not isinstance(arg.value, cst.Dict):
                continue
            given = args[i].value
            if not isinstance(given, cst.Dict):
                continue
            drop = {j for j, element in enumerate(given.elements)
                    if isinstance(element, cst.DictElement) and _removed_flag(element.key)}
            if not drop:
                continue
            names = ", ".join(f"`{_removed_flag(given.elements[j].key)}`" for j in sorted(drop))  # type: ignore[union-attr]
            fixed = self.fix(arg.value, given, _without_entries(given, drop),
                             f"CDK v2 removed the v1 feature flag{'s' if len(drop) > 1 else ''} {names} "
                             f"(it refuses {'them' if len(drop) > 1 else 'it'} and behaves as if "
                             f"{'they were' if len(drop) > 1 else 'it were'} on); removed from the context")
            args[i] = args[i].with_changes(value=fixed)
        return updated_node.with_changes(args=args)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        """``app.node.set_context("<removed v1 flag>", True)`` statements go."""
        return without_statements(original_node, updated_node, self._drop_set_context)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """The same at module level."""
        return without_statements(original_node, updated_node, self._drop_set_context)

    def _drop_set_context(self, orig: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        """``[]`` (removed, the comments above it stay) for a removed-flag ``set_context``, else ``None``."""
        flag = _set_context_flag(orig)
        if flag and self.record_fix(orig, f"CDK v2 removed the v1 feature flag `{flag}` (it refuses it and "
                                          "behaves as if it were on): `set_context` removed"):
            return []
        return None

    # -- uses -----------------------------------------------------------------------------------------
    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        """``core.Construct`` -> ``Construct`` (constructs); ``aws_cdk.core.X`` -> ``aws_cdk.X``."""
        attr = original_node.attr.value
        if attr == "core":
            if self._trusted(original_node.value) == CORE:
                return self.fix(original_node, updated_node, updated_node.value,
                                "CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`")
            return updated_node
        if not self._moved(attr):
            return updated_node
        owner = self._trusted(original_node.value)
        if owner not in (CORE, V1_CORE):
            return updated_node
        spelled = self.use_name(f"{CONSTRUCTS}.{attr}")
        return self.fix(original_node, updated_node, expr(spelled),
                        f"`{attr}` moved to the `constructs` library in CDK v2")


def _moved_names(api) -> frozenset[str]:
    """Names the ``constructs`` library defines and ``aws_cdk`` does not (v1 had them in core)."""
    return api.names(CONSTRUCTS) - api.names(CORE)
