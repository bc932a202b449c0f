"""CDK025: a CDK service module the project does not allow (``[tool.cdkfix.settings] deny-services``)."""

from __future__ import annotations

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import dotted_name, prefilter_settings

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


class DeniedService(Rule):
    """Reports the use of a CDK service module listed in ``[tool.cdkfix.settings] deny-services``.

    Projects forbid services for cost, compliance or account-level reasons (an AWS Config recorder is
    one per account and region; seed 004's project disallows AWS Config). The rule reports each import of
    a denied module (``from aws_cdk import aws_config as config``, ``import aws_cdk.aws_config``,
    ``from aws_cdk.aws_config import CfnConfigRule``) and each use reached through ``aws_cdk``
    (``cdk.aws_config.CfnConfigRule``). Names are modules: ``aws_config``, ``config`` or
    ``aws_cdk.aws_config``. Nothing is denied by default. Removing the resources is a design change.
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

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Read the deny list."""
        self._denied = _denied(self.options.settings)
        result = super().visit_Module(node)
        return result if self._denied else False

    def _report(self, node: cst.CSTNode, module: str) -> None:
        self.report(node, f"`{module.removeprefix('aws_cdk.')}` is on the project's deny list "
                          f"(setting `{SETTING}`): remove its resources")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool | None:
        """``from aws_cdk import aws_config`` / ``from aws_cdk.aws_config import X``."""
        if node.relative or node.module is None:
            return False
        base = dotted_name(node.module) or ""
        if denied := _within(base, self._denied):
            self._report(node, denied)
            return False
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            name = dotted_name(alias.name)
            if name and (denied := _within(f"{base}.{name}", self._denied)):
                self._report(alias, denied)
        return False

    def visit_Import(self, node: cst.Import) -> bool | None:
        """``import aws_cdk.aws_config as config``."""
        for alias in node.names:
            name = dotted_name(alias.name)
            if name and (denied := _within(name, self._denied)):
                self._report(alias, denied)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool | None:
        """``cdk.aws_config.X`` reached through an import of ``aws_cdk`` itself."""
        head = dotted_name(node)
        if head is None:
            return True
        root = head.split(".")[0]
        if self.imports.bindings.get(root) != "aws_cdk":
            return True
        qualified = self.imports.resolve(node)
        denied = _within(qualified or "", self._denied)
        if denied and qualified == denied:
            self._report(node, denied)
            return False
        return True
