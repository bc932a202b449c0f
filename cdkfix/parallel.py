"""Processing many files on several cores, with results identical to a one-process run.

:func:`run_files` sends files in chunks to a :class:`concurrent.futures.ProcessPoolExecutor` and returns
one :class:`~cdkfix.runner.FileOutcome` per path, in input order. It is safe with every start method
(``spawn``, ``forkserver``, ``fork``): the worker functions live at module level and the options travel as
plain data — rule *codes*, looked up again in the worker through :func:`cdkfix.registry.select_rules`
(a rule class that is not in the registry is sent by reference and must be importable).

Nothing a worker does can stop the run: an exception while processing a file becomes that file's error,
and a worker process that dies (a crash in native code, the OOM killer) is replaced; the files of its chunk
are retried one at a time so only the file that kills a worker is reported as failed.

``jobs=1`` runs in this process, with the same per-file error handling, so ``-j 1`` and ``-j N`` give equal
outcomes.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdkfix.rule import Rule, RuleOptions
from cdkfix.runner import FileOutcome, RunOptions

#: Upper bound of files per task: small enough to balance the load, large enough to amortize pickling.
MAX_CHUNK = 32
#: Lower bound: a task's round trip costs about as much as a clean file.
MIN_CHUNK = 4


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to rebuild the run's options: picklable with any start method."""

    rules: tuple[str | type[Rule], ...]
    rule_options: RuleOptions
    write: bool
    unsafe_diffs: bool = True
    cache_dir: str | None = None
    cache_code: str | None = None
    #: The projects files belong to (sent once per worker; a chunk names them by position).
    projects: tuple[Any, ...] = ()


def _rule_refs(rules: Sequence[type[Rule]]) -> tuple[str | type[Rule], ...]:
    from cdkfix.registry import all_rules

    registered = {rule.code: rule for rule in all_rules()}
    return tuple(rule.code if registered.get(rule.code) is rule else rule for rule in rules)


def spec_for(options: RunOptions, cache: Any = None, projects: Sequence[Any] = ()) -> WorkerSpec:
    """The picklable form of ``options`` (and of the :class:`cdkfix.cache.Cache` in use, if any)."""
    return WorkerSpec(_rule_refs(options.rules), options.rule_options, options.write, options.unsafe_diffs,
                      str(cache.directory) if cache is not None else None,
                      getattr(cache, "code", None) if cache is not None else None, tuple(projects))


def options_from_spec(spec: WorkerSpec) -> RunOptions:
    """Rebuild :class:`RunOptions` from a :class:`WorkerSpec` (rules looked up by code, order kept)."""
    from cdkfix.registry import select_rules

    codes = [ref for ref in spec.rules if isinstance(ref, str)]
    found = {rule.code: rule for rule in select_rules(codes)} if codes else {}
    rules = tuple(found[ref] if isinstance(ref, str) else ref for ref in spec.rules)
    return RunOptions(rules, spec.rule_options, spec.write, spec.unsafe_diffs)


# -- worker side (module level: importable by spawned processes) --------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(spec: WorkerSpec) -> None:
    # Never raise here: a failing initializer breaks the whole pool. The error is reported per file instead.
    _WORKER.clear()
    try:
        options = options_from_spec(spec)
    except Exception as exc:
        _WORKER["init_error"] = f"{type(exc).__name__}: {exc}"
        return
    _WORKER["options"] = options
    _WORKER["projects"] = spec.projects
    _WORKER["cache"] = None
    if spec.cache_dir is not None:
        from cdkfix.cache import Cache

        _WORKER["cache"] = Cache(spec.cache_dir, directory=spec.cache_dir, code=spec.cache_code)
    try:  # warm the API index once per process rather than in the first file
        from codemods._helpers import index

        index(options.rule_options)
    except Exception:
        pass
    _tune_gc()  # a worker lives for one run: what it holds now (index, rules) need never be collected


def process_one(path: str, options: RunOptions, cache: Any = None, project: Any = None) -> FileOutcome:
    """Process one file; any exception becomes the file's error (never raises)."""
    try:
        if cache is not None:
            from cdkfix.cache import process_file_cached

            return process_file_cached(Path(path), options, cache, project)
        from cdkfix.runner import process_file

        return process_file(Path(path), options, project)
    except Exception as exc:  # a bug must cost one file, not the run
        if os.environ.get("CDKFIX_DEBUG"):
            raise
        return FileOutcome(path, errors=[f"{path}:0:0: internal error: {type(exc).__name__}: {exc}"])


