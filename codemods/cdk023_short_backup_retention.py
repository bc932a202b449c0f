"""CDK023: a database backup retention below the configured minimum (finding only)."""

from __future__ import annotations

import ast

from cdkfix.rule import AstRule, Case
from codemods._helpers import ast_dotted, ast_keyword, prefilter_settings, triggered_prescan

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


class ShortBackupRetention(AstRule):
    """Reports an RDS/DocumentDB backup retention shorter than a configurable minimum.

    Looks at ``backup=rds.BackupProps(retention=Duration.days(N))`` (clusters; also DocumentDB) and
    ``backup_retention=Duration.days(N)`` (RDS instances, Neptune) with a literal ``N``. The minimum comes
    from ``[tool.cdkfix.settings] min-backup-retention-days`` (default 7, Security Hub RDS.11's minimum:
    only 0-6 days are reported unless a stricter minimum is configured, e.g. 35 for financial data).
    How long to keep backups is a policy and cost decision, so the rule only reports.

    An :class:`cdkfix.rule.AstRule` that only reports: the calls are read on the stdlib tree, the finding is
    on the keyword.
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
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        minimum = _minimum(prefilter_settings())
        for call, qualifieds in zip(scan.calls, scan.callees):
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

    def _days(self, node: ast.expr) -> int | None:
        """N for ``Duration.days(N)`` with a literal N (LibCST's ``Integer``: the one argument, keyword or not)."""
        if not isinstance(node, ast.Call) or self.imports.resolve_dotted(ast_dotted(node.func)) != "aws_cdk.Duration.days":
            return None
        arguments = [*node.args, *(kw.value for kw in node.keywords)]
        if len(arguments) != 1 or not isinstance(arguments[0], ast.Constant) or type(arguments[0].value) is not int:
            return None
        return arguments[0].value

    def check(self) -> None:
        """``BackupProps(retention=...)`` and ``DatabaseInstance(backup_retention=...)``, in the order a LibCST
        traversal left the calls (innermost first: by end position)."""
        minimum = self._minimum()
        for call in sorted(self.scan.calls, key=lambda c: (c.end_lineno, c.end_col_offset)):  # type: ignore[union-attr]
            qualified = self.imports.resolve_dotted(ast_dotted(call.func)) or ""
            if qualified in _BACKUP_PROPS:
                name = "retention"
            elif qualified.startswith(_RETENTION_MODULES):
                name = "backup_retention"
            else:
                continue
            arg = next((kw for kw in call.keywords if kw.arg == name), None)
            days = self._days(arg.value) if arg is not None else None
            if arg is not None and days is not None and days < minimum:
                self.report(arg, f"backups are kept {days} day{'s' if days != 1 else ''}, below the minimum of "
                                 f"{minimum} (setting `{SETTING}`)",
                            suggestion=f"Duration.days({minimum})")
