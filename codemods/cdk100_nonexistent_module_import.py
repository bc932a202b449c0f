"""CDK100: an ``aws_cdk`` module that does not exist (``from aws_cdk import aws_elbv2``)."""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit
from codemods._api_names import ALPHA_MODULES, ALPHA_SUFFIX, MODULE_ALIASES, alpha_distribution
from codemods._helpers import ast_dotted, expr, index, normalized, prefilter_index, word_matches

CORE = "aws_cdk"
#: v1's core module: CDK101's business.
V1_CORE = "core"
SPELLING_CUTOFF = 0.9
SPELLING_MARGIN = 0.05

_DOTTED_LEAF = re.compile(r"aws_cdk\.([a-z][a-z0-9_]*)")  # at a word start: see word_matches
_CORE_ALIAS = re.compile(r"import\s+aws_cdk\s+as\s+(\w+)")  # at a word start: see word_matches
_FROM_BLOCK = re.compile(r"from\s+aws_cdk\s+import\s*(\([^)]*\)|[^\n]*)")
_LOWER_NAME = re.compile(r"([a-z][a-z0-9_]*)\b")


class NonexistentModuleImport(AstRule):
    """Replaces an ``aws_cdk`` submodule that does not exist with the module that was meant.

    Covers ``from aws_cdk import aws_elbv2 as elbv2``, ``import aws_cdk.aws_elbv2 as elbv2``,
    ``from aws_cdk.aws_elbv2 import ApplicationLoadBalancer`` and attribute chains (``cdk.aws_elbv2.X``).
    The module meant is found, in this order, by a curated alias table (``aws_elbv2`` →
    ``aws_elasticloadbalancingv2``, ``aws_cognito_idp`` → ``aws_cognito``, ``aws_ssm_parameters`` →
    ``aws_ssm``...), the same name with other underscores (``aws_secrets_manager``), the name without its
    ``aws_`` prefix, and a close spelling (one candidate, clearly ahead); every answer must be a module
    of the user's aws-cdk-lib (the API index). The local name is kept: an aliased import keeps its alias,
    and a bare ``from aws_cdk import aws_elbv2`` becomes ``from aws_cdk import aws_elasticloadbalancingv2
    as aws_elbv2`` so every use keeps working without touching it (renaming the uses would be a larger
    edit for the same result).

    Alpha modules (``aws_cdk.<x>_alpha``) are not part of aws-cdk-lib. When the module graduated (the
    same module without ``_alpha`` exists and defines every name the file takes from it, e.g.
    ``aws_apigatewayv2_alpha`` → ``aws_apigatewayv2``) the import is moved to it. Otherwise the rule
    reports that the separate distribution (``aws-cdk.aws-lambda-python-alpha``) must be installed;
    ``from aws_cdk import aws_lambda_python_alpha`` and ``import aws_cdk.aws_lambda_python_alpha`` behave
    the same once it is, so the import itself is left as written. An alpha module written without its
    suffix (``aws_lambda_python``) gets it. ``aws_cdk.core`` (CDK v1) is CDK101's business.

    Imports and ``aws_cdk`` attributes are found on the stdlib tree; a fix parses with LibCST only the import
    statement it edits (one edit for every name fixed in it, one finding per name) or the attribute.
    """

    code = "CDK100"
    name = "nonexistent-module-import"
    title = "Import of an aws_cdk module that does not exist"
    why = """
        aws-cdk-lib's submodules are named after the CloudFormation service namespace
        (`aws_elasticloadbalancingv2`, `aws_cognito`, `aws_ssm`), not after the short names used in
        prose; experimental `*_alpha` modules ship in separate distributions. Importing a module that
        does not exist stops the app at its first line:

            ImportError: cannot import name 'aws_elbv2' from 'aws_cdk'
            ModuleNotFoundError: No module named 'aws_cdk.aws_elbv2'
    """
    source = ("DESIGN.md table: symbol taken from the wrong module (`from aws_cdk import aws_elbv2`); "
              "corpus: `aws_elbv2 as elbv2`, `aws_lambda_python_alpha as lambda_python`")
    triggers = ("aws_cdk",)
    synth_error = "cannot import name 'aws_elbv2' from 'aws_cdk'"
    cases = (
        Case(
            "CDK100-invalid-aliased-import-in-block",
            """
            from aws_cdk import (
                Stack,
                aws_ec2 as ec2,
                aws_elbv2 as elbv2,  # load balancers
            )
            alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            """,
            """
            from aws_cdk import (
                Stack,
                aws_ec2 as ec2,
                aws_elasticloadbalancingv2 as elbv2,  # load balancers
            )
            alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            """,
        ),
        Case(
            "CDK100-invalid-bare-import-keeps-name",
            """
            from aws_cdk import aws_elbv2, aws_cognito_idp as cognito
            alb = aws_elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            """,
            """
            from aws_cdk import aws_elasticloadbalancingv2 as aws_elbv2, aws_cognito as cognito
            alb = aws_elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            """,
        ),
        Case(
            "CDK100-invalid-import-dotted",
            """
            import aws_cdk.aws_ssm_parameters as ssm
            import aws_cdk.aws_elbv2
            import aws_cdk.aws_secrets_manager as secrets
            p = ssm.StringParameter(self, "P", string_value="x")
            alb = aws_cdk.aws_elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            """,
            """
            import aws_cdk.aws_ssm as ssm
            import aws_cdk.aws_elasticloadbalancingv2
            import aws_cdk.aws_secretsmanager as secrets
            p = ssm.StringParameter(self, "P", string_value="x")
            alb = aws_cdk.aws_elasticloadbalancingv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc)
            """,
        ),
        Case(
            "CDK100-invalid-from-module-import",
            """
            from aws_cdk.aws_elbv2 import ApplicationLoadBalancer, ListenerAction
            from aws_cdk.aws_cloudwatch_action import SnsAction
            """,
            """
            from aws_cdk.aws_elasticloadbalancingv2 import ApplicationLoadBalancer, ListenerAction
            from aws_cdk.aws_cloudwatch_actions import SnsAction
            """,
        ),
        Case(
            "CDK100-invalid-cdk-attribute-chain",
            """
            import aws_cdk as cdk
            alb = cdk.aws_elbv2.ApplicationLoadBalancer(
                self, "Alb",
                vpc=vpc,
            )
            """,
            """
            import aws_cdk as cdk
            alb = cdk.aws_elasticloadbalancingv2.ApplicationLoadBalancer(
                self, "Alb",
                vpc=vpc,
            )
            """,
        ),
        Case(
            "CDK100-invalid-graduated-alpha",
            """
            from aws_cdk import aws_apigatewayv2_alpha as apigwv2
            from aws_cdk.aws_apigatewayv2_integrations_alpha import HttpLambdaIntegration
            api = apigwv2.HttpApi(self, "Api", default_integration=HttpLambdaIntegration("Fn", fn))
            """,
            """
            from aws_cdk import aws_apigatewayv2 as apigwv2
            from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
            api = apigwv2.HttpApi(self, "Api", default_integration=HttpLambdaIntegration("Fn", fn))
            """,
        ),
        Case(
            "CDK100-finding-alpha-needs-its-distribution",
            """
            from aws_cdk import aws_lambda_python_alpha as lambda_python
            fn = lambda_python.PythonFunction(self, "Fn", entry="lambda")
            """,
            finding=True,
        ),
        Case(
            "CDK100-finding-alpha-not-graduated",
            """
            import aws_cdk.aws_ec2_alpha as ec2_alpha
            vpc = ec2_alpha.VpcV2(self, "Vpc")
            """,
            finding=True,
        ),
        Case(
            "CDK100-finding-unknown-module",
            """
            from aws_cdk import aws_quantum_ledger as qldb
            """,
            finding=True,
        ),
        Case(
            "CDK100-valid-real-modules",
            """
            import aws_cdk as cdk
            import aws_cdk.aws_s3 as s3
            from aws_cdk import Stack, aws_elasticloadbalancingv2 as elbv2, custom_resources as cr, assertions
            from aws_cdk.aws_lambda import Function
            fn = cdk.aws_lambda.Function
            """,
        ),
        Case(
            "CDK100-valid-not-aws-cdk-and-shadowed",
            """
            from mylib import aws_elbv2
            import aws_cdk as cdk

            def build(cdk):
                return cdk.aws_elbv2.Thing()
            """,
        ),
        Case(
            "CDK100-valid-v1-core-left-to-cdk101",
            """
            from aws_cdk import core
            import aws_cdk.core as core2
            """,
        ),
    )

    # -- prefilter ------------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when the text names an ``aws_cdk`` module the bundled index does not know (or an alpha)."""
        if "aws_cdk" not in source:
            return False
        if ALPHA_SUFFIX + " " in source or ALPHA_SUFFIX + "\n" in source or ALPHA_SUFFIX + "." in source:
            return True
        api = prefilter_index()
        leaves = {match.group(1) for match in word_matches(_DOTTED_LEAF, source)}
        for alias in {match.group(1) for match in word_matches(_CORE_ALIAS, source)}:  # `cdk.aws_elbv2`
            leaves.update(m.group(1) for m in word_matches(re.compile(rf"{re.escape(alias)}\.([a-z][a-z0-9_]*)"),
                                                           source))
        for block in _FROM_BLOCK.findall(source):
            block = re.sub(r"#[^\n]*", "", block).strip("()")
            leaves.update(m.group(1) for m in map(_LOWER_NAME.match, (item.strip() for item in block.split(",")))
                          if m is not None)
        return any(leaf != V1_CORE and not api.has_module(f"{CORE}.{leaf}") and leaf not in api.names(CORE)
                   for leaf in leaves)

    # -- finding --------------------------------------------------------------------------------------
    def check(self) -> None:
        """Imports (anywhere) and attributes of the core module, in the order a LibCST traversal leaves them
        (by where they end), so the findings come in the order the LibCST rule recorded them."""
        self._api = None
        self._used: dict[str, set[str]] | None = None
        self._import_nodes = [node for node in _statements(self.tree.body)
                              if isinstance(node, (ast.Import, ast.ImportFrom))]
        sites: list[ast.AST] = list(self._import_nodes)
        for node in self.scan.attributes:
            leaf = node.attr
            if leaf[:1].islower() and self._missing(leaf):
                sites.append(node)
        if not sites:
            return
        sites.sort(key=lambda node: (node.end_lineno, node.end_col_offset))
        for node in sites:
            if isinstance(node, ast.ImportFrom):
                self._import_from(node)
            elif isinstance(node, ast.Import):
                self._import(node)
            else:
                self._attribute(node)  # type: ignore[arg-type]

    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    def _exists(self, leaf: str) -> bool:
        return self.api.has_module(f"{CORE}.{leaf}")

    def _missing(self, leaf: str) -> bool:
        """``aws_cdk.<leaf>`` is neither a module nor a core name (and not v1's core)."""
        return (leaf != V1_CORE and leaf[:1].islower() and not self._exists(leaf)
                and leaf not in self.api.names(CORE))

    def _meant(self, leaf: str, used: set[str] | None) -> tuple[str | None, str]:
        """The module leaf meant by ``leaf`` (or None) and, when None, a message saying why."""
        if leaf.endswith(ALPHA_SUFFIX):
            graduated = leaf[: -len(ALPHA_SUFFIX)]
            if self._exists(graduated) and used and all(name in self.api.names(f"{CORE}.{graduated}")
                                                        for name in used):
                return graduated, ""
            distribution = alpha_distribution(leaf)
            return None, (f"`aws_cdk.{leaf}` is not part of aws-cdk-lib: it ships in the separate "
                          f"distribution `{distribution}`, which must be installed (pip install "
                          f"{distribution}, and list it in requirements.txt)")
        if leaf + ALPHA_SUFFIX in ALPHA_MODULES:
            return leaf + ALPHA_SUFFIX, ""
        alias = MODULE_ALIASES.get(leaf)
        if alias and self._exists(alias):
            return alias, ""
        leaves = [m[len(CORE) + 1:] for m in self.api.modules if m.startswith(CORE + ".") and m.count(".") == 1]
        same = [m for m in leaves if normalized(m) == normalized(leaf)]
        if len(same) == 1:
            return same[0], ""
        prefixed = "aws_" + leaf.rstrip("_")
        if not leaf.startswith("aws_") and self._exists(prefixed):
            return prefixed, ""
        scored = sorted(((difflib.SequenceMatcher(None, leaf, m, autojunk=False).ratio(), m) for m in leaves),
                        reverse=True)
        if scored and scored[0][0] >= SPELLING_CUTOFF and (
                len(scored) == 1 or scored[0][0] - scored[1][0] >= SPELLING_MARGIN):
            return scored[0][1], ""
        closest = ", ".join(f"`{m}`" for _, m in scored[:3])
        return None, (f"aws-cdk-lib {self.api.version} has no module `aws_cdk.{leaf}`"
                      + (f"; the closest are {closest}" if closest else ""))

    def _needs_install(self, leaf: str) -> str | None:
        if leaf.endswith(ALPHA_SUFFIX):
            distribution = alpha_distribution(leaf)
            return (f"`aws_cdk.{leaf}` is not part of aws-cdk-lib: install the separate distribution "
                    f"`{distribution}` (pip install {distribution}) and list it in requirements.txt")
        return None

    def _names_used(self, local: str | None) -> set[str] | None:
        """Attribute names the file takes from a local module alias (computed once, only for alphas)."""
        if local is None:
            return None
        if self._used is None:
            locals_ = {name for name, target in self.imports.bindings.items() if target.endswith(ALPHA_SUFFIX)}
            used: dict[str, set[str]] = {name: set() for name in locals_}
            for node in self.scan.attributes:
                value = node.value
                if type(value) is ast.Name and value.id in locals_:
                    used[value.id].add(node.attr)
            # LibCST spells an import's dotted names as attributes too (`import a.b`, `from a.b import c`).
            for node in self._import_nodes:
                dotted = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for name in dotted:
                    head, _, rest = name.partition(".")
                    if rest and head in locals_:
                        used[head].add(rest.partition(".")[0])
            self._used = used
        return self._used.get(local)

    # -- imports --------------------------------------------------------------------------------------
    def _import_from(self, node: ast.ImportFrom) -> None:
        """``from aws_cdk import aws_elbv2 [as x]`` and ``from aws_cdk.aws_elbv2 import X``."""
        if node.level or node.module is None:
            return
        module = node.module
        star = any(alias.name == "*" for alias in node.names)
        if module == CORE and not star:
            self._fix_aliases(node, [(i, alias, alias.name, self._names_used(alias.asname or alias.name))
                                     for i, alias in enumerate(node.names) if self._missing(alias.name)],
                              lambda i, leaf, meant: (i, meant, leaf), _renamed_from)
            return
        if not module.startswith(CORE + "."):
            return
        leaf = module.split(".")[1]
        if not self._missing(leaf) or star:
            return
        meant, why = self._meant(leaf, {alias.name for alias in node.names})
        if meant is None:
            self.report(node, why)
            return
        new_module = ".".join([CORE, meant, *module.split(".")[2:]])
        if self.rewrite(node, lambda parsed: parsed.with_changes(module=expr(new_module)),
                        f"`aws_cdk` has no module `{leaf}`; import from `{meant}`"):
            self._report_install(node, meant)

    def _import(self, node: ast.Import) -> None:
        """``import aws_cdk.aws_elbv2 [as x]``."""
        def leaf(alias: ast.alias) -> str:
            return alias.name.split(".")[1]

        self._fix_aliases(node, [(i, alias, leaf(alias), self._names_used(alias.asname))
                                 for i, alias in enumerate(node.names)
                                 if alias.name.startswith(CORE + ".") and self._missing(leaf(alias))],
                          lambda i, _, meant: (i, ".".join([CORE, meant, *node.names[i].name.split(".")[2:]])),
                          _renamed_import)

    def _fix_aliases(self, node: ast.Import | ast.ImportFrom, aliases, fix_of, rename) -> None:
        """Fix the ``(position, alias, missing module leaf, names the file reads from it)`` of ``node`` with one
        edit: each alias is a finding of its own, all carried by the edit (``Edit.also``: withdrawn together if it
        cannot be made). ``fix_of(position, leaf, meant)`` is what ``rename(parsed, fixes)`` needs per alias."""
        fixes: list[tuple] = []
        made: list[int] = []
        for i, alias, leaf, used in aliases:
            meant, why = self._meant(leaf, used)
            if meant is None:
                self.report(alias, why)
                continue
            message = f"`aws_cdk` has no module `{leaf}`; use `{meant}`"
            if not self.may_apply(alias):
                self.record_fix(alias, message)  # suppressed (no finding) or not applied
                continue
            self.record_fix(alias, message)
            made.append(len(self.findings_so_far) - 1)
            fixes.append(fix_of(i, leaf, meant))
            self._report_install(alias, meant)
        if made:
            self.queue(Edit(node, lambda parsed: rename(parsed, fixes), made[0], also=tuple(made[1:])))

    def _report_install(self, node: ast.AST, meant: str) -> None:
        message = self._needs_install(meant)
        if message:
            self.report(node, message)

    # -- cdk.aws_elbv2.X ------------------------------------------------------------------------------
    def _attribute(self, node: ast.Attribute) -> None:
        """``cdk.aws_elbv2`` (an attribute of the core module) -> ``cdk.aws_elasticloadbalancingv2``."""
        leaf = node.attr
        dotted = ast_dotted(node.value)
        if dotted is None or self.imports.resolve_dotted(dotted) != CORE:
            return
        if dotted.partition(".")[0] in self.scan.rebound_names:
            return
        meant, why = self._meant(leaf, None)
        if meant is None or meant.endswith(ALPHA_SUFFIX):
            if why:
                self.report(node, why)
            return
        self.rewrite(node, lambda parsed: parsed.with_changes(attr=cst.Name(meant)),
                     f"`aws_cdk` has no module `{leaf}`; use `{meant}`")


