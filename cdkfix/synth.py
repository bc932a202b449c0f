"""Synthesize many CDK Python apps with the real aws-cdk-lib, fast.

Starting the jsii kernel (Node.js) and loading aws-cdk-lib dominates the cost
of ``python app.py``; :func:`synth_apps` therefore runs all the apps of a call
in ONE worker subprocess (``cdkfix/_synth_worker.py``) that starts the kernel
once, then runs each app with ``runpy`` in its own directory, with a fresh
``CDK_OUTDIR``, and with the app's own modules (e.g. ``lib/tap_stack.py``)
dropped from ``sys.modules`` afterwards.  See the worker's docstring for the
isolation details.

    from cdkfix.synth import synth_apps
    for r in synth_apps(sorted(Path("examples/after").glob("*.py")), deprecated="fail"):
        print(r.app, r.ok, r.error, r.templates)

``deprecated`` sets ``JSII_DEPRECATED`` for the worker before the kernel
starts: ``"warn"`` (print a warning), ``"fail"`` (using a deprecated API is an
error) or ``"quiet"``.

If the worker process dies (jsii kernel crash, ``os._exit`` in an app, ...)
or an app runs longer than ``timeout`` seconds, the app that was running gets
an error saying so and the remaining apps are run in a new worker.

Command line: ``python -m cdkfix.synth APP.py [APP.py ...] [--deprecated fail]``
prints ``ok  path (1.2s)`` or ``FAIL path: <error>`` per app and exits 1 when
any app failed.

Calls are independent (each has its own worker), so two may run at once,
e.g. one per ``deprecated`` mode.  POSIX only (process groups, select on
pipes).  Stdlib only: aws-cdk-lib is imported by the worker, never here.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

__all__ = ["SynthResult", "synth_apps", "DEPRECATED_MODES", "main"]

DEPRECATED_MODES = ("warn", "fail", "quiet")

WORKER = Path(__file__).with_name("_synth_worker.py")

#: Time the worker may take to start the jsii kernel and load aws-cdk-lib
#: before the first app (never less than the per-app ``timeout``).
STARTUP_TIMEOUT = 300.0

_MAX_OUTPUT = 6000  # characters of captured app output kept per result


@dataclass(frozen=True)
class SynthResult:
    """Outcome of synthesizing one app.

    ``error`` is one line, ``"<ExceptionType>: <first line of the message>"``
    (for jsii errors the JavaScript error message), or ``"no synth: ..."`` for
    an app that never called ``app.synth()``, or a ``Timeout:`` /
    ``WorkerCrashed:`` line.  ``detail`` is the (trimmed) traceback.
    ``output`` is what the app (and the jsii kernel on its behalf: deprecation
    warnings, ...) printed, best effort and trimmed.
    """

    app: Path
    ok: bool
    error: str | None = None
    error_type: str | None = None
    detail: str = ""
    seconds: float = 0.0
    templates: int = 0
    output: str = ""


def synth_apps(
    apps: Sequence[Path | str],
    *,
    deprecated: str = "warn",
    timeout: float = 600,
    python: str = sys.executable,
    on_result: Callable[[SynthResult], None] | None = None,
) -> list[SynthResult]:
    """Synthesize ``apps`` (paths to ``app.py`` files, or directories holding
    one) in one reused worker; return one result per app, in order.

    ``timeout`` is per app (the worker's start-up has its own allowance,
    :data:`STARTUP_TIMEOUT`).  ``python`` is the interpreter for the worker; it
    must be able to import aws_cdk.  ``on_result`` is called with each result
    as soon as it is known (in completion order).
    """
    if deprecated not in DEPRECATED_MODES:
        raise ValueError(f"deprecated must be one of {DEPRECATED_MODES}, not {deprecated!r}")
    if timeout <= 0:
        raise ValueError("timeout must be positive")

    apps = list(apps)
    results: list[SynthResult | None] = [None] * len(apps)

    def record(index: int, result: SynthResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    pending: list[tuple[int, Path]] = []
    for i, app in enumerate(apps):
        given = Path(app)
        target = Path(os.path.abspath(given))
        if target.is_dir():
            target = target / "app.py"
        if not target.is_file():
            record(
                i,
                SynthResult(
                    app=given,
                    ok=False,
                    error=f"FileNotFoundError: no such app: {target}",
                    error_type="FileNotFoundError",
                ),
            )
        else:
            pending.append((i, target))

    given_paths = [Path(a) for a in apps]
    while pending:
        _run_worker(pending, given_paths, record, deprecated, float(timeout), python)
        pending = [(i, t) for i, t in pending if results[i] is None]
    return [r for r in results if r is not None]


def _worker_env(deprecated: str) -> dict[str, str]:
    env = dict(os.environ)
    env["JSII_DEPRECATED"] = deprecated
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault(
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", ",".join(str(v) for v in range(14, 41))
    )
    return env


def _describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _read_log(path: Path, start: int = 0, end: int | None = None) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(max(0, end - start))
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    if len(text) > _MAX_OUTPUT:
        text = "... [trimmed] ...\n" + text[-_MAX_OUTPUT:]
    return text


def _log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the worker and everything it started (its own process group:
    the worker is started in a new session, so the group id is its pid)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


def _run_worker(
    pending: list[tuple[int, Path]],
    given: list[Path],
    record: Callable[[int, SynthResult], None],
    deprecated: str,
    timeout: float,
    python: str,
) -> None:
    """Run one worker over ``pending``; record a result for every app it
    finishes, and for the app it was running if it died or timed out."""
    with tempfile.TemporaryDirectory(prefix="cdkfix-synth-", ignore_cleanup_errors=True) as tmp:
        job = Path(tmp) / "job.json"
        log = Path(tmp) / "worker.log"
        # TMPDIR for the worker, its jsii kernel and the apps: whatever they
        # leave (a killed kernel cannot clean up) goes away with ``tmp``.
        worker_tmp = Path(tmp) / "tmp"
        worker_tmp.mkdir()
        env = _worker_env(deprecated)
        env["TMPDIR"] = str(worker_tmp)
        job.write_text(
            json.dumps({"apps": [{"index": i, "path": str(p)} for i, p in pending]}),
            encoding="utf-8",
        )
        read_fd, write_fd = os.pipe()
        try:
            with open(log, "ab") as log_w:
                proc = subprocess.Popen(
                    [python, str(WORKER), str(job), str(write_fd)],
                    stdin=subprocess.DEVNULL,
                    stdout=log_w,
                    stderr=subprocess.STDOUT,
                    pass_fds=(write_fd,),
                    env=env,
                    start_new_session=True,
                )
        except BaseException:
            os.close(read_fd)
            os.close(write_fd)
            raise
        os.close(write_fd)

        todo = {i for i, _ in pending}
        ready = False
        current: int | None = None  # index of the app running now
        started = time.monotonic()
        out_start = 0
        progressed = False
        buf = b""
        ended: str | None = None  # "eof" or "timeout"
        try:
            while ended is None:
                limit = timeout if ready else max(timeout, STARTUP_TIMEOUT)
                remaining = started + limit - time.monotonic()
                if remaining <= 0:
                    ended = "timeout"
                    break
                readable, _, _ = select.select([read_fd], [], [], remaining)
                if not readable:
                    continue
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    ended = "eof"
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    event = msg.get("event")
                    if event == "ready":
                        ready = True
                        started = time.monotonic()
                    elif event == "start":
                        current = msg["index"]
                        started = time.monotonic()
                        offset = msg.get("log_offset")
                        out_start = offset if isinstance(offset, int) else _log_size(log)
                    elif event == "done":
                        index = msg["index"]
                        end = msg.get("log_end")
                        end = end if isinstance(end, int) else _log_size(log)
                        output = _read_log(log, out_start, end)
                        record(
                            index,
                            SynthResult(
                                app=given[index],
                                ok=bool(msg["ok"]),
                                error=msg.get("error"),
                                error_type=msg.get("error_type"),
                                detail=msg.get("detail") or "",
                                seconds=float(msg.get("seconds") or 0.0),
                                templates=int(msg.get("templates") or 0),
                                output=output,
                            ),
                        )
                        todo.discard(index)
                        current = None
                        progressed = True
                        started = time.monotonic()
            if ended == "timeout":
                _kill_group(proc)
            else:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    _kill_group(proc)
        except BaseException:  # incl. KeyboardInterrupt: never leave the worker behind
            _kill_group(proc)
            raise
        finally:
            os.close(read_fd)
        if proc.returncode != 0 or ended == "timeout":
            # Whatever the worker left behind (an orphaned jsii kernel).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        if not todo:
            return
        how = _describe_exit(proc.returncode)
        elapsed = round(time.monotonic() - started, 3)
        if not ready:
            # The worker never got to the apps: retrying would fail the same way.
            tail = _read_log(log)
            if ended == "timeout":
                error = (
                    f"Timeout: the synth worker did not start within "
                    f"{max(timeout, STARTUP_TIMEOUT):g}s"
                )
            else:
                last = [ln for ln in tail.splitlines() if ln.strip()]
                error = f"WorkerCrashed: the synth worker failed to start ({how})"
                if last:
                    error += f": {last[-1].strip()[:300]}"
            error_type = "Timeout" if ended == "timeout" else "WorkerCrashed"
            for i, _ in pending:
                if i in todo:
                    record(
                        i,
                        SynthResult(
                            app=given[i],
                            ok=False,
                            error=error,
                            error_type=error_type,
                            detail=tail,
                            seconds=0.0,
                        ),
                    )
            return
        if current is None and not progressed:
            # Died between apps without finishing any: blame the next one so
            # that the retry loop always makes progress.
            current = next(i for i, _ in pending if i in todo)
            out_start = 0
        if current is not None:
            output = _read_log(log, out_start)
            if ended == "timeout":
                error = (
                    f"Timeout: the app did not finish within {timeout:g}s "
                    f"(the synth worker was killed)"
                )
                error_type = "Timeout"
            else:
                error = (
                    f"WorkerCrashed: the synth worker died while running this app ({how})"
                )
                error_type = "WorkerCrashed"
            record(
                current,
                SynthResult(
                    app=given[current],
                    ok=False,
                    error=error,
                    error_type=error_type,
                    detail=f"{error}\n\nOutput of the worker while running the app:\n{output}",
                    seconds=elapsed,
                    output=output,
                ),
            )


def _format(result: SynthResult) -> str:
    if result.ok:
        return f"ok  {result.app} ({result.seconds:.1f}s)"
    return f"FAIL {result.app}: {result.error}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cdkfix.synth",
        description="Synthesize CDK Python apps in one reused jsii kernel.",
    )
    parser.add_argument("apps", nargs="+", type=Path, help="app.py files (or their directories)")
    parser.add_argument(
        "--deprecated",
        choices=DEPRECATED_MODES,
        default="warn",
        help="JSII_DEPRECATED mode: fail turns use of deprecated APIs into errors (default: warn)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds allowed per app (default: 600)"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter for the worker")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print the traceback of failing apps"
    )
    args = parser.parse_args(argv)

    def show(result: SynthResult) -> None:
        print(_format(result), flush=True)
        if args.verbose and not result.ok and result.detail:
            print("    " + result.detail.rstrip().replace("\n", "\n    "), flush=True)

    t0 = time.monotonic()
    try:
        results = synth_apps(
            args.apps,
            deprecated=args.deprecated,
            timeout=args.timeout,
            python=args.python,
            on_result=show,
        )
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    failed = sum(not r.ok for r in results)
    print(
        f"{len(results)} app(s): {len(results) - failed} ok, {failed} failed "
        f"in {time.monotonic() - t0:.1f}s",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
