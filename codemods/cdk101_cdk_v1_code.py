"""CDK101: CDK v1 imports (``from aws_cdk import core``, ``core.Construct``) rewritten for CDK v2."""

from __future__ import annotations

import re

import libcst as cst

from cdkfix.imports import request_import
from cdkfix.rule import Case, Rule
from codemods._helpers import dotted_name, expr, index, prefilter_index, rebound_names, without_import_alias

CORE = "aws_cdk"
V1_CORE = "aws_cdk.core"
CONSTRUCTS = "constructs"

_V1_CORE_TEXT = re.compile(r"\baws_cdk\.core\b")
_FROM_BLOCK = re.compile(r"from\s+aws_cdk\s+import\s*(\([^)]*\)|[^\n]*)")
_CORE_ALIAS = re.compile(r"\bimport\s+aws_cdk\s+as\s+(\w+)")
_NAME = re.compile(r"(\w+)")


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
        if _V1_CORE_TEXT.search(source):
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
