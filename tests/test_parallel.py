"""Parallel runs give exactly the outcomes of a one-process run, with every start method, and survive
crashing rules and dying workers."""

from __future__ import annotations

import os
import pickle
import sys
import threading
from pathlib import Path

import pytest

from cdkfix.parallel import (WorkerSpec, chunked, default_start_method, largest_first, options_from_spec, run_files,
                             spec_for)
from cdkfix.registry import all_rules, select_rules
from cdkfix.rule import Rule, RuleOptions
from cdkfix.runner import RunOptions

BROKEN = (
    "from aws_cdk import aws_route53 as route53\n"
    "target_{n} = route53.RecordTarget.from_alias(route53.targets.LoadBalancerTarget(alb))\n"
)
CLEAN = "from aws_cdk import Stack\n\n\nclass Stack{n}(Stack):\n    pass\n"
MARKDOWN = "# Answer {n}\n\n```python\n" + BROKEN + "```\n"


class ExplodingRule(Rule):
    """A test rule whose prefilter raises on EXPLODE and kills its process on DIE_NOW."""

    code = "CDK990"
    name = "exploding"
    triggers = ("EXPLODE", "DIE_NOW")

    @classmethod
    def may_fire(cls, source: str) -> bool:
        if "DIE_NOW" in source:
            os._exit(3)
        if "EXPLODE" in source:
            raise RuntimeError("boom")
        return False


class ProjectProbeRule(Rule):
    """A test rule that reports how many files the project it was given has."""

    code = "CDK991"
    name = "project-probe"
    triggers = ("PROJECT_PROBE",)

    def leave_Module(self, original_node, updated_node):
        count = len(self.project.files) if self.project is not None else 0
        self.report(original_node, f"project of {count} files")
        return updated_node


def _corpus(directory: Path, count: int = 24) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        kind = n % 4
        name, text = [(f"f{n:03}_broken.py", BROKEN), (f"f{n:03}_clean.py", CLEAN),
                      (f"f{n:03}_answer.md", MARKDOWN), (f"f{n:03}_clean2.py", CLEAN)][kind]
        path = directory / name
        path.write_text(text.format(n=n), encoding="utf-8")
        paths.append(path)
    bad = directory / "syntax_error.py"
    bad.write_text("def f(:\n    pass\n")
    undecodable = directory / "latin.py"
    undecodable.write_bytes(b"x = '\xff\xfe'\n")
    return paths[:5] + [bad] + paths[5:] + [undecodable, directory / "missing.py"]


def test_options_travel_as_codes_and_pickle():
    options = RunOptions(all_rules(), RuleOptions(unsafe_fixes=True, settings={"k": [1]}), write=True)
    spec = spec_for(options)
    assert all(isinstance(ref, str) for ref in spec.rules)
    rebuilt = options_from_spec(pickle.loads(pickle.dumps(spec)))
    assert rebuilt == options
    custom = spec_for(RunOptions((ExplodingRule,)))
    assert custom.rules == (ExplodingRule,)
    assert isinstance(pickle.loads(pickle.dumps(WorkerSpec(("CDK004",), RuleOptions(), False))), WorkerSpec)


def test_chunking_keeps_order():
    items = [str(i) for i in range(1000)]
    chunks = chunked(items, 2)
    assert [x for chunk in chunks for x in chunk] == items
    assert max(len(c) for c in chunks) <= 32
    assert chunked([], 2) == []


def test_files_go_out_largest_first_so_the_last_tasks_are_small(tmp_path):
    sizes = {"a.py": 10, "b.py": 300, "c.py": 10, "d.py": 50}
    for name, size in sizes.items():
        (tmp_path / name).write_text("x" * size)
    names = [str(tmp_path / n) for n in ("a.py", "b.py", "missing.py", "c.py", "d.py")]
    assert largest_first(names) == [1, 4, 0, 3, 2]  # ties keep their order; an unreadable file counts as empty