def _work_chunk(items: Sequence[tuple[str, int]]) -> list[FileOutcome]:
    if "init_error" in _WORKER:
        return [FileOutcome(path, errors=[f"{path}:0:0: internal error: the worker could not load the rules: "
                                          f"{_WORKER['init_error']}"]) for path, _ in items]
    options, projects, cache = _WORKER["options"], _WORKER["projects"], _WORKER.get("cache")
    return [process_one(path, options, cache, projects[k] if k >= 0 else None) for path, k in items]


# -- caller side -------------------------------------------------------------------------------------------
def default_start_method() -> str:
    """``fork`` on Linux while this process runs no other thread: workers start in milliseconds with the
    engine, the rules and the API index already loaded (a ``forkserver`` worker pays ~0.2 s to get there,
    more than a few hundred clean files take). Else ``forkserver`` where it exists (thread-safe), else
    ``spawn``. Forking a process that runs threads can deadlock, hence the thread check."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def chunked(items: Sequence[str], jobs: int) -> list[list[str]]:
    """Split ``items`` into chunks that shrink as the run goes on ("guided" scheduling): each is a quarter of
    what is left per worker, at most :data:`MAX_CHUNK` and at least :data:`MIN_CHUNK` items. Large chunks
    early amortize the round trips; small ones at the end let the workers finish together (with equal
    chunks, a worker could sit idle for most of the last chunk's time, a tenth of a short run)."""
    chunks: list[list[str]] = []
    start = 0
    while start < len(items):
        size = max(MIN_CHUNK, min(MAX_CHUNK, math.ceil((len(items) - start) / (jobs * 4))))
        chunks.append(list(items[start:start + size]))
        start += size
    return chunks


def largest_first(names: Sequence[str]) -> list[int]:
    """The indexes of ``names`` by decreasing file size (a file that cannot be stat'ed counts as empty; ties
    keep their order). With the shrinking chunks of :func:`chunked`, the slow files go out first and the
    last tasks are the smallest files, so no worker is left with a big file while the others wait."""
    def size(index: int) -> int:
        try:
            return os.stat(names[index]).st_size
        except OSError:
            return 0

    return sorted(range(len(names)), key=size, reverse=True)


def _context(start_method: str | None):
    method = start_method or default_start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has imported the engine once.
        context.set_forkserver_preload(["cdkfix.parallel", "cdkfix.runner", "cdkfix.registry"])
    return context


def run_files(paths: Sequence[str | Path], options: RunOptions, jobs: int, *, progress: bool = False,
              cache: Any = None, projects: Sequence[Any] | None = None,
              start_method: str | None = None) -> list[FileOutcome]:
    """Process ``paths`` with ``jobs`` processes; one outcome per path, in input order.

    ``jobs <= 0`` means one per CPU; ``jobs == 1`` (or a single file) runs in this process. ``progress``
    shows a rich progress bar on stderr (pass ``sys.stderr.isatty()``). ``cache`` is an optional
    :class:`cdkfix.cache.Cache` (workers open the same directory). ``projects``, aligned with ``paths``,
    gives each file's :class:`cdkfix.project.Project` (or None), as the CLI passes to ``process_file``;
    each distinct project is sent to a worker once. ``start_method`` overrides :func:`default_start_method`.
    """
    names = [str(p) for p in paths]
    per_file = list(projects) if projects is not None else [None] * len(names)
    if len(per_file) != len(names):
        raise ValueError("projects must be aligned with paths")
    if jobs <= 0:
        jobs = os.cpu_count() or 1
    jobs = min(jobs, max(1, len(names)))
    if jobs == 1:
        bar = _Progress(len(names)) if progress else None
        _warm(options)
        try:
            with _frozen_heap():
                outcomes = []
                for name, project in zip(names, per_file):
                    outcomes.append(process_one(name, options, cache, project))
                    if bar:
                        bar.advance(1)
            return outcomes
        finally:
            if bar:
                bar.close()
    unique: list[Any] = []
    positions: dict[int, int] = {}
    for project in per_file:
        if project is not None and id(project) not in positions:
            positions[id(project)] = len(unique)
            unique.append(project)
    items = [(name, positions[id(p)] if p is not None else -1) for name, p in zip(names, per_file)]
    context = _context(start_method)
    if context.get_start_method() == "fork":
        _warm(options)  # forked workers inherit what is loaded here
    # Frozen before the fork too (what the gc docs advise): the workers' collections leave the inherited heap
    # alone instead of touching, and so copying, its pages.
    with _frozen_heap():
        return _run_pool(items, spec_for(options, cache, unique), jobs, progress, context)


#: The youngest generation's collection threshold during a run (CPython's default is 700). A file's run
#: leaves no reference cycles of its own (``tests/test_memory.py``), so nearly everything it allocates is
#: freed by reference counting; collecting every 700 allocations only scanned the live trees of the file
#: at hand again and again: -5% CPU on clean files, -10% on files with findings. The few cycles that
#: libraries make still go at the next collection, a few megabytes at most.
BATCH_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def _frozen_heap():
    """Garbage collection tuned for a batch, restored afterwards for library callers: what exists at the
    start (the API index, the rules and the libraries, which a run keeps alive throughout) is left alone
    (``gc.freeze``), and the youngest generation is collected every :data:`BATCH_GC_THRESHOLD`
    allocations. Each collection of the oldest generation used to walk the whole index again: -14% CPU on
    files with findings, -13% on clean files."""
    threshold = gc.get_threshold()
    _tune_gc()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _tune_gc() -> None:
    """Freeze what exists and raise the youngest generation's threshold (see :func:`_frozen_heap`)."""
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], BATCH_GC_THRESHOLD), *threshold[1:])


