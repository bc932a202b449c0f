"""Every cdkfix rule as a Fixit 2 ``LintRule``: ``fixit lint --rules cdkfix.fixit_bridge path/``.

One ``LintRule`` subclass is generated per registry rule, named by the CamelCase of the rule's name
(``submodule-as-attribute`` -> ``SubmoduleAsAttribute``), so Fixit's ``# lint-ignore: SubmoduleAsAttribute``
(and cdkfix's own ``# cdkfix: ignore[CDK004]``) work, as do Fixit's editor integration (``fixit lsp``) and
its test harness. The classes are module attributes, which is where Fixit looks for rules.

How a bridged rule runs: ``leave_Module`` hands the module's code to cdkfix's engine with that one rule
(:func:`cdkfix.engine.fix_code`: imports in the file's style, fixpoint, compile check) and reports every
finding at its line and column. A safe fix carries ``replacement=`` the fixed ``Module``: Fixit replaces the
whole module, which is the only way to express a fix that also adds an import. Unsafe fixes and report-only
findings are reported without a replacement (run ``cdkfix apply --unsafe-fixes`` for those).

Limitation: Fixit applies one replacement per node, so when several bridged rules fix the same file in one
``fixit fix`` run only one rule's fixes land; run it again (or use ``cdkfix apply``, which has a fixpoint).

VALID/INVALID come from the rule's ``cases``: a "must not fire" case is ``Valid``; a fix case is ``Invalid``
with ``expected_replacement`` (safe fixes only: an unsafe case is ``Invalid`` without one); a report-only
case is ``Invalid``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import libcst as cst
from fixit import Invalid, LintRule, Valid
from libcst.metadata import CodePosition, CodeRange, PositionProvider

from cdkfix.engine import SourceSyntaxError, fix_code
from cdkfix.registry import all_rules
from cdkfix.rule import Case, Finding, Rule, RuleOptions

__all__ = ["class_name", "lint_rule_for", "bridged_rules"]


def class_name(rule: type[Rule]) -> str:
    """``submodule-as-attribute`` -> ``SubmoduleAsAttribute`` (the name cdkfix's suppressions also accept)."""
    return "".join(part[:1].upper() + part[1:] for part in rule.name.replace("_", "-").split("-") if part)


def _source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _fixit_cases(rule: type[Rule]) -> tuple[list[Valid], list[Invalid]]:
    valid: list[Valid] = []
    invalid: list[Invalid] = []
    for case in rule.cases:
        before = _source(case.before)
        if case.after is None and not case.finding:
            valid.append(Valid(before))
        elif case.after is not None and not case.unsafe and rule.safety == "safe":
            invalid.append(Invalid(before, expected_replacement=_source(case.after)))
        else:
            invalid.append(Invalid(before))
    return valid, invalid


class _Bridge:
    """The behaviour shared by the generated rules (kept out of the LintRule hierarchy so Fixit does not
    collect it as a rule of its own)."""

    CDKFIX_RULE: type[Rule]
    CDKFIX_OPTIONS = RuleOptions()

    def leave_Module(self, original_node: cst.Module) -> None:  # noqa: N802 (LibCST's naming)
        rule = self.CDKFIX_RULE
        code = original_node.code
        if not rule.may_fire(code):
            return
        try:
            result = fix_code(code, (rule,), self.CDKFIX_OPTIONS)
        except SourceSyntaxError:
            return
        fixed: cst.Module | None = None
        if result.changed:
            try:
                fixed = cst.parse_module(result.output)
            except cst.ParserSyntaxError:
                fixed = None
        for finding in result.findings:
            if finding.code != rule.code:
                continue
            anchor = self._node_at(original_node, finding)
            if anchor is not None and self.ignore_lint(anchor):  # type: ignore[attr-defined]
                continue
            replacement = fixed if (finding.applied and finding.fixable and fixed is not None) else None
            self.report(original_node, self._message(finding),  # type: ignore[attr-defined]
                        position=self._position(finding), replacement=replacement)
            # Fixit keys replacements by node: one replacement of the module carries every fix.
            fixed = None if replacement is not None else fixed

    @staticmethod
    def _message(finding: Finding) -> str:
        text = f"{finding.code} {finding.message}"
        if finding.fixable and not finding.applied:
            text += " (unsafe fix: `cdkfix apply --unsafe-fixes`)"
        elif not finding.fixable:
            text += " (no automatic fix)"
        if finding.suggestion:
            text += f"\nSuggestion: {finding.suggestion}"
        return text

    @staticmethod
    def _position(finding: Finding) -> CodeRange:
        start = CodePosition(max(finding.line, 1), max(finding.column - 1, 0))
        return CodeRange(start, CodePosition(start.line + 1, 0))

    def _node_at(self, module: cst.Module, finding: Finding) -> cst.CSTNode | None:
        """The smallest node starting at the finding (for Fixit's ``# lint-ignore`` on that line)."""
        positions = self.metadata.get(PositionProvider, {})  # type: ignore[attr-defined]
        wanted = (finding.line, finding.column - 1)
        best: tuple[int, cst.CSTNode] | None = None
        for node, where in positions.items():
            if isinstance(node, cst.Module) or (where.start.line, where.start.column) != wanted:
                continue
            size = (where.end.line - where.start.line) * 10_000 + where.end.column - where.start.column
            if best is None or size < best[0]:
                best = (size, node)
        if best is None:
            for node, where in positions.items():  # fall back to the statement on that line
                if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement) and \
                        where.start.line <= finding.line <= where.end.line:
                    return node
        return best[1] if best else None


def lint_rule_for(rule: type[Rule]) -> type[LintRule]:
    """A Fixit ``LintRule`` class running the cdkfix ``rule``."""
    valid, invalid = _fixit_cases(rule)
    doc = textwrap.dedent(rule.__doc__ or rule.title).strip()
    namespace = {
        "__doc__": f"{rule.code} ({rule.name}): {rule.title}\n\n{doc}",
        "__module__": __name__,
        "__qualname__": class_name(rule),
        "CDKFIX_RULE": rule,
        "METADATA_DEPENDENCIES": (PositionProvider,),
        "TAGS": {"cdkfix", "aws-cdk", rule.code},
        "VALID": valid,
        "INVALID": invalid,
    }
    return type(class_name(rule), (_Bridge, LintRule), namespace)


def bridged_rules(rules: Iterable[type[Rule]] | None = None) -> dict[str, type[LintRule]]:
    """Class name -> generated LintRule for ``rules`` (default: every registry rule)."""
    out: dict[str, type[LintRule]] = {}
    for rule in rules if rules is not None else all_rules():
        generated = lint_rule_for(rule)
        out[generated.__name__] = generated
    return out


# Fixit collects LintRule subclasses from the module's attributes.
globals().update(bridged_rules())
