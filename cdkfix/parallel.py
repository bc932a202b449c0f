"""Processing many files on several cores, with results identical to a one-process run.

:func:`run_files` sends files in chunks to worker processes, each over a pipe of its own, and returns one
:class:`~cdkfix.runner.FileOutcome` per path, in input order. It is safe with every start method
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

import collections
import contextlib
import gc
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing import connection
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
    # Never raise here: a worker that cannot start dies, and every chunk sent to its replacements would be
    # lost the same way. The error is reported per file instead.
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


#: Chunks a worker holds at a time. One: a second chunk waiting in a worker's pipe saves a round trip
#: (a few tenths of a millisecond) but can leave the other worker idle at the end of the run for as long
#: as that chunk takes, which was 15 ms of a 180 ms run.
AHEAD = 1


def _run_pool(items: list[tuple[str, int]], spec: WorkerSpec, jobs: int, progress: bool,
              context) -> list[FileOutcome]:
    names = [name for name, _ in items]
    results: dict[int, FileOutcome] = {}
    pending = collections.deque(chunked(largest_first(names), jobs))  # chunks of indexes
    failed: list[int] = []
    workers: list[_Worker] = []
    bar = _Progress(len(names)) if progress else None
    try:
        for _ in range(min(jobs, len(pending))):  # each worker starts on its first chunk before the next forks
            workers.append(_Worker(context, spec))
            workers[-1].feed(pending, items)
        while any(worker.chunks for worker in workers):
            busy = [worker for worker in workers if worker.chunks]
            ready = set(connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                done, lost = worker.collect()
                for chunk, outcomes in done:
                    if outcomes is None:  # an outcome that could not be sent back: retried file by file
                        failed.extend(chunk)
                    else:
                        results.update(zip(chunk, outcomes))
                    if bar:
                        bar.advance(len(chunk))
                if lost:  # the worker died: its chunks are retried file by file, a new worker takes the rest
                    failed.extend(index for chunk in lost for index in chunk)
                    if bar:
                        bar.advance(sum(map(len, lost)))
                    workers[workers.index(worker)] = worker = _Worker(context, spec) if pending else worker
                worker.feed(pending, items)
        if failed:
            results.update(_isolate(items, sorted(failed), spec, context))
    finally:
        # Not joined: a worker's last answer comes after its last write (files, cache entries), so the run
        # is complete; the processes exit on their own and multiprocessing reaps them (at the next start of
        # a process, or at exit), which saves the milliseconds their teardown takes.
        for worker in workers:
            worker.stop()
        if bar:
            bar.close()
    return [results[i] for i in range(len(names))]


def _isolate(items: list[tuple[str, int]], indexes: list[int], spec: WorkerSpec,
             context) -> dict[int, FileOutcome]:
    """Retry files one at a time in a single worker, replacing it whenever it dies."""
    results: dict[int, FileOutcome] = {}
    worker: _Worker | None = None
    try:
        for index in indexes:
            if worker is None:
                worker = _Worker(context, spec)
            name = items[index][0]
            worker.feed(collections.deque([[index]]), items)
            done, lost = worker.collect(block=True)
            if lost:
                worker = None
                results[index] = FileOutcome(name, errors=[
                    f"{name}:0:0: internal error: the worker process died while processing this file"])
            elif done[0][1] is None:
                results[index] = FileOutcome(name, errors=[
                    f"{name}:0:0: internal error: the outcome could not be sent back: {worker.last_error}"])
            else:
                results[index] = done[0][1][0]
    finally:
        if worker is not None:
            worker.stop()
    return results


def _worker_main(conn, spec: WorkerSpec) -> None:
    """A worker process: chunks of ``(path, project position)`` in, ``(True, outcomes)`` out, until ``None``
    or the end of the pipe. ``(False, reason)`` answers a chunk whose outcomes cannot be pickled."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _init_worker(spec)
    while True:
        try:
            items = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if items is None:
            return
        outcomes = _work_chunk(items)
        try:
            conn.send((True, outcomes))
        except OSError:  # the parent is gone
            return
        except Exception as exc:  # pickling failed before anything was written
            conn.send((False, f"{type(exc).__name__}: {exc}"))


class _Worker:
    """A worker process, the parent's end of its pipe, and the chunks sent to it and not yet answered.

    A pipe per worker and no helper thread in this process (``concurrent.futures`` pools pass each task
    and result through two threads of the parent): results are read as soon as they arrive, the next chunk
    goes out at once, and a worker can be replaced with ``fork`` at any time because this process runs no
    other thread. A run's fixed cost went from about 25 ms to about 10 ms."""

    def __init__(self, context, spec: WorkerSpec) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, spec), daemon=True)
        self.process.start()
        child.close()  # else the pipe would not report the worker's death
        self.chunks: collections.deque[list[int]] = collections.deque()
        self.last_error = ""

    def feed(self, pending: collections.deque[list[int]], items: list[tuple[str, int]]) -> None:
        """Send chunks from ``pending`` until the worker holds :data:`AHEAD` of them. A chunk that cannot be
        sent (the worker has died) is held all the same: :meth:`collect` returns it as lost."""
        while pending and len(self.chunks) < AHEAD:
            chunk = pending.popleft()
            with contextlib.suppress(OSError):
                self.conn.send([items[i] for i in chunk])
            self.chunks.append(chunk)

    def collect(self, block: bool = False) -> tuple[list[tuple[list[int], list[FileOutcome] | None]],
                                                    list[list[int]]]:
        """The answered chunks (outcomes, or None when they could not be sent), and the chunks lost if the
        worker has died. Reads what is in the pipe without waiting, unless ``block``."""
        done: list[tuple[list[int], list[FileOutcome] | None]] = []
        try:
            while self.chunks and (block and not done or self.conn.poll()):
                ok, payload = self.conn.recv()
                chunk = self.chunks.popleft()
                if not ok:
                    self.last_error = payload
                done.append((chunk, payload if ok else None))
        except (EOFError, OSError):  # the worker died, possibly halfway through writing an answer
            pass
        else:
            if not self.chunks or self.process.is_alive():
                return done, []
        self.process.join()
        self.conn.close()
        lost, self.chunks = list(self.chunks), collections.deque()
        return done, lost

    def stop(self) -> None:
        """Ask the worker to exit (or kill it if it is busy: the run is being abandoned)."""
        if self.chunks and self.process.is_alive():
            self.process.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.conn.close()


class _Progress:
    """A rich progress bar on stderr, redrawn by whoever advances it (at most ten times a second) rather than
    by a thread of its own: the pool may fork a worker at any time, which is only safe in a process that
    runs no other thread."""

    INTERVAL = 0.1

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("cdkfix"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                  console=Console(file=sys.stderr), transient=True, auto_refresh=False)
        self._task = self._progress.add_task("files", total=total)
        self._progress.start()
        self._drawn = time.monotonic()

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)
        now = time.monotonic()
        if now - self._drawn >= self.INTERVAL:
            self._drawn = now
            self._progress.refresh()

    def close(self) -> None:
        self._progress.stop()