def _warm(options: RunOptions) -> None:
    """Load the API index (and with it the rules' caches) before workers are forked from this process."""
    try:
        from codemods._helpers import index

        index(options.rule_options)
    except Exception:  # a worker reports the problem per file, as without warming
        pass


def _run_pool(items: list[tuple[str, int]], spec: WorkerSpec, jobs: int, progress: bool,
              context) -> list[FileOutcome]:
    names = [name for name, _ in items]
    results: dict[int, FileOutcome] = {}
    chunks = chunked(largest_first(names), jobs)  # chunks of indexes
    failed: list[int] = []
    bar: _Progress | None = None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(spec,))
    try:
        futures: list[tuple[list[int], Future]] = [
            (chunk, pool.submit(_work_chunk, [items[i] for i in chunk])) for chunk in chunks]
        if progress:  # started after the workers exist: no thread is running when a `fork` pool forks
            bar = _Progress(len(names))
            for chunk, future in futures:
                future.add_done_callback(lambda _f, n=len(chunk): bar.advance(n))
        for chunk, future in futures:
            try:
                for index, outcome in zip(chunk, future.result()):
                    results[index] = outcome
            except Exception:  # BrokenProcessPool, or an outcome that could not be sent back
                failed.extend(chunk)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        if bar:
            bar.close()
        raise
    pool.shutdown(wait=True)
    if failed:
        results.update(_isolate(items, sorted(failed), spec, context))
    if bar:
        bar.close()
    return [results[i] for i in range(len(names))]


def _isolate(items: list[tuple[str, int]], indexes: list[int], spec: WorkerSpec,
             context) -> dict[int, FileOutcome]:
    """Retry files one at a time in a single worker, replacing it whenever it dies."""
    results: dict[int, FileOutcome] = {}
    pool: ProcessPoolExecutor | None = None
    try:
        for index in indexes:
            if pool is None:
                pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_init_worker,
                                           initargs=(spec,))
            name = items[index][0]
            try:
                results[index] = pool.submit(_work_chunk, [items[index]]).result()[0]
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                pool = None
                results[index] = FileOutcome(name, errors=[
                    f"{name}:0:0: internal error: the worker process died while processing this file"])
            except Exception as exc:
                results[index] = FileOutcome(name, errors=[
                    f"{name}:0:0: internal error: {type(exc).__name__}: {exc}"])
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return results


class _Progress:
    """A rich progress bar on stderr, advanced from the main thread or future callbacks."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("cdkfix"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                  console=Console(file=sys.stderr), transient=True)
        self._task = self._progress.add_task("files", total=total)
        self._progress.start()

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def close(self) -> None:
        self._progress.stop()
