"""CDK025: a CDK service module the project does not allow (``[tool.cdkfix.settings] deny-services``)."""

from __future__ import annotations

import ast

from cdkfix.rule import AstRule, Case
from codemods._helpers import ast_dotted, ast_walk_statements, prefilter_settings

#: ``[tool.cdkfix.settings] deny-services = ["aws_config"]``: modules (``aws_config``, ``config``,
#: ``aws_cdk.aws_config``) the project must not use. Empty by default: the rule fires only when configured.
SETTING = "deny-services"


def _module(name: str) -> str:
    """``config``/``aws_config``/``aws_cdk.aws_config`` → ``aws_cdk.aws_config``."""
    name = name.strip().removeprefix("aws_cdk.").replace("-", "_").lower()
    return "aws_cdk." + (name if name.startswith("aws_") else f"aws_{name}")


def _within(qualified: str, modules: frozenset[str]) -> str | None:
    for module in modules:
        if qualified == module or qualified.startswith(module + "."):
            return module
    return None


def _denied(settings) -> frozenset[str]:
    """The modules the ``deny-services`` setting names."""
    configured = settings.get(SETTING) or ()
    if isinstance(configured, str):
        configured = [configured]
    return frozenset(_module(str(name)) for name in configured if str(name).strip())


class DeniedService(AstRule):
    """Reports the use of a CDK service module listed in ``[tool.cdkfix.settings] deny-services``.

    Projects forbid services for cost, compliance or account-level reasons (an AWS Config recorder is
    one per account and region; seed 004's project disallows AWS Config). The rule reports each import of
    a denied module (``from aws_cdk import aws_config as config``, ``import aws_cdk.aws_config``,
    ``from aws_cdk.aws_config import CfnConfigRule``) and each use reached through ``aws_cdk``
    (``cdk.aws_config.CfnConfigRule``). Names are modules: ``aws_config``, ``config`` or
    ``aws_cdk.aws_config``. Nothing is denied by default. Removing the resources is a design change.

    An :class:`cdkfix.rule.AstRule` that only reports: imports and attribute chains are read on the stdlib
    tree and reported in source order (a LibCST traversal's order).
    """

    code = "CDK025"
    name = "denied-service"
    title = "CDK service module on the project's deny list (`deny-services` setting)"
    why = """
        A service the project does not allow gets deployed anyway, or fails the deployment because an
        account-level singleton exists (one AWS Config recorder per account and region). Synthesis succeeds.
    """
    source = "seeds/004_e94ce7889cc0bc1d.txt §15 (AWS Config Service Usage)"
    fixable = False
    before_synthesizes = True
    example_settings = {SETTING: ["aws_config"]}
    cases = (
        Case(
            "CDK025-invalid-import-from-aws-cdk",
            """
            from aws_cdk import (
                Stack,
                aws_config as config,  # recorder rules
            )
            config.ManagedRule(self, "R", identifier="S3_BUCKET_VERSIONING_ENABLED")
            """,
            finding=True,
            settings={SETTING: ["aws_config"]},
        ),
        Case(
            "CDK025-invalid-short-name-and-attribute-use",
            """
            import aws_cdk as cdk
            import aws_cdk.aws_config
            rule = cdk.aws_config.CfnConfigRule(self, "R", source=src)
            """,
            finding=True,
            settings={SETTING: ["config"]},
        ),
        Case(
            "CDK025-invalid-name-import",
            """
            from aws_cdk.aws_config import CfnConfigurationRecorder
            """,
            finding=True,
            settings={SETTING: ["aws_cdk.aws_config"]},
        ),
        Case(
            "CDK025-valid-nothing-denied-by-default",
            """
            from aws_cdk import aws_config as config
            config.ManagedRule(self, "R", identifier="S3_BUCKET_VERSIONING_ENABLED")
            """,
        ),
        Case(
            "CDK025-valid-other-modules",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as s3, aws_configuration_x as other
            s3.Bucket(self, "B")
            cdk.aws_s3.Bucket(self, "C")
            """,
            settings={SETTING: ["aws_config"]},
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when the run denies modules and the text spells one of them (``aws_config``)."""
        return any(module.rsplit(".", 1)[-1] in source for module in _denied(prefilter_settings()))

    def check(self) -> None:
        """Imports of a denied module and ``cdk.aws_config`` chains, reported in source order."""
        self._denied = _denied(self.options.settings)
        if not self._denied:
            return
        found: list[tuple[tuple[int, int, int, int], ast.AST, str]] = []

        def add(node: ast.AST, module: str) -> None:
            key = (node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset)  # type: ignore[attr-defined]
            found.append((key, node, module))

        for statement in self.scan.import_froms:  # type: ignore[union-attr]
            self._import_from(statement, add)
        for statement in ast_walk_statements(self.tree.body, match_cases=True):  # imports in match cases too
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if denied := _within(alias.name, self._denied):
                        add(alias, denied)
        self._attributes(add)
        for _, node, module in sorted(found, key=lambda item: item[0]):
            self._report(node, module)

    def _report(self, node: ast.AST, module: str) -> None:
        self.report(node, f"`{module.removeprefix('aws_cdk.')}` is on the project's deny list "
                          f"(setting `{SETTING}`): remove its resources")

    def _import_from(self, node: ast.ImportFrom, add) -> None:
        """``from aws_cdk import aws_config`` / ``from aws_cdk.aws_config import X``."""
        base = node.module or ""
        if denied := _within(base, self._denied):
            add(node, denied)
            return
        for alias in node.names:
            if alias.name != "*" and (denied := _within(f"{base}.{alias.name}", self._denied)):
                add(alias, denied)

    def _attributes(self, add) -> None:
        """``cdk.aws_config.X`` reached through an import of ``aws_cdk`` itself: the chain that is the module
        (a traversal does not look inside a chain it reported)."""
        inside: set[int] = set()
        bindings = self.imports.bindings
        for node in sorted(self.scan.attributes,  # type: ignore[union-attr]
                           key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset)):
            if id(node) in inside:
                continue
            head = ast_dotted(node)
            if head is None or bindings.get(head.split(".")[0]) != "aws_cdk":
                continue
            qualified = self.imports.resolve_dotted(head)
            denied = _within(qualified or "", self._denied)
            if denied and qualified == denied:
                add(node, denied)
                value = node.value
                while isinstance(value, ast.Attribute):
                    inside.add(id(value))
                    value = value.value
