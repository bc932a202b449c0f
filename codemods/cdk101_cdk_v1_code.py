"""CDK101: CDK v1 imports (``from aws_cdk import core``, ``core.Construct``) rewritten for CDK v2."""

from __future__ import annotations

import ast
import bisect
import keyword
import re

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import COMPOUND, line_span
from codemods._helpers import ast_dotted, expr, index, prefilter_index, without_import_alias, word_matches
from codemods._layout import without_statements

CORE = "aws_cdk"
V1_CORE = "aws_cdk.core"
CONSTRUCTS = "constructs"

_V1_CORE_TEXT = re.compile(r"aws_cdk\.core\b")  # at a word start: see word_matches
_FROM_BLOCK = re.compile(r"from\s+aws_cdk\s+import\s*(\([^)]*\)|[^\n]*)")
_CORE_ALIAS = re.compile(r"import\s+aws_cdk\s+as\s+(\w+)")  # at a word start: see word_matches
_NAME = re.compile(r"(\w+)")
#: What may stand between a parenthesis and what it groups.
_SPACE = " \t\f\r\n"

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


class CdkV1Code(AstRule):
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

    Everything is found on the stdlib tree; LibCST parses only what a fix edits: an import statement, a
    context dict, an attribute (with its grouping parentheses), or the whole lines of a removed
    ``set_context`` statement (of the statement whose block it would empty, which then gets ``pass``).
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
        if word_matches(_V1_CORE_TEXT, source) or any(flag in source for flag in V1_REMOVED_FLAGS):
            return True
        moved = _moved_names(prefilter_index())
        for block in _FROM_BLOCK.findall(source):
            if any(name == "core" or name in moved for name in _block_names(block)):
                return True
        for alias in {match.group(1) for match in word_matches(_CORE_ALIAS, source)}:
            for name in (m.group(1) for m in word_matches(re.compile(rf"{re.escape(alias)}\.(\w+)"), source)):
                if name in moved:
                    return True
        return False

    # -- finding -------------------------------------------------------------------------------------
    def check(self) -> None:
        """Imports, removed v1 flags (context dicts, ``set_context`` statements) and uses, found on the stdlib
        tree; each fix edits its own node, statement or statement lines."""
        self._api = None
        imports: list[ast.Import] = []
        statements: list[ast.Expr] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                imports.append(node)
            elif isinstance(node, ast.Expr) and _set_context_candidate(node):
                statements.append(node)
        for node in imports:
            self._import(node)
        for node in self.scan.import_froms:
            self._import_from(node)
        for call in self.scan.calls:
            self._app_context(call)
        self._set_contexts(statements)
        self._uses()

    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    def _moved(self, name: str) -> bool:
        """``name`` lives in the ``constructs`` library, not in ``aws_cdk`` (v2)."""
        return name in _moved_names(self.api)

    def _trusted(self, node: ast.AST) -> str | None:
        """The qualified name of an expression spelled through an ``aws_cdk`` import (not rebound)."""
        dotted = ast_dotted(node)
        if dotted is None:
            return None
        resolved = self.imports.resolve_dotted(dotted)
        if resolved is None or resolved.partition(".")[0] != CORE:
            return None
        rebound = self.scan.rebound_names  # type: ignore[union-attr]
        return None if dotted.partition(".")[0] in rebound else resolved

    def _one_edit(self, node: ast.AST, build, findings: list[tuple[ast.AST, str]], *,
                  whole_lines: bool = False) -> None:
        """Record ``findings`` (node, message) and make their fixes by one edit of ``node``, which goes with the
        first applicable finding (``build`` makes every applicable fix)."""
        carrier = next((at for at, _ in findings if self.may_apply(at)), None)
        for at, message in findings:
            if at is carrier:
                self.rewrite(node, build, message, at=at, whole_lines=whole_lines)
            else:
                self.record_fix(at, message)

    # -- imports --------------------------------------------------------------------------------------
    def _import(self, node: ast.Import) -> None:
        """``import aws_cdk.core [as x]`` -> ``import aws_cdk [as x]``: one edit of the statement, one finding
        per name."""
        fixed = [i for i, alias in enumerate(node.names) if alias.name == V1_CORE]
        if not fixed:
            return
        applicable = {i for i in fixed if self.may_apply(node.names[i])}

        def build(parsed: cst.Import) -> cst.Import:
            names = [alias.with_changes(name=cst.Name(CORE)) if i in applicable else alias
                     for i, alias in enumerate(parsed.names)]
            return parsed.with_changes(names=names)

        self._one_edit(node, build, [(node.names[i], "CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`")
                                     for i in fixed])

    def _import_from(self, node: ast.ImportFrom) -> None:
        """``from aws_cdk import core`` / ``from aws_cdk.core import X`` / ``from aws_cdk import Construct``."""
        module = node.module
        if module not in (CORE, V1_CORE):
            return
        if any(alias.name == "*" for alias in node.names):
            if module == V1_CORE:
                self.rewrite(node, lambda parsed: parsed.with_changes(module=cst.Name(CORE)),
                             "CDK v2 has no `aws_cdk.core`: import from `aws_cdk`")
            return
        core_aliases: list[int] = []  # `core` in `from aws_cdk import core`
        moved: list[int] = []  # names that live in `constructs`
        for i, alias in enumerate(node.names):
            if module == CORE and alias.name == "core":
                core_aliases.append(i)
            elif self._moved(alias.name):
                moved.append(i)
        if module == CORE and not core_aliases and not moved:
            return
        leaving = sorted(core_aliases + moved)
        if len(leaving) < len(node.names) or (moved and core_aliases):
            # The names that leave the statement are imported where they now live (with the fix).
            for i in reversed(leaving):
                alias = node.names[i]
                if i in core_aliases:
                    self.stage_import(CORE, None, alias.asname or "core")
                else:
                    self.stage_import(CONSTRUCTS, alias.name, alias.asname)
        message = self._import_message(module, node, core_aliases, moved)
        self.rewrite(node, lambda parsed: self._rewritten_import(parsed, module, core_aliases, moved), message)

    def _rewritten_import(self, parsed: cst.ImportFrom, module: str, core_aliases: list[int],
                          moved: list[int]) -> cst.BaseSmallStatement:
        """The ``from aws_cdk[.core] import ...`` statement without the names that leave it."""
        names = list(parsed.names)  # type: ignore[arg-type]
        leaving = sorted(core_aliases + moved)
        if len(leaving) == len(names):
            if not moved:  # only `core`: the statement becomes `import aws_cdk as <local>`
                return self._import_core(parsed, parsed.names[0])  # type: ignore[index]
            if not core_aliases:  # only constructs names: the statement imports from constructs
                return parsed.with_changes(module=cst.Name(CONSTRUCTS))
        result = parsed.with_changes(module=cst.Name(CORE)) if module == V1_CORE else parsed
        for i in reversed(leaving):
            alias = parsed.names[i]  # type: ignore[index]
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
    def _import_message(module: str, node: ast.ImportFrom, core_aliases: list[int], moved: list[int]) -> str:
        parts = []
        if core_aliases or module == V1_CORE:
            parts.append("CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`")
        if moved:
            names = ", ".join(f"`{node.names[i].name}`" for i in moved)
            parts.append(f"{names} moved to the `constructs` library in CDK v2")
        return "; ".join(parts)

    # -- removed v1 feature flags ----------------------------------------------------------------------
    def _app_context(self, call: ast.Call) -> None:
        """``App(context={"@aws-cdk/core:enableStackNameDuplicates": True, ...})``: the removed flags go."""
        contexts = [kw.value for kw in call.keywords if kw.arg == "context" and isinstance(kw.value, ast.Dict)]
        if not contexts or self._trusted(call.func) not in _APPS:
            return
        for node in contexts:
            if not any(isinstance(key, ast.Constant) and key.value in V1_REMOVED_FLAGS for key in node.keys):
                continue  # no key can spell a removed flag (the parse below decides for those that may)
            try:
                parsed = cst.parse_expression(f"({self.scan.segment(node)})")
            except (cst.ParserSyntaxError, SyntaxError, ValueError):
                continue
            if not isinstance(parsed, cst.Dict):
                continue
            drop = _flag_entries(parsed)
            if not drop:
                continue
            names = ", ".join(f"`{_removed_flag(parsed.elements[j].key)}`" for j in sorted(drop))  # type: ignore[union-attr]
            self.rewrite(node, lambda given: _without_entries(given, _flag_entries(given)),
                         f"CDK v2 removed the v1 feature flag{'s' if len(drop) > 1 else ''} {names} "
                         f"(it refuses {'them' if len(drop) > 1 else 'it'} and behaves as if "
                         f"{'they were' if len(drop) > 1 else 'it were'} on); removed from the context")

    def _set_contexts(self, candidates: list[ast.Expr]) -> None:
        """``app.node.set_context("<removed v1 flag>", True)`` statements go, by their whole lines; a block they
        would empty is edited as a whole (it gets ``pass``, as :func:`without_statements` does)."""
        found: dict[int, tuple[ast.Expr, str]] = {}
        for node in candidates:
            if not self._alone(node):
                continue  # on a line with other statements, or on its block's first line: LibCST keeps it
            try:
                statement = cst.parse_statement(self.scan.segment(node))
            except (cst.ParserSyntaxError, SyntaxError, ValueError):
                continue
            flag = _set_context_flag(statement)
            if flag:
                found[id(node)] = (node, flag)
        if not found:
            return
        applicable = {key for key, (node, _) in found.items() if self.may_apply(node)}
        anchors: list[tuple[int, int, ast.stmt]] = []
        for key, (node, _) in found.items():
            siblings = self._siblings(node)
            anchor: ast.stmt = node
            if siblings is not None and all(id(s) in applicable for s in siblings):
                anchor = self._block_statement(node)
            span = line_span(self.source, self.lines, anchor)
            if span is None:
                last = self.lines.line_end(anchor.end_lineno)  # type: ignore[arg-type]
                span = (self.lines.starts[anchor.lineno - 1], last)  # left undone by the edit: lines shared
            anchors.append((span[0], -span[1], anchor))
        groups: list[tuple[ast.stmt, int, int]] = []
        for start, negative_end, anchor in sorted(anchors, key=lambda item: item[:2]):
            if not groups or start >= groups[-1][2]:
                groups.append((anchor, start, -negative_end))
        ordered = sorted(found.values(), key=lambda item: (item[0].lineno, item[0].col_offset))
        for anchor, start, end in groups:
            inside = [(node, flag) for node, flag in ordered
                      if start <= self.lines.offset(node.lineno, node.col_offset) < end]
            removed = {position for position, (node, _) in enumerate(inside) if id(node) in applicable}
            message = ("CDK v2 removed the v1 feature flag `{}` (it refuses it and behaves as if it were on): "
                       "`set_context` removed")
            if isinstance(anchor, COMPOUND):
                build = _Remover(removed).apply
            else:  # the statement alone
                build = _remove
            self._one_edit(anchor, build, [(node, message.format(flag)) for node, flag in inside],
                           whole_lines=True)

    def _siblings(self, node: ast.stmt) -> list[ast.stmt] | None:
        """The statements of the block holding ``node``; None at module level (which may be left empty)."""
        parent = self.scan.parents.get(id(node))
        if parent is None or isinstance(parent, ast.Module):
            return None
        return next(value for _, value in ast.iter_fields(parent)
                    if isinstance(value, list) and any(s is node for s in value))

    def _block_statement(self, node: ast.stmt) -> ast.stmt:
        """The statement whose block holds ``node`` (an ``elif``'s whole ``if``, a handler's ``try``)."""
        outer = next(o for o in self.scan.ancestors(node) if isinstance(o, ast.stmt))
        while True:
            parent = self.scan.parents.get(id(outer))
            if isinstance(parent, ast.If) and len(parent.orelse) == 1 and parent.orelse[0] is outer \
                    and self.source.startswith("elif", self.lines.offset(outer.lineno, outer.col_offset)):
                outer = parent
                continue
            return outer

    def _alone(self, node: ast.stmt) -> bool:
        """Whether ``node`` is a statement line of its own (LibCST's ``SimpleStatementLine`` of one statement)."""
        before = self.source[self.lines.starts[node.lineno - 1]:self.lines.offset(node.lineno, node.col_offset)]
        if before.strip(" \t\f"):
            return False
        parent = self.scan.parents.get(id(node))
        siblings = next(value for _, value in ast.iter_fields(parent)
                        if isinstance(value, list) and any(s is node for s in value))
        at = next(i for i, s in enumerate(siblings) if s is node)
        return not (at > 0 and siblings[at - 1].end_lineno == node.lineno) and not (
            at + 1 < len(siblings) and siblings[at + 1].lineno == node.end_lineno)

    # -- uses -----------------------------------------------------------------------------------------
    def _uses(self) -> None:
        """``core.Construct`` -> ``Construct`` (constructs); ``aws_cdk.core.X`` -> ``aws_cdk.X``."""
        sites: dict[int, tuple[ast.Attribute, str | None]] = {}
        for node in self.scan.attributes:
            if node.attr == "core":
                if self._trusted(node.value) == CORE:
                    sites[id(node)] = (node, None)
            elif self._moved(node.attr) and self._trusted(node.value) in (CORE, V1_CORE):
                sites[id(node)] = (node, node.attr)
        # In the order LibCST leaves them (inner first); a use inside another one goes with the outer's edit.
        for node, moved in sorted(sites.values(), key=lambda item: (item[0].end_lineno, item[0].end_col_offset)):
            if any(id(outer) in sites and self.may_apply(outer) for outer in _attribute_chain(self.scan, node)):
                self.record_fix(node, "CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`" if moved is None
                                else f"`{moved}` moved to the `constructs` library in CDK v2")
            elif moved is None:
                self.rewrite(self._grouped(node), lambda parsed: parsed.value,
                             "CDK v2 has no `aws_cdk.core`: its contents are in `aws_cdk`", at=node)
            else:
                spelled = self.use_name(f"{CONSTRUCTS}.{moved}")
                self.rewrite(self._grouped(node), lambda parsed, spelled=spelled: expr(spelled),
                             f"`{moved}` moved to the `constructs` library in CDK v2", at=node)

    def _grouped(self, node: ast.Attribute) -> ast.Attribute:
        """``node``, or a copy whose span takes in the grouping parentheses around it (``(core.Construct)``):
        LibCST counts them as the attribute's own, and the replaced attribute lost them. A parenthesis glued
        to a name (``return(x)``) stays."""
        source = self.source
        start, end = self.lines.span(node)
        widened = False
        while True:
            before, after = start - 1, end
            while before >= 0 and source[before] in _SPACE:
                before -= 1
            while after < len(source) and source[after] in _SPACE:
                after += 1
            if before < 0 or after >= len(source) or source[before] != "(" or source[after] != ")":
                break
            word_end = before
            while word_end > 0 and source[word_end - 1] in " \t\f":
                word_end -= 1
            word_start = word_end
            while word_start > 0 and (source[word_start - 1].isalnum() or source[word_start - 1] == "_"):
                word_start -= 1
            word = source[word_start:word_end]
            if source[word_end - 1:word_end] in (")", "]", "}", "'", '"') or (word and (
                    not keyword.iskeyword(word) or word in ("None", "True", "False") or word_end == before)):
                break  # a call's or a definition's parenthesis, or one glued to a keyword
            start, end, widened = before, after + 1, True
        if not widened:
            return node
        wider = ast.Attribute(value=node.value, attr=node.attr, ctx=node.ctx)
        for prefix, offset in (("", start), ("end_", end)):
            line = bisect.bisect_right(self.lines.starts, offset)
            column = len(source[self.lines.starts[line - 1]:offset].encode("utf-8"))
            setattr(wider, f"{prefix}lineno", line)
            setattr(wider, f"{prefix}col_offset", column)
        return wider


