"""A content-hash cache of file outcomes, so re-running cdkfix on an unchanged corpus is nearly free.

The key is a sha256 over everything that decides a file's outcome:

- the file's bytes and its display path (findings, diffs and errors name the path; ``.md`` and ``.py`` are
  processed differently);
- the cdkfix version *and* a fingerprint of the engine and rule sources (so editing a rule in a checkout
  invalidates the cache without a version bump);
- the sorted codes of the selected rules, the unsafe-fixes flag, the aws-cdk-lib version and the rule
  settings;
- the API index version (:func:`index_version`: the index file's version and content hash).

The value is the :class:`~cdkfix.runner.FileOutcome` as JSON (findings, diffs, errors, unused
suppressions, and the output text when the file changed, with its hash). Entries live in
``.cdkfix_cache/`` in the project root (or ``$CDKFIX_CACHE_DIR``), one small file per key in 256 shard
directories, each written atomically (temporary file + rename). A missing, truncated or otherwise corrupt
entry is a miss; a cache that cannot be written is silently skipped. The caller honours ``--no-cache`` by
not using a :class:`Cache` at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from functools import cache as memoize
from pathlib import Path
from typing import Any

from cdkfix import __version__
from cdkfix.rule import Finding, RuleOptions
from cdkfix.runner import FileOutcome, RunOptions, fix_text, write_outcome
from cdkfix.sources import SourceError, read_source

CACHE_DIR_NAME = ".cdkfix_cache"
ENV_CACHE_DIR = "CDKFIX_CACHE_DIR"
#: Bumped when the key or value layout changes.
CACHE_FORMAT = 1

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by cdkfix.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@memoize
def code_fingerprint() -> str:
    """A hash of the engine's and the rules' source files (``cdkfix/*.py``, ``codemods/*.py``)."""
    import codemods

    import cdkfix

    digest = hashlib.sha256()
    for package in (cdkfix, codemods):
        base = Path(package.__file__).parent
        for path in sorted(base.glob("*.py")):
            digest.update(path.name.encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"?")
    return digest.hexdigest()[:16]


@memoize
def index_version(cdk_version: str | None = None) -> str:
    """``<version>:<hash>`` of the API index a run with ``cdk_version`` uses ("none" when there is none)."""
    try:
        from cdkfix.api_index import BUNDLED_VERSION, find_index_file
    except ImportError:  # pragma: no cover - an engine without an API index
        return "none"
    version = cdk_version or BUNDLED_VERSION
    path = find_index_file(version)
    if path is None:
        return f"{version}:missing"
    try:
        return f"{version}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    except OSError:
        return f"{version}:unreadable"


def project_fingerprint(project: Any) -> str:
    """A hash of the texts a project's cross-file rules can see (computed once per Project object)."""
    cached = getattr(project, "_cdkfix_fingerprint", None)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    for name, text in sorted(project.files.items()):
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    value = digest.hexdigest()[:32]
    try:
        project._cdkfix_fingerprint = value
    except AttributeError:  # pragma: no cover - a Project with __slots__
        pass
    return value


def _rule_codes(rules: Iterable[Any]) -> list[str]:
    return sorted(rule if isinstance(rule, str) else rule.code for rule in rules)


def cache_key(data: bytes, rules: Iterable[Any], options: RunOptions | RuleOptions | None, index_version: str,
              *, path: str = "", code: str | None = None, project: str | None = None) -> str:
    """The cache key of one file's outcome.

    ``rules`` are rule classes or codes; ``options`` a :class:`RunOptions` or :class:`RuleOptions` (only the
    rule options matter: whether the file is written afterwards does not change the outcome). ``code`` is
    the :func:`code_fingerprint` to use (default: this process's); ``project`` the
    :func:`project_fingerprint` when the file is processed as part of a project (cross-file rules make its
    outcome depend on the other files).
    """
    rule_options = options.rule_options if isinstance(options, RunOptions) else (options or RuleOptions())
    material = {
        "format": CACHE_FORMAT,
        "cdkfix": __version__,
        "code": code or code_fingerprint(),
        "rules": _rule_codes(rules),
        "unsafe": bool(rule_options.unsafe_fixes),
        "unsafe_diffs": options.unsafe_diffs if isinstance(options, RunOptions) else True,
        "cdk_version": rule_options.cdk_version,
        "settings": rule_options.settings,
        "index": index_version,
        "path": path,
        "project": project,
        "data": hashlib.sha256(data).hexdigest(),
    }
    text = json.dumps(material, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Cache:
    """Cache entries under ``root/.cdkfix_cache`` (or ``$CDKFIX_CACHE_DIR`` when set)."""

    def __init__(self, root: Path | str, *, directory: Path | str | None = None, code: str | None = None) -> None:
        env = os.environ.get(ENV_CACHE_DIR)
        #: The code fingerprint in the keys: fixed when the cache is created, and handed to worker processes
        #: so every process of a run uses the same keys even if sources change on disk during the run.
        self.code = code or code_fingerprint()
        self.directory = Path(directory) if directory is not None else Path(env) if env else Path(root) / CACHE_DIR_NAME
        self._prepared = False
        self.hits = 0
        self.misses = 0

    def _entry(self, key: str) -> Path:
        return self.directory / f"v{CACHE_FORMAT}" / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The value stored under ``key``, or None (missing or corrupt entries are misses)."""
        try:
            raw = self._entry(key).read_bytes()
            entry = json.loads(raw)
            if isinstance(entry, dict) and entry.get("key") == key and isinstance(entry.get("value"), dict):
                self.hits += 1
                return entry["value"]
        except (OSError, ValueError, UnicodeDecodeError):
            pass
        self.misses += 1
        return None

    def put(self, key: str, value: Mapping[str, Any]) -> bool:
        """Store ``value`` (JSON-ready) under ``key`` atomically; False when the cache cannot be written."""
        target = self._entry(key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps({"key": key, "value": value}, separators=(",", ":"), ensure_ascii=False)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                os.replace(tmp, target)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, TypeError, ValueError):
            return False
        return True

    def _prepare(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by cdkfix.\n*\n")):
            marker = self.directory / name
            if not marker.exists():
                try:
                    marker.write_text(text, encoding="utf-8")
                except OSError:
                    pass
        self._prepared = True


# -- FileOutcome <-> JSON --------------------------------------------------------------------------------------
def outcome_to_value(outcome: FileOutcome) -> dict[str, Any]:
    """The JSON-ready cache value of an outcome (before any write: ``written`` is not kept)."""
    output = outcome.output if outcome.changed else None
    return {
        "findings": [f.to_dict() for f in outcome.findings],
        "diffs": list(outcome.diffs),
        "errors": list(outcome.errors),
        "changed": outcome.changed,
        "unused_suppressions": list(outcome.unused_suppressions),
        "output": output,
        "output_sha256": hashlib.sha256(output.encode("utf-8", "surrogatepass")).hexdigest() if output else None,
    }


def outcome_from_value(value: Mapping[str, Any], path: str, text: str | None = None) -> FileOutcome:
    """Rebuild an outcome; ``text`` (the decoded input) becomes the output of an unchanged file.

    Raises ``ValueError`` for a value that does not have the expected shape.
    """
    try:
        findings = [Finding(**item) for item in value["findings"]]
        changed = bool(value["changed"])
        output = value.get("output") if changed else text
        if changed:
            if not isinstance(output, str):
                raise ValueError("changed outcome without output")
            digest = hashlib.sha256(output.encode("utf-8", "surrogatepass")).hexdigest()
            if value.get("output_sha256") != digest:
                raise ValueError("output hash mismatch")
        return FileOutcome(path, findings=findings, diffs=list(value["diffs"]), errors=list(value["errors"]),
                           changed=changed, output=output,
                           unused_suppressions=list(value.get("unused_suppressions", ())))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"bad cache value: {exc}") from None


def process_file_cached(path: Path, options: RunOptions, cache: Cache | None, project: Any = None, *,
                        index: str | None = None) -> FileOutcome:
    """:func:`cdkfix.runner.process_file` with the cache in front (no cache: the same as process_file).

    ``project`` is the :class:`cdkfix.project.Project` the file belongs to, as for ``process_file``.
    ``index`` is the :func:`index_version` string (computed from the options when omitted).
    """
    display = str(path)
    try:
        data, decoded = read_source(path)
    except SourceError as exc:
        return FileOutcome(display, errors=[str(exc)])
    outcome: FileOutcome | None = None
    key = None
    if cache is not None:
        index = index if index is not None else index_version(options.rule_options.cdk_version)
        key = cache_key(data, options.rules, options, index, path=display, code=cache.code,
                        project=project_fingerprint(project) if project is not None else None)
        value = cache.get(key)
        if value is not None:
            try:
                outcome = outcome_from_value(value, display, decoded.text)
            except ValueError:
                outcome = None
    if outcome is None:
        outcome = fix_text(decoded.text, display, options, project)
        if cache is not None and key is not None:
            cache.put(key, outcome_to_value(outcome))
    if options.write and outcome.changed and outcome.output is not None:
        write_outcome(path, decoded, outcome)
    return outcome
