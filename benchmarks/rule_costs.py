"""Per-rule cost on real generated code, against the LibCST parse floor (a script, not a test).

Usage: python benchmarks/rule_costs.py [--corpus ../shared/corpus]

For every rule: how many files pass its prefilter (``may_fire``), how many it changes or reports on, and
the time it costs over all files, next to the time LibCST needs to parse and print the same files.
A rule whose prefilter passes files it never fires on is paying a traversal for nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cdkfix.engine import _run_rule, parse
from cdkfix.extract import response_files
from cdkfix.registry import all_rules
from cdkfix.rule import RuleOptions
from cdkfix.suppressions import Suppressions


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    args = parser.parse_args()
    sources = []
    for answer in sorted(Path(args.corpus).glob("*/MODEL_RESPONSE.md")):
        sources.extend(response_files(answer.read_text(encoding="utf-8")).values())
    modules = []
    for source in sources:
        try:
            modules.append((source, parse(source)))
        except Exception:
            continue
    lines = sum(len(s.splitlines()) for s, _ in modules)
    start = time.perf_counter()
    for source, _ in modules:
        parse(source).code
    floor = time.perf_counter() - start
    print(f"{len(modules)} files, {lines} lines; LibCST parse+print floor {floor:.2f}s")
    print(f"{'rule':<8} {'seconds':>8} {'x floor':>8} {'prefilter':>10} {'fired':>6}")
    total = 0.0
    rows = []
    for rule in all_rules():
        start = time.perf_counter()
        passed = fired = 0
        for source, module in modules:
            if not rule.may_fire(source):
                continue
            passed += 1
            try:
                new, findings = _run_rule(rule, module, RuleOptions(unsafe_fixes=True), None, Suppressions())
            except Exception:
                continue
            if findings or new.code != source:
                fired += 1
        elapsed = time.perf_counter() - start
        total += elapsed
        rows.append((elapsed, rule.code, passed, fired))
    for elapsed, code, passed, fired in sorted(rows, reverse=True):
        print(f"{code:<8} {elapsed:>8.2f} {elapsed / floor:>8.2f} {passed:>10} {fired:>6}")
    print(f"{'all':<8} {total:>8.2f} {total / floor:>8.2f}")


if __name__ == "__main__":
    main()