def _renamed_from(parsed: cst.ImportFrom, fixes: list[tuple[int, str, str]]) -> cst.ImportFrom:
    """``from aws_cdk import <leaf> [as x]`` -> ``from aws_cdk import <meant> as x`` (the local name stays)."""
    names = list(parsed.names)  # type: ignore[arg-type]
    for i, meant, leaf in fixes:
        alias = names[i]
        names[i] = alias.with_changes(name=cst.Name(meant), asname=alias.asname or cst.AsName(name=cst.Name(leaf)))
    return parsed.with_changes(names=names)


def _renamed_import(parsed: cst.Import, fixes: list[tuple[int, str]]) -> cst.Import:
    """``import aws_cdk.<leaf> [as x]`` -> ``import aws_cdk.<meant> [as x]``."""
    names = list(parsed.names)
    for i, new_module in fixes:
        names[i] = names[i].with_changes(name=expr(new_module))
    return parsed.with_changes(names=names)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body``, nested ones included (``match`` cases too), in source order: imports
    are statements, so no expression is walked."""
    for statement in body:
        yield statement
        for field in ("body", "handlers", "orelse", "finalbody", "cases"):
            inner = getattr(statement, field, None)
            if inner:
                for item in inner:
                    if isinstance(item, ast.stmt):
                        yield from _statements([item])
                    else:  # an except handler or a match case
                        yield from _statements(item.body)