def _moved_names(api) -> frozenset[str]:
    """Names the ``constructs`` library defines and ``aws_cdk`` does not (v1 had them in core)."""
    return api.names(CONSTRUCTS) - api.names(CORE)


def _attribute_chain(scan, node: ast.Attribute):
    """The attributes ``node`` is the value of, innermost first (``aws_cdk.core`` in ``aws_cdk.core.X``)."""
    for outer in scan.ancestors(node):
        if not isinstance(outer, ast.Attribute):
            return
        yield outer
        node = outer


def _remove(statement: cst.CSTNode) -> cst.RemovalSentinel:
    """A statement's whole lines go (the comments above it stay where they are)."""
    return cst.RemovalSentinel.REMOVE


def _flag_entries(node: cst.Dict) -> set[int]:
    """The positions of a dict's entries whose key spells a removed v1 flag."""
    return {j for j, element in enumerate(node.elements)
            if isinstance(element, cst.DictElement) and _removed_flag(element.key)}


def _set_context_candidate(node: ast.Expr) -> bool:
    """What :func:`_set_context_flag` may say yes to, from the stdlib tree (the value of the flag, not how it
    is spelled)."""
    call = node.value
    if not isinstance(call, ast.Call) or call.keywords or len(call.args) != 2:
        return False
    func = call.func
    first = call.args[0]
    return (isinstance(func, ast.Attribute) and func.attr == "set_context" and isinstance(func.value, ast.Attribute)
            and func.value.attr == "node" and not any(isinstance(a, ast.Starred) for a in call.args)
            and isinstance(first, ast.Constant) and first.value in V1_REMOVED_FLAGS)


class _Remover(cst.CSTTransformer):
    """Removes the ``removed`` (positions among the removable ``set_context`` statements, in source order) from
    the blocks of a parsed statement, with :func:`without_statements` (comments kept, an emptied block gets
    ``pass``)."""

    def __init__(self, removed: set[int]) -> None:
        super().__init__()
        self.removed = removed
        self.positions: dict[int, int] = {}

    def apply(self, statement: cst.CSTNode) -> cst.CSTNode:
        """The statement without the removed ``set_context`` lines."""
        return statement.visit(self)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        if _set_context_flag(node):
            self.positions[id(node)] = len(self.positions)
        return False

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        return without_statements(original_node, updated_node, self._drop)

    def _drop(self, statement: cst.BaseStatement) -> list[cst.EmptyLine] | None:
        return [] if self.positions.get(id(statement)) in self.removed else None
