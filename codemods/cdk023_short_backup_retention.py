"""CDK023: a database backup retention below the configured minimum (finding only)."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import Case, Rule
from codemods._helpers import ast_keyword, keyword, prefilter_settings, prescan

#: ``[tool.cdkfix.settings] min-backup-retention-days``. The default, 7 days, is the minimum of AWS Security
#: Hub's control RDS.11 (``backupRetentionMinimum``) and the console's default: ordinary code (7 days or
#: more) draws nothing; 0-6 days does. Regulated workloads set more (seed 002 asks 35 for finance).
SETTING = "min-backup-retention-days"
DEFAULT_MINIMUM = 7
_BACKUP_PROPS = ("aws_cdk.aws_rds.BackupProps", "aws_cdk.aws_docdb.BackupProps")
_RETENTION_MODULES = ("aws_cdk.aws_rds.", "aws_cdk.aws_neptune.")


def _minimum(settings) -> int:
    value = settings.get(SETTING, DEFAULT_MINIMUM)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else DEFAULT_MINIMUM


class ShortBackupRetention(Rule):
    """Reports an RDS/DocumentDB backup retention shorter than a configurable minimum.

    Looks at ``backup=rds.BackupProps(retention=Duration.days(N))`` (clusters; also DocumentDB) and
    ``backup_retention=Duration.days(N)`` (RDS instances, Neptune) with a literal ``N``. The minimum comes
    from ``[tool.cdkfix.settings] min-backup-retention-days`` (default 7, Security Hub RDS.11's minimum:
    only 0-6 days are reported unless a stricter minimum is configured, e.g. 35 for financial data).
    How long to keep backups is a policy and cost decision, so the rule only reports.
    """

    code = "CDK023"
    name = "short-backup-retention"
    title = "Database backup retention below the configured minimum"
    why = """
        Automated backups older than the retention are deleted: with 7 days, an incident found on day 8
        cannot be undone by a restore. Compliance regimes set minimums (PCI DSS recommendations for payment
        data: 30-90 days; seed 002 asks 35). Synthesis and deployment succeed, so the gap shows only when a
        restore is needed.
    """
    source = "seeds/002_2170557884eb4ac5.txt §8 (Database Backup Retention Too Short for Compliance)"
    fixable = False
    triggers = ("retention",)
    before_synthesizes = True
    example_settings = {SETTING: 35}
    cases = (
        Case(
            "CDK023-invalid-cluster-backup-props-default-minimum",
            """
            from aws_cdk import Duration, aws_rds as rds
            rds.DatabaseCluster(
                self,
                "Db",
                backup=rds.BackupProps(
                    retention=Duration.days(1),  # dev
                    preferred_window="03:00-04:00",
                ),
            )
            """,
            finding=True,
        ),
        Case(
            "CDK023-invalid-configured-minimum",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_rds
            aws_rds.DatabaseInstance(self, "Db", backup_retention=cdk.Duration.days(7))
            """,
            finding=True,
            settings={SETTING: 35},
        ),
        Case(
            "CDK023-valid-ordinary-retention",
            """
            from aws_cdk import Duration, aws_rds as rds
            rds.DatabaseInstance(self, "A", backup_retention=Duration.days(7))
            rds.DatabaseCluster(self, "B", backup=rds.BackupProps(retention=Duration.days(35)))
            rds.DatabaseInstance(self, "C", backup_retention=Duration.days(days))
            logs.LogGroup(self, "L", retention=Duration.days(1))
            """,
        ),
        Case(
            "CDK023-valid-meets-configured-minimum",
            """
            from aws_cdk import Duration, aws_rds as rds
            rds.DatabaseInstance(self, "A", backup_retention=Duration.days(35))
            """,
            settings={SETTING: 35},
        ),
    )

    def _minimum(self) -> int:
        return _minimum(self.options.settings)

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only ``retention=``/``backup_retention=Duration.days(N)`` with a literal N below the run's minimum."""
        if not super().may_fire(source):
            return False
        scan = prescan(source)
        if scan is None:
            return False  # not Python the stdlib accepts: the engine reports the syntax error
        minimum = _minimum(prefilter_settings())
        for call in scan.calls:
            qualifieds = scan.resolve_all(call.func)
            values = []
            if any(q in _BACKUP_PROPS for q in qualifieds):
                values.append(ast_keyword(call, "retention"))
            if any(q.startswith(_RETENTION_MODULES) for q in qualifieds):
                values.append(ast_keyword(call, "backup_retention"))
            for value in values:
                if not isinstance(value, ast.Call) or not scan.resolves_to(value.func, ("aws_cdk.Duration.days",)):
                    continue
                days = [*value.args, *(kw.value for kw in value.keywords)]
                if (len(days) == 1 and isinstance(days[0], ast.Constant) and type(days[0].value) is int
                        and days[0].value < minimum):
                    return True
        return False

    def _days(self, node: cst.BaseExpression) -> int | None:
        """N for ``Duration.days(N)`` with a literal N."""
        if not isinstance(node, cst.Call) or self.imports.resolve(node.func) != "aws_cdk.Duration.days":
            return None
        if len(node.args) != 1 or not isinstance(node.args[0].value, cst.Integer):
            return None
        value = node.args[0].value.evaluated_value
        return value if isinstance(value, int) else None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``BackupProps(retention=...)`` and ``DatabaseInstance(backup_retention=...)``."""
        qualified = self.imports.resolve(original_node.func) or ""
        if qualified in _BACKUP_PROPS:
            arg = keyword(original_node, "retention")
        elif qualified.startswith(_RETENTION_MODULES):
            arg = keyword(original_node, "backup_retention")
        else:
            return updated_node
        days = self._days(arg.value) if arg is not None else None
        minimum = self._minimum()
        if arg is not None and days is not None and days < minimum:
            self.report(arg, f"backups are kept {days} day{'s' if days != 1 else ''}, below the minimum of "
                             f"{minimum} (setting `{SETTING}`)",
                        suggestion=f"Duration.days({minimum})")
        return updated_node