def test_chunks_shrink_towards_the_end_so_workers_finish_together():
    sizes = [len(chunk) for chunk in chunked(list(range(385)), 2)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > 4 * sizes[-1]
    assert sizes[-1] <= 4


@pytest.mark.parametrize("start_method", [None, "forkserver", "spawn"])
def test_two_jobs_equal_one_job(tmp_path, start_method):
    paths = _corpus(tmp_path)
    options = RunOptions(select_rules(["CDK004"]))
    one = run_files(paths, options, 1)
    two = run_files(paths, options, 2, start_method=start_method)
    assert [o.path for o in two] == [str(p) for p in paths]
    assert two == one
    assert any(o.findings for o in one) and any(o.errors for o in one)
    assert any("syntax error" in e for o in one for e in o.errors)


def test_parallel_apply_writes_files(tmp_path):
    paths = _corpus(tmp_path, 8)
    outcomes = run_files(paths, RunOptions(select_rules(["CDK004"]), write=True), 2)
    written = [o for o in outcomes if o.written]
    assert written and all("route53_targets" in Path(o.path).read_text() for o in written)


def test_a_crashing_rule_is_one_files_error(tmp_path):
    paths = _corpus(tmp_path, 6)
    boom = tmp_path / "boom.py"
    boom.write_text("EXPLODE = 1\n")
    paths.insert(2, boom)
    options = RunOptions((*select_rules(["CDK004"]), ExplodingRule))
    one = run_files(paths, options, 1)
    two = run_files(paths, options, 2, start_method="spawn")
    assert one == two
    failed = next(o for o in one if o.path == str(boom))
    assert failed.errors == [f"{boom}:0:0: internal error: RuntimeError: boom"]
    assert sum(1 for o in one if any("internal error" in e for e in o.errors)) == 1


def test_a_dying_worker_costs_only_its_file(tmp_path):
    paths = _corpus(tmp_path, 6)
    die = tmp_path / "die.py"
    die.write_text("DIE_NOW = 1\n")
    paths.insert(3, die)
    options = RunOptions((*select_rules(["CDK004"]), ExplodingRule))
    outcomes = run_files(paths, options, 2)
    assert [o.path for o in outcomes] == [str(p) for p in paths]
    dead = outcomes[3]
    assert dead.errors == [f"{die}:0:0: internal error: the worker process died while processing this file"]
    others = [o for o in outcomes if o is not dead]
    assert others == run_files([p for p in paths if p != die], options, 1)


def test_cache_is_shared_with_workers(tmp_path, monkeypatch):
    from cdkfix.cache import Cache

    monkeypatch.delenv("CDKFIX_CACHE_DIR", raising=False)
    paths = _corpus(tmp_path / "src", 8)
    options = RunOptions(select_rules(["CDK004"]))
    cache = Cache(tmp_path)
    first = run_files(paths, options, 2, cache=cache)
    entries = list((tmp_path / ".cdkfix_cache").rglob("*.json"))
    assert entries, "workers wrote cache entries"
    assert run_files(paths, options, 1, cache=cache) == first
    assert cache.hits >= len(entries)


def test_progress_bar_does_not_change_results(tmp_path):
    paths = _corpus(tmp_path, 4)
    options = RunOptions(select_rules(["CDK004"]))
    assert run_files(paths, options, 2, progress=True) == run_files(paths, options, 1, progress=True)


def test_projects_reach_the_workers(tmp_path):
    from cdkfix.project import Project
    from cdkfix.runner import process_file

    paths = _corpus(tmp_path / "a", 6)[:6]
    probe = tmp_path / "a" / "probe.py"
    probe.write_text("PROJECT_PROBE = 1\n")
    paths.append(probe)
    project = Project.from_paths([p for p in paths if p.suffix == ".py"])
    projects = [project] * len(paths)
    options = RunOptions((*select_rules(["CDK004"]), ProjectProbeRule))
    expected = [process_file(p, options, project) for p in paths]
    assert expected[-1].findings[0].message == f"project of {len(project.files)} files"
    assert run_files(paths, options, 2, projects=projects, start_method="spawn") == expected
    assert run_files(paths, options, 1, projects=projects) == expected
    with pytest.raises(ValueError):
        run_files(paths, options, 1, projects=projects[:-1])


def test_a_worker_that_cannot_load_the_rules_reports_it_per_file(tmp_path):
    from cdkfix.parallel import _context, _run_pool

    paths = [str(p) for p in _corpus(tmp_path, 4)[:4]]
    spec = WorkerSpec(("CDK999",), RuleOptions(), False)
    outcomes = _run_pool([(p, -1) for p in paths], spec, 2, False, _context("spawn"))
    assert [o.path for o in outcomes] == paths
    for outcome in outcomes:
        assert len(outcome.errors) == 1 and "could not load the rules" in outcome.errors[0]
        assert "CDK999" in outcome.errors[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is the default on Linux only")
def test_workers_are_forked_only_while_no_other_thread_runs(monkeypatch):
    # Other tests may leave a thread behind (a pool's manager thread): the count is what decides.
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert default_start_method() == "fork"
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert default_start_method() in ("forkserver", "spawn")


def test_a_run_tunes_the_garbage_collector_and_gives_it_back_as_it_found_it(tmp_path):
    import gc

    paths = _corpus(tmp_path, count=8)
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    seen = []

    class Probe(Rule):
        code, name, title = "CDK999", "probe", "records the collector's threshold during the run"

        @classmethod
        def may_fire(cls, source: str) -> bool:
            seen.append(gc.get_threshold()[0])
            return False

    run_files(paths, RunOptions([Probe]), 1)
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
    assert seen and all(value >= 100_000 for value in seen)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patched worker function reaches the workers by fork")
def test_an_outcome_that_cannot_be_sent_back_is_that_files_error(tmp_path, monkeypatch):
    import cdkfix.parallel as parallel
    from cdkfix.runner import FileOutcome

    paths = [str(p) for p in _corpus(tmp_path, 8)[:8]]
    poisoned = paths[5]

    def work_chunk(items):  # a lambda cannot be pickled: the whole chunk's answer fails
        return [FileOutcome(path, output=(lambda: None) if path == poisoned else None) for path, _ in items]

    monkeypatch.setattr(parallel, "_work_chunk", work_chunk)
    outcomes = run_files(paths, RunOptions(select_rules(["CDK004"])), 2, start_method="fork")
    assert [o.path for o in outcomes] == paths
    assert outcomes[5].errors and "could not be sent back" in outcomes[5].errors[0]
    assert "pickle" in outcomes[5].errors[0].lower()
    assert all(not o.errors for i, o in enumerate(outcomes) if i != 5)
