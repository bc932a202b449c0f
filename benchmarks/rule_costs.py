"""Per-rule cost on real generated code, against the LibCST parse floor (a script, not a test).

Usage: python benchmarks/rule_costs.py [--corpus ../shared/corpus] [--no-missed] [--no-engine]

For every rule: how many files pass its prefilter (``may_fire``), how many it changes or reports on, how
many it would fire on although its prefilter said no ("missed": a lost fix, must be 0), and the time it
costs over all files (its ``may_fire`` plus its runs), next to the time LibCST needs to parse and print the
same files. A rule whose prefilter passes files it never fires on is paying a traversal for nothing.

Files are processed the way the engine does it: for each file, every rule's prefilter in turn, so the
shared ``prescan`` (one stdlib ``ast`` parse per source) is computed once per file; its cost is the
``prescan`` row. The ``engine`` rows run ``fix_code`` with every rule (default options) on each file and
split the files into those with findings and clean ones, each against its own floor (the issue's targets:
files with findings <= 1.5x the floor, clean files far less). Times are CPU times of this process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, installed or not

from cdkfix.engine import _run_rule, fix_code, parse  # noqa: E402
from cdkfix.extract import response_files  # noqa: E402
from cdkfix.registry import all_rules  # noqa: E402
from cdkfix.rule import RuleOptions, prefilter_options  # noqa: E402
from cdkfix.suppressions import Suppressions  # noqa: E402
from codemods._helpers import prescan  # noqa: E402

clock = time.process_time


def _fires(rule, source, module, options) -> bool:
    try:
        new, findings = _run_rule(rule, module, options, None, Suppressions())
    except Exception:
        return False
    return bool(findings) or new.code != source


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    parser.add_argument("--no-missed", action="store_true", help="skip the (slow) missed column")
    parser.add_argument("--no-engine", action="store_true", help="skip the end-to-end engine rows")
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
    floors = []
    for source, _ in modules:
        start = clock()
        parse(source).code
        floors.append(clock() - start)
    floor = sum(floors)
    print(f"{len(modules)} files, {lines} lines; LibCST parse+print floor {floor:.2f}s (CPU)")

    rules = all_rules()
    options = RuleOptions(unsafe_fixes=True)
    spent = {rule.code: 0.0 for rule in rules}
    passed = {rule.code: 0 for rule in rules}
    fired = {rule.code: 0 for rule in rules}
    missed = {rule.code: 0 for rule in rules}
    prescan_time = 0.0
    with prefilter_options(options):
        for source, module in modules:
            prescan.cache_clear()
            start = clock()
            prescan(source)
            prescan_time += clock() - start
            for rule in rules:
                start = clock()
                may = rule.may_fire(source)
                fires = _fires(rule, source, module, options) if may else False
                spent[rule.code] += clock() - start
                if may:
                    passed[rule.code] += 1
                    fired[rule.code] += fires
                elif not args.no_missed and _fires(rule, source, module, options):
                    missed[rule.code] += 1

    print(f"{'rule':<8} {'seconds':>8} {'x floor':>8} {'prefilter':>10} {'fired':>6} {'missed':>7}")
    for code in sorted(spent, key=spent.get, reverse=True):
        miss = "-" if args.no_missed else str(missed[code])
        print(f"{code:<8} {spent[code]:>8.2f} {spent[code] / floor:>8.2f} {passed[code]:>10} {fired[code]:>6} "
              f"{miss:>7}")
    print(f"{'prescan':<8} {prescan_time:>8.2f} {prescan_time / floor:>8.2f}")
    total = sum(spent.values()) + prescan_time
    print(f"{'all':<8} {total:>8.2f} {total / floor:>8.2f} {sum(passed.values()):>10} {sum(fired.values()):>6} "
          f"{'-' if args.no_missed else sum(missed.values()):>7}")

    if args.no_engine:
        return
    costs = {True: [0.0, 0.0, 0], False: [0.0, 0.0, 0]}  # findings? -> [engine, floor, files]
    for (source, _), file_floor in zip(modules, floors):
        prescan.cache_clear()
        start = clock()
        result = fix_code(source, rules, RuleOptions())
        elapsed = clock() - start
        row = costs[bool(result.findings) or result.changed]
        row[0] += elapsed
        row[1] += file_floor
        row[2] += 1
    print()
    print("engine: fix_code with every rule, default options (parse included)")
    for key, label in ((True, "findings"), (False, "clean")):
        engine, own_floor, count = costs[key]
        ratio = engine / own_floor if own_floor else 0.0
        print(f"  {label:<9} {count:>4} files {engine:>7.2f}s  {ratio:>5.2f}x their floor")
    engine = costs[True][0] + costs[False][0]
    print(f"  {'all':<9} {len(modules):>4} files {engine:>7.2f}s  {engine / floor:>5.2f}x the floor")


if __name__ == "__main__":
    main()
