"""The content-hash outcome cache: hits, misses, invalidation, corruption, and equality with no cache."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from cdkfix.cache import (
    CACHE_DIR_NAME,
    Cache,
    cache_key,
    index_version,
    outcome_from_value,
    outcome_to_value,
    process_file_cached,
)
from cdkfix.registry import all_rules, select_rules
from cdkfix.rule import RuleOptions
from cdkfix.runner import RunOptions, process_file

BROKEN = (
    "from aws_cdk import aws_route53 as route53\n"
    "target = route53.RecordTarget.from_alias(route53.targets.LoadBalancerTarget(alb))\n"
)
CLEAN = "from aws_cdk import Stack\n\nclass S(Stack):\n    pass\n"


@pytest.fixture(autouse=True)
def _no_env_cache_dir(monkeypatch):
    monkeypatch.delenv("CDKFIX_CACHE_DIR", raising=False)


def test_key_changes_with_every_input():
    rules = all_rules()
    base = cache_key(b"x = 1\n", rules, RunOptions(rules), "2.275.0:abc", path="a.py")
    assert base == cache_key(b"x = 1\n", list(reversed(rules)), RunOptions(rules), "2.275.0:abc", path="a.py")
    assert base == cache_key(b"x = 1\n", [r.code for r in rules], RunOptions(rules, write=True), "2.275.0:abc",
                             path="a.py"), "writing does not change the outcome"
    variants = [
        cache_key(b"x = 2\n", rules, RunOptions(rules), "2.275.0:abc", path="a.py"),
        cache_key(b"x = 1\n", rules[:-1] or ["CDK000"], RunOptions(rules), "2.275.0:abc", path="a.py"),
        cache_key(b"x = 1\n", rules, RunOptions(rules, RuleOptions(unsafe_fixes=True)), "2.275.0:abc", path="a.py"),
        cache_key(b"x = 1\n", rules, RunOptions(rules, RuleOptions(cdk_version="2.200.0")), "2.275.0:abc", path="a.py"),
        cache_key(b"x = 1\n", rules, RunOptions(rules, RuleOptions(settings={"k": 1})), "2.275.0:abc", path="a.py"),
        cache_key(b"x = 1\n", rules, RunOptions(rules), "2.276.0:def", path="a.py"),
        cache_key(b"x = 1\n", rules, RunOptions(rules), "2.275.0:abc", path="a.md"),
    ]
    assert base not in variants and len(set(variants)) == len(variants)


def test_key_changes_with_the_cdkfix_version(monkeypatch):
    import cdkfix.cache as module

    before = cache_key(b"x", ["CDK004"], None, "i")
    monkeypatch.setattr(module, "__version__", "99.0.0")
    assert cache_key(b"x", ["CDK004"], None, "i") != before


def test_put_get_and_layout(tmp_path):
    cache = Cache(tmp_path)
    key = cache_key(b"data", ["CDK004"], None, "i")
    assert cache.get(key) is None
    assert cache.put(key, {"answer": 42})
    assert cache.get(key) == {"answer": 42}
    entry = tmp_path / CACHE_DIR_NAME / "v1" / key[:2] / f"{key[2:]}.json"
    assert entry.is_file()
    assert (tmp_path / CACHE_DIR_NAME / "CACHEDIR.TAG").is_file()
    assert (tmp_path / CACHE_DIR_NAME / ".gitignore").read_text().strip().endswith("*")
    assert not [p for p in entry.parent.iterdir() if p.name.startswith(".tmp-")], "no temporary files left"
    assert (cache.hits, cache.misses) == (1, 1)


def test_env_var_moves_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CDKFIX_CACHE_DIR", str(tmp_path / "elsewhere"))
    cache = Cache(tmp_path / "project")
    cache.put("ab" * 32, {"v": 1})
    assert (tmp_path / "elsewhere" / "v1").is_dir()
    assert not (tmp_path / "project" / CACHE_DIR_NAME).exists()


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"key": "other", "value": {}}', b"\xff\xfe", b"[1, 2]",
                                     b'{"key": "KEY", "value": 3}'])
def test_corrupt_entries_are_misses(tmp_path, content):
    cache = Cache(tmp_path)
    key = "cd" * 32
    cache.put(key, {"v": 1})
    entry = cache._entry(key)
    entry.write_bytes(content.replace(b"KEY", key.encode()))
    assert cache.get(key) is None
    assert cache.put(key, {"v": 2}) and cache.get(key) == {"v": 2}, "a corrupt entry is overwritten"


def test_unwritable_cache_is_skipped(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(tmp_path, directory=blocker / "cache")
    assert cache.put("ef" * 32, {"v": 1}) is False
    assert cache.get("ef" * 32) is None


def test_outcome_round_trip(tmp_path):
    path = tmp_path / "stack.py"
    path.write_text(BROKEN)
    options = RunOptions(select_rules(["CDK004"]))
    outcome = process_file(path, options)
    assert outcome.changed and outcome.findings
    value = json.loads(json.dumps(outcome_to_value(outcome)))
    assert outcome_from_value(value, str(path), BROKEN) == outcome
    with pytest.raises(ValueError):
        outcome_from_value({**value, "output": value["output"] + "tampered"}, str(path), BROKEN)
    with pytest.raises(ValueError):
        outcome_from_value({"findings": []}, str(path), BROKEN)


@pytest.mark.parametrize("write", [False, True])
def test_cached_run_equals_uncached_run(tmp_path, write):
    files = {"broken.py": BROKEN, "clean.py": CLEAN, "bad.py": "def f(:\n", "answer.md": f"```python\n{BROKEN}```\n"}
    options = RunOptions(select_rules(["CDK004"]), write=write)

    def run(directory: Path, cache):
        directory.mkdir()
        for name, text in files.items():
            (directory / name).write_text(text)
        return [process_file_cached(directory / name, options, cache) for name in sorted(files)]

    plain = [process_file(p, options) for p in _make(tmp_path / "plain", files)]
    cache = Cache(tmp_path)
    first = run(tmp_path / "c1", cache)
    assert cache.misses == len(files) and cache.hits == 0
    assert [_strip(o, tmp_path / "c1") for o in first] == [_strip(o, tmp_path / "plain") for o in plain]
    if not write:
        again = [process_file_cached(tmp_path / "c1" / name, options, cache) for name in sorted(files)]
        assert cache.hits == len(files)
        assert again == first
    else:
        # The written files changed: a second run is a miss for them and a no-op.
        again = [process_file_cached(tmp_path / "c1" / name, options, cache) for name in sorted(files)]
        assert not any(o.changed for o in again)


def test_rule_or_option_change_invalidates(tmp_path):
    path = tmp_path / "stack.py"
    path.write_text(BROKEN)
    cache = Cache(tmp_path)
    safe = RunOptions(select_rules(["CDK004"]))
    process_file_cached(path, safe, cache)
    process_file_cached(path, safe, cache)
    assert (cache.hits, cache.misses) == (1, 1)
    process_file_cached(path, dataclasses.replace(safe, rule_options=RuleOptions(unsafe_fixes=True)), cache)
    process_file_cached(path, RunOptions(all_rules()), cache)
    assert cache.misses == 3 - (len(all_rules()) == 1)  # "all rules" is CDK004 alone while it is the only rule


def test_index_version_names_the_bundled_index():
    assert index_version().startswith("2.275.0:")


def _make(directory: Path, files: dict[str, str]) -> list[Path]:
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    return [directory / name for name in sorted(files)]


def _strip(outcome, directory: Path):
    """An outcome with its directory removed from every path, to compare runs in different folders."""
    text = json.dumps(dataclasses.asdict(outcome)).replace(str(directory), "<dir>")
    return json.loads(text)


def test_the_code_fingerprint_is_part_of_the_key_and_fixed_per_cache(tmp_path):
    path = tmp_path / "stack.py"
    path.write_text(BROKEN)
    options = RunOptions(select_rules(["CDK004"]))
    old, new = Cache(tmp_path, code="old-rules"), Cache(tmp_path, code="new-rules")
    process_file_cached(path, options, old)
    process_file_cached(path, options, new)
    assert (new.hits, new.misses) == (0, 1), "changed rule sources invalidate the cache"
    process_file_cached(path, options, Cache(tmp_path, code="old-rules"))
    assert len(list((tmp_path / CACHE_DIR_NAME).rglob("*.json"))) == 2


def test_a_change_elsewhere_in_the_project_invalidates(tmp_path):
    from cdkfix.project import Project

    path, other = tmp_path / "stack.py", tmp_path / "other.py"
    path.write_text(BROKEN)
    other.write_text("x = 1\n")
    options = RunOptions(select_rules(["CDK004"]))
    cache = Cache(tmp_path)
    first = process_file_cached(path, options, cache, Project.from_paths([path, other]))
    again = process_file_cached(path, options, cache, Project.from_paths([path, other]))
    assert again == first and cache.hits == 1
    other.write_text("x = 2\n")
    process_file_cached(path, options, cache, Project.from_paths([path, other]))
    assert cache.misses == 2
    process_file_cached(path, options, cache)  # outside a project: its own key
    assert cache.misses == 3
