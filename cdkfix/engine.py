"""Runs rules over one Python source to a fixpoint and checks the result.

Flow: prefilter (each rule's ``may_fire`` on the text, sharing one stdlib ``ast`` prescan) -> AstRules, each
finding on the stdlib tree and making its fixes with LibCST on the fixed nodes' text (``cdkfix.spans``)
-> LibCST rules, if any, on one LibCST parse of the text -> repeat while something changed (bounded; later
passes ask every rule's prefilter about the new text) -> the output must compile, else every change to the
file is discarded and the failure reported.

The engine knows no rule by name. Unsafe fixes that were not applied are re-run on the final text with
unsafe fixes enabled, only to show the diff they would make (unless the caller says it will not show it).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext

from cdkfix.diff import unified_diff
from cdkfix.imports import SCRATCH_IMPORTS, apply_imports
from cdkfix.project import Project
from cdkfix.rule import (
    SCRATCH_FINDINGS,
    AstRule,
    SCRATCH_OPTIONS,
    SCRATCH_PATH,
    SCRATCH_PROJECT,
    SCRATCH_SUPPRESSED,
    Finding,
    Rule,
    RuleOptions,
    prefilter_options,
    stdlib_tree,
)
from cdkfix.suppressions import Suppressions, parse_suppressions

MAX_PASSES = 5


class SourceSyntaxError(Exception):
    """The input is not valid Python: ``line``/``column`` say where."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class FixResult:
    """What happened to one source."""

    source: str
    output: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passes: int = 0
    suppressions: Suppressions | None = None

    @property
    def changed(self) -> bool:
        """True when the output differs from the input."""
        return self.output != self.source

    @property
    def applied(self) -> list[Finding]:
        """Fixes that were applied."""
        return [f for f in self.findings if f.applied]

    @property
    def remaining(self) -> list[Finding]:
        """Findings left in the output: unapplied fixes and report-only findings."""
        return [f for f in self.findings if not f.applied]

    def diff(self, path: str = "<stdin>") -> str:
        """Unified diff of input -> output."""
        return unified_diff(self.source, self.output, path)


def parse(source: str) -> cst.Module:
    """Parse with LibCST, turning its error into :class:`SourceSyntaxError`."""
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise SourceSyntaxError(exc.message, exc.raw_line, exc.raw_column + 1) from None


def _check_syntax(source: str) -> None:
    try:
        stdlib_tree(source)  # the parse the prefilters made (cached), else the same parse
    except SyntaxError as exc:
        raise SourceSyntaxError(exc.msg, exc.lineno or 0, exc.offset or 0) from None
    except ValueError as exc:  # e.g. a NUL byte
        raise SourceSyntaxError(str(exc), 0, 0) from None


def _compiles(code: str) -> str | None:
    try:
        stdlib_tree(code)  # the parse the last pass's prefilters made of this text (cached), else a new one
    except (SyntaxError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _context(options: RuleOptions, project: Project | None, suppressions: Suppressions,
             path: str | None = None) -> CodemodContext:
    return CodemodContext(scratch={
        SCRATCH_OPTIONS: options,
        SCRATCH_PROJECT: project,
        SCRATCH_SUPPRESSED: suppressions,
        SCRATCH_PATH: path,
    })


def _run_ast_rule(rule: type[AstRule], code: str, options: RuleOptions, project: Project | None,
                  suppressions: Suppressions, path: str | None = None) -> tuple[str, list[Finding]]:
    context = _context(options, project, suppressions, path)
    instance = rule(context)
    try:
        new_code = instance.run(code)
    finally:
        # An instance serves one run. Emptied, it holds nothing that cycles through it (its queued fixes' builders
        # refer back to it) could keep alive, and the file's trees are freed by reference counting at once
        # rather than by the garbage collector, which a batch runs rarely (``cdkfix.parallel``).
        instance.__dict__.clear()
    return new_code, list(context.scratch.get(SCRATCH_FINDINGS, ()))


def _run_rule(rule: type[Rule], module: cst.Module, options: RuleOptions, project: Project | None,
              suppressions: Suppressions, path: str | None = None) -> tuple[cst.Module, list[Finding]]:
    if issubclass(rule, AstRule):
        code = module.code
        new_code, findings = _run_ast_rule(rule, code, options, project, suppressions, path)
        return (module if new_code == code else parse(new_code)), findings
    context = _context(options, project, suppressions, path)
    new = rule(context).transform_module(module)
    requests = context.scratch.get(SCRATCH_IMPORTS)
    if requests and not new.deep_equals(module):
        new = apply_imports(new, requests)
    return new, list(context.scratch.get(SCRATCH_FINDINGS, ()))


def _may_fire(rule: type[Rule], code: str, options: RuleOptions) -> bool:
    """The rule's prefilter, evaluated with the run's options (its index version, its settings)."""
    with prefilter_options(options):
        return rule.may_fire(code)


class _LineMaps:
    """Maps line numbers of rewritten code back to the input, so every finding points into the file as read.

    A rule reports positions in the code it was given, which earlier rules may have rewritten (an import
    line added at the top shifts everything below it).
    """

    def __init__(self, source: str) -> None:
        self.source_lines = source.splitlines()
        self.cache: dict[str, list[int]] = {}

    def _map(self, code: str) -> list[int]:
        if code not in self.cache:
            source, lines = self.source_lines, code.splitlines()
            mapping = [0] * (len(lines) + 2)
            # Fixes are local: the lines before the first change and after the last map one to one, and
            # only the middle goes through difflib (quadratic at worst).
            head, limit = 0, min(len(source), len(lines))
            while head < limit and source[head] == lines[head]:
                head += 1
            tail = 0
            while tail < limit - head and source[-1 - tail] == lines[-1 - tail]:
                tail += 1
            for k in range(head):
                mapping[k + 1] = k + 1
            for k in range(tail):
                mapping[len(lines) - k] = len(source) - k
            matcher = difflib.SequenceMatcher(None, source[head:len(source) - tail], lines[head:len(lines) - tail],
                                              autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
                for k in range(j2 - j1):
                    if tag == "equal":
                        mapping[j1 + k + 1] = i1 + k + 1
                    elif i2 > i1:  # a replaced line: its counterpart in the replaced range
                        mapping[j1 + k + 1] = min(i1 + k, i2 - 1) + 1
                    else:  # an inserted line: the line it follows
                        mapping[j1 + k + 1] = max(i1, 1)
            mapping[-1] = len(source) + 1
            self.cache = {code: mapping}  # one code state at a time is live
        return self.cache[code]

    def to_source(self, findings: list[Finding], code: str) -> list[Finding]:
        mapping = self._map(code)
        return [dataclasses.replace(f, line=mapping[min(f.line, len(mapping) - 1)] or f.line) if f.line else f
                for f in findings]


def fix_code(source: str, rules: Sequence[type[Rule]], options: RuleOptions | None = None, *,
             project: Project | None = None, unsafe_diffs: bool = True, path: str | None = None) -> FixResult:
    """Apply ``rules`` to ``source`` until nothing changes (at most :data:`MAX_PASSES` passes).

    With ``unsafe_diffs``, each unapplied unsafe fix carries the diff it would make (``Finding.diff``),
    at the cost of running its rule once more with unsafe fixes on.

    ``path`` names ``source``'s file in ``project`` (a cross-file rule then knows which of the project's files
    it is fixing, even after an earlier pass changed it).

    Raises :class:`SourceSyntaxError` when ``source`` does not parse. Rule crashes are reported in
    ``errors`` and that rule's change is dropped; the other rules still run.
    """
    options = options or RuleOptions()
    result = FixResult(source=source, output=source)
    # AstRules first: each LibCST rule after an AstRule's edit would need a fresh LibCST parse of the text.
    ordered = sorted(rules, key=lambda rule: not issubclass(rule, AstRule))
    with prefilter_options(options):  # one context for all the prefilters, not one per rule
        candidates = [rule for rule in ordered if rule.may_fire(source)]
    if not candidates:
        # No rule can fire, so skip LibCST; the stdlib parser (~30x faster) still catches bad input.
        _check_syntax(source)
        return result
    # A file only AstRules may fire on is never parsed by LibCST; the stdlib parser still rejects bad input.
    module: cst.Module | None = None
    if all(issubclass(rule, AstRule) for rule in candidates):
        _check_syntax(source)
    else:
        module = parse(source)
    suppressions = parse_suppressions(source)
    result.suppressions = suppressions
    applied: list[Finding] = []
    last: list[Finding] = []
    code = source
    # A rule that left this very text unchanged, with no suppression comment to consult, would do and find
    # the same again: a later pass reuses its findings instead of running it (rules are deterministic).
    unchanged: dict[str, tuple[str, list[Finding]]] = {}
    line_maps = _LineMaps(source)
    for pass_number in range(1, MAX_PASSES + 1):
        result.passes = pass_number
        last = []
        changed = False
        # After a rewrite any rule may have something to do (an import added by one rule makes another
        # rule's call resolvable), so later passes ask every rule's prefilter about the new text.
        for rule in candidates if pass_number == 1 else ordered:
            if pass_number > 1 and not _may_fire(rule, code, options):
                continue
            rule_input = code  # positions in the rule's findings refer to this text
            seen = unchanged.get(rule.code)
            if seen is not None and seen[0] is code and not suppressions.by_line:
                findings = seen[1]
            else:
                try:
                    if issubclass(rule, AstRule):
                        new_code, findings = _run_ast_rule(rule, code, options, project, suppressions, path)
                        new = None
                    else:
                        if module is None:
                            module = parse(code)
                        new, findings = _run_rule(rule, module, options, project, suppressions, path)
                        new_code = code if new is module else new.code  # a rule that skipped its traversal
                except Exception as exc:  # a rule bug must not lose the other rules' work
                    if os.environ.get("CDKFIX_DEBUG"):
                        raise
                    message = f"{rule.code} {rule.name} crashed: {type(exc).__name__}: {exc}"
                    if message not in result.errors:
                        result.errors.append(message)
                    continue
                if new_code != code:
                    changed = True
                    module, code = new, new_code
                    unchanged.pop(rule.code, None)
                elif not suppressions.by_line:
                    unchanged[rule.code] = (code, findings)
            if findings and rule_input != source:
                findings = line_maps.to_source(findings, rule_input)
            applied.extend(f for f in findings if f.applied)
            last.extend(f for f in findings if not f.applied)
        if not changed:
            break
        # Suppression lines refer to the input; after a rewrite they may have moved.
        suppressions = parse_suppressions(code)
        result.suppressions = suppressions
    else:
        result.errors.append(f"no fixpoint after {MAX_PASSES} passes; the output may still change")
    problem = _compiles(code) if code != source else None
    if problem:
        result.errors.append(f"the fixed code does not compile ({problem}); changes discarded")
        result.findings = [dataclasses.replace(f, applied=False) for f in applied] + last
        return result
    result.output = code
    if unsafe_diffs:
        last = _with_unsafe_diffs(last, code, ordered, options, project, path)
    result.findings = sorted(applied + last,
                             key=lambda f: (f.line, f.column, f.code))
    return result


def _with_unsafe_diffs(findings: list[Finding], code: str, rules: Sequence[type[Rule]],
                       options: RuleOptions, project: Project | None, path: str | None = None) -> list[Finding]:
    """Attach to each unapplied unsafe fix the diff it would make (one run per rule)."""
    wanted = {f.code for f in findings if f.fixable and not f.applied}
    if not wanted:
        return findings
    unsafe = dataclasses.replace(options, unsafe_fixes=True)
    diffs: dict[str, str] = {}
    module: cst.Module | None = None
    for rule in rules:
        if rule.code not in wanted:
            continue
        try:
            if issubclass(rule, AstRule):
                new_code, _ = _run_ast_rule(rule, code, unsafe, project, parse_suppressions(code), path)
            else:
                module = module or parse(code)
                new_code = _run_rule(rule, module, unsafe, project, parse_suppressions(code), path)[0].code
        except Exception:
            continue
        diffs[rule.code] = unified_diff(code, new_code, "would-be")
    return [dataclasses.replace(f, diff=diffs.get(f.code)) if f.fixable and not f.applied else f
            for f in findings]
