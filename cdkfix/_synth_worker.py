"""Worker process behind :mod:`cdkfix.synth` (not a public API).

Runs many CDK apps one after the other in a single Python process so that the
jsii kernel (a Node.js process, ~10 s to start and load aws-cdk-lib) is started
once and reused.

Invocation (done by :func:`cdkfix.synth.synth_apps`)::

    python _synth_worker.py JOBFILE RESULT_FD

JOBFILE is JSON ``{"apps": [{"index": 0, "path": "/abs/app.py"}, ...]}``.
Results go to the inherited file descriptor RESULT_FD as JSON lines, never to
stdout/stderr (the apps and the jsii kernel print there):

    {"event": "ready", "seconds": 4.2, "node_hook": true, "warmup_error": null}
    {"event": "start", "index": 0, "log_offset": 1234}
    {"event": "done", "index": 0, "ok": false, "error": "...", "error_type": "...",
     "detail": "...", "seconds": 1.3, "templates": 0, "log_end": 1500}

(log offsets: size of the worker's stdout file, when it is one, so that the
parent can attribute output to apps).

Isolation between apps, in this process:
  * cwd is the app's directory, ``sys.argv == [app]``, the app's directory is
    prepended to ``sys.path``; every module whose file lives under the app's
    directory is dropped from ``sys.modules`` afterwards (two apps that both
    ``import lib.tap_stack`` each get their own), and ``sys.path``, cwd,
    ``os.environ``, ``sys.argv`` and ``sys.std*`` are restored;
  * ``CDK_OUTDIR`` is a fresh temporary directory; the context in the app
    directory's ``cdk.context.json`` and ``cdk.json`` (its ``"context"``) is
    passed as ``CDK_CONTEXT_JSON``, as the cdk CLI would (feature flags!),
    unless that variable is already set.

and in the Node kernel, which otherwise would keep the cwd and environment it
was started with: a small ``--require`` hook (written to a temp dir at start)
applies the app's cwd and environment before the app's first kernel request
(so ``Code.from_asset("lambda")`` resolves against the app's directory and the
App sees its ``CDK_OUTDIR``), and clears jsii's "already warned" set of
deprecations, without which only the first app using a deprecated API would
fail under ``JSII_DEPRECATED=fail``.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import traceback

# Running this file as a script puts its directory (cdkfix/) first on sys.path;
# apps must not be able to import our modules by accident.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
    del sys.path[0]

MAX_DETAIL = 8000  # characters of traceback kept in "detail"
MAX_ERROR = 600  # characters of the one-line error

# Loaded into the jsii kernel's Node processes with NODE_OPTIONS=--require.
# Active only in the kernel proper (lib/program.js), and only when
# CDKFIX_SYNTH_CTL names the control directory.  The worker writes
# CTL/<n>.json (atomically, n = 1, 2, ...) before the first kernel request of
# each app; the hook looks for the next file after every fs.readSync (the
# kernel reads its requests with readSync) and applies it: environment, cwd,
# and reset of jsii's deprecation-warning dedup sets.  It then writes CTL/ack.
_NODE_HOOK = r"""
'use strict';
(function () {
  const ctlDir = process.env.CDKFIX_SYNTH_CTL;
  const path = require('path');
  if (!ctlDir || path.basename(process.argv[1] || '') !== 'program.js') return;
  delete process.env.CDKFIX_SYNTH_CTL;  // not for the kernel's own children
  const fs = require('fs');
  const Module = require('module');

  // jsii's generated .warnings.jsii.js warns (or, with JSII_DEPRECATED=fail,
  // throws) only once per deprecated API per process: ALREADY_WARNED is a
  // module-level Set.  Give that module a Set we can clear between apps.
  const resettable = [];
  class ResettableSet extends Set {
    constructor(items) { super(items); resettable.push(new WeakRef(this)); }
  }
  globalThis.__cdkfixResettableSet = ResettableSet;
  const origCompile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (typeof content === 'string' && typeof filename === 'string' &&
        path.basename(filename) === '.warnings.jsii.js') {
      const m = /^\s*(['"])use strict\1;?/.exec(content);
      const at = m ? m[0].length : 0;
      content = content.slice(0, at) +
        'const Set=globalThis.__cdkfixResettableSet;' + content.slice(at);
      globalThis.__cdkfixWarningsPatched = true;
    }
    return origCompile.call(this, content, filename);
  };

  let seq = 0;
  let busy = false;
  let baselineBeforeExit = null;
  function apply() {
    for (;;) {
      const file = path.join(ctlDir, String(seq + 1) + '.json');
      if (!fs.existsSync(file)) return;
      seq += 1;
      let msg = {};
      try { msg = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
        process.stderr.write('cdkfix synth hook: bad control file ' + file + ': ' + e + '\n');
      }
      if (msg.env) {
        for (const k of Object.keys(process.env)) {
          if (!Object.prototype.hasOwnProperty.call(msg.env, k)) delete process.env[k];
        }
        for (const [k, v] of Object.entries(msg.env)) process.env[k] = String(v);
      }
      if (msg.cwd) {
        try { process.chdir(msg.cwd); } catch (e) {
          process.stderr.write('cdkfix synth hook: chdir ' + msg.cwd + ': ' + e + '\n');
        }
      }
      if (baselineBeforeExit === null) {
        baselineBeforeExit = new Set(process.listeners('beforeExit'));
      }
      if (msg.reset) {
        // An App created with CDK_OUTDIR set registers a beforeExit auto-synth
        // listener; drop those of earlier apps.
        for (const l of process.listeners('beforeExit')) {
          if (!baselineBeforeExit.has(l)) process.removeListener('beforeExit', l);
        }
        for (let i = resettable.length - 1; i >= 0; i--) {
          const s = resettable[i].deref();
          if (s === undefined) resettable.splice(i, 1); else s.clear();
        }
      }
      const ack = JSON.stringify({seq: seq, cwd: process.cwd(),
                                  warnings_patched: !!globalThis.__cdkfixWarningsPatched});
      try {
        fs.writeFileSync(path.join(ctlDir, 'ack.tmp'), ack);
        fs.renameSync(path.join(ctlDir, 'ack.tmp'), path.join(ctlDir, 'ack'));
      } catch (e) { /* best effort */ }
    }
  }
  const origReadSync = fs.readSync;
  fs.readSync = function () {
    const n = origReadSync.apply(this, arguments);
    if (!busy) {
      busy = true;
      try { apply(); } catch (e) {
        process.stderr.write('cdkfix synth hook: ' + e + '\n');
      } finally { busy = false; }
    }
    return n;
  };
})();
"""


class _Results:
    """JSON-lines writer on the dedicated result pipe."""

    def __init__(self, fd: int) -> None:
        os.set_inheritable(fd, False)  # keep it out of the Node kernel
        self._fd = fd

    def send(self, **msg: object) -> None:
        data = (json.dumps(msg) + "\n").encode("utf-8")
        while data:
            n = os.write(self._fd, data)
            data = data[n:]


class _NodeControl:
    """Writes control files for the Node hook and reads its acknowledgements."""

    def __init__(self, directory: str) -> None:
        self.dir = directory
        self.seq = 0

    def send(self, *, cwd: str, env: dict[str, str], reset: bool) -> int:
        self.seq += 1
        tmp = os.path.join(self.dir, f"{self.seq}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"cwd": cwd, "env": env, "reset": reset}, f)
        os.replace(tmp, os.path.join(self.dir, f"{self.seq}.json"))
        return self.seq

    def ack(self) -> dict:
        try:
            with open(os.path.join(self.dir, "ack"), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}


def _is_under(path: str, directory: str) -> bool:
    directory = directory.rstrip(os.sep) + os.sep
    return path.startswith(directory)


def _module_paths(module: object) -> list[str]:
    paths: list[str] = []
    f = getattr(module, "__file__", None)
    if isinstance(f, str):
        paths.append(f)
    p = getattr(module, "__path__", None)  # packages, incl. namespace packages
    try:
        paths.extend(x for x in (p or []) if isinstance(x, str))
    except TypeError:
        pass
    return [os.path.abspath(x) for x in paths]


def _type_name(exc: BaseException) -> str:
    t = type(exc)
    mod = getattr(t, "__module__", None)
    if mod in (None, "builtins", "__main__"):
        return t.__qualname__
    return f"{mod}.{t.__qualname__}"


def _first_line(text: str) -> str:
    """The first non-empty line; a heading such as "Validation failed with the
    following errors:" gets the line after it (which says what is wrong)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]


def _exception_message(exc: BaseException) -> str:
    """First meaningful line of the exception message, or of its explicit
    cause's (``raise ... from``) when it has none."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, SystemExit):
            msg = "" if e.code is None else str(e.code)
        else:
            try:
                msg = str(e)
            except Exception:  # noqa: BLE001 - a broken __str__
                msg = ""
            if not msg and isinstance(e, KeyError) and e.args:
                msg = repr(e.args[0])
        line = _first_line(msg)
        if line:
            return line
        e = e.__cause__
    return ""


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = limit // 3
    tail = limit - head - 40
    return text[:head] + "\n... [trimmed] ...\n" + text[-tail:]


def describe_exception(exc: BaseException) -> tuple[str, str, str]:
    """Return (error, error_type, detail) for an exception raised by an app."""
    etype = _type_name(exc)
    msg = _exception_message(exc)
    error = f"{etype}: {msg}" if msg else etype
    if len(error) > MAX_ERROR:
        error = error[: MAX_ERROR - 3] + "..."
    # Drop the frames of this worker and runpy: start at the app's own code.
    tb = exc.__traceback__
    skip = {os.path.abspath(__file__), os.path.abspath(runpy.__file__), "<frozen runpy>"}
    while tb is not None and (
        tb.tb_frame.f_code.co_filename in skip
        or os.path.abspath(tb.tb_frame.f_code.co_filename) in skip
    ):
        tb = tb.tb_next
    try:
        detail = "".join(traceback.format_exception(type(exc), exc, tb))
    except Exception:  # noqa: BLE001
        detail = error
    return error, etype, _trim(detail, MAX_DETAIL)


def _validation_report(outdir: str) -> tuple[str, str] | None:
    """(first error, text of all violations) from the policy-validation report
    that synth leaves in the assembly directory when template validation
    fails; the report's own path is gone once the app's outdir is removed."""
    try:
        with open(os.path.join(outdir, "validation-report.json"), encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError):
        return None
    found: list[tuple[str, str]] = []
    for plugin in report.get("pluginReports") or []:
        name = plugin.get("pluginName", "?")
        for v in plugin.get("violations") or []:
            paths = [c.get("constructPath", "?") for c in v.get("violatingConstructs") or []]
            where = ", ".join(paths) or "?"
            desc = _first_line(str(v.get("description", "")))
            rule = v.get("ruleName", "?")
            severity = str(v.get("severity", "")).lower()
            found.append((severity, f"{where}: {desc} ({name} {rule})"))
    if not found:
        return None
    errors = [text for severity, text in found if severity == "error"] or [t for _, t in found]
    first = errors[0] + (f" [+{len(errors) - 1} more]" if len(errors) > 1 else "")
    listing = "\n".join(f"{severity or '?'}: {text}" for severity, text in found)
    return first, "Validation report:\n" + listing


def _count_templates(dirs: list[str]) -> tuple[int, bool]:
    files: set[str] = set()
    manifest = False
    for d in dirs:
        if not d or not os.path.isdir(d):
            continue
        if os.path.exists(os.path.join(d, "manifest.json")):
            manifest = True
        for root, _subdirs, names in os.walk(d):
            for name in names:
                if name.endswith(".template.json"):
                    files.add(os.path.realpath(os.path.join(root, name)))
    return len(files), manifest


class Worker:
    def __init__(self, results: _Results) -> None:
        self.results = results
        self.workdir = tempfile.mkdtemp(prefix="cdkfix-synth-worker-")
        self.ctl = _NodeControl(os.path.join(self.workdir, "ctl"))
        os.mkdir(self.ctl.dir)
        self.synth_dirs: list[str] = []
        self.node_hook = False
        self.warmup_error: str | None = None

        hook = os.path.join(self.workdir, "hook.js")
        with open(hook, "w", encoding="utf-8") as f:
            f.write(_NODE_HOOK)
        # The environment the Node kernel should see for each app: the
        # caller's, without our hook (the kernel's own children, e.g. bundlers,
        # do not need it).
        self.orig_node_options = os.environ.get("NODE_OPTIONS")
        opts = f'--require "{hook}"'
        if self.orig_node_options:
            opts = f"{self.orig_node_options} {opts}"
        os.environ["NODE_OPTIONS"] = opts
        os.environ["CDKFIX_SYNTH_CTL"] = self.ctl.dir

        self.base_env = dict(os.environ)
        self.base_cwd = os.getcwd()
        self.base_path = list(sys.path)
        self.base_argv = list(sys.argv)
        self.base_std = (sys.stdin, sys.stdout, sys.stderr)

    # -- Node side -----------------------------------------------------------
    def _node_env(self, env: dict[str, str]) -> dict[str, str]:
        env = dict(env)
        env.pop("CDKFIX_SYNTH_CTL", None)
        if self.orig_node_options is None:
            env.pop("NODE_OPTIONS", None)
        else:
            env["NODE_OPTIONS"] = self.orig_node_options
        return env

    def warm_up(self) -> None:
        """Start the jsii kernel and load aws-cdk-lib before the first app."""
        self.ctl.send(cwd=self.base_cwd, env=self._node_env(self.base_env), reset=False)
        try:
            import aws_cdk  # starts the kernel, loads the assembly
        except BaseException as e:  # noqa: BLE001 - apps will report it themselves
            self.warmup_error = describe_exception(e)[0]
            return
        # The first synth in a kernel is slow (the template validation rules
        # and much of aws-cdk-lib's JS get loaded): pay for it here, once.
        outdir = tempfile.mkdtemp(prefix="warmup-", dir=self.workdir)
        try:
            app = aws_cdk.App(outdir=outdir)
            stack = aws_cdk.Stack(app, "CdkfixWarmUp")
            aws_cdk.CfnResource(stack, "R", type="AWS::CloudFormation::WaitConditionHandle")
            app.synth()
        except BaseException as e:  # noqa: BLE001
            self.warmup_error = describe_exception(e)[0]
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
        self.node_hook = self.ctl.ack().get("seq") == self.ctl.seq
        # The kernel is running with the hook: the apps (and whatever they
        # start) see the caller's environment.
        self.base_env = self._node_env(self.base_env)
        _set_environ(self.base_env)
        if not self.node_hook:
            print(
                "cdkfix synth worker: Node kernel hook inactive; relative paths in the "
                "kernel resolve against the worker's cwd",
                file=sys.stderr,
            )
        self._wrap_synth(aws_cdk)

    def _wrap_synth(self, aws_cdk: object) -> None:
        """Record the directory of every assembly an app synthesizes (an App
        may be given an explicit outdir instead of CDK_OUTDIR)."""
        for cls in (getattr(aws_cdk, "App", None), getattr(aws_cdk, "Stage", None)):
            orig = cls.__dict__.get("synth") if cls is not None else None
            if orig is not None and not getattr(orig, "_cdkfix_wrapped", False):
                setattr(cls, "synth", _recording_synth(orig, self.synth_dirs))

    def kernel_alive(self) -> bool:
        """False once the jsii kernel's Node process has exited (it is not
        restarted by jsii, so every later app would fail)."""
        jsii = sys.modules.get("jsii")
        if jsii is None:
            return True
        try:
            provider = jsii.kernel.provider  # type: ignore[attr-defined]
            # ProcessProvider._process is a memoized property; peek at its
            # cache instead of calling it (which would start a kernel).
            prop = type(provider).__dict__["_process"]
            for cell in prop.fget.__closure__ or ():
                stored = cell.cell_contents
                if isinstance(stored, list):
                    if not stored:
                        return True  # not started
                    return stored[0]._process.poll() is None
        except Exception:  # noqa: BLE001 - jsii internals moved: assume alive
            pass
        return True

    # -- one app -------------------------------------------------------------
    def run_app(self, path: str) -> dict:
        path = os.path.abspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, "app.py")
        app_dir = os.path.dirname(path)
        outdir = tempfile.mkdtemp(prefix="out-", dir=self.workdir)
        before = set(sys.modules)
        self.synth_dirs.clear()
        exc: BaseException | None = None
        t0 = time.perf_counter()
        try:
            env = dict(self.base_env)
            env["CDK_OUTDIR"] = outdir
            if "CDK_CONTEXT_JSON" not in env:
                context = _cdk_json_context(app_dir)
                if context is not None:
                    env["CDK_CONTEXT_JSON"] = json.dumps(context)
            _set_environ(env)
            os.chdir(app_dir)
            sys.path.insert(0, app_dir)
            sys.argv = [path]
            importlib.invalidate_caches()
            self.ctl.send(cwd=app_dir, env=self._node_env(env), reset=True)
            t0 = time.perf_counter()
            runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            if e.code not in (None, 0):
                exc = e
        except BaseException as e:  # noqa: BLE001 - incl. KeyboardInterrupt from the app
            exc = e
        seconds = time.perf_counter() - t0
        try:
            templates, manifest = _count_templates([outdir, *self.synth_dirs])
            synthesized = manifest or templates > 0 or bool(self.synth_dirs)
            result: dict = {
                "ok": exc is None and synthesized,
                "error": None,
                "error_type": None,
                "detail": "",
                "seconds": round(seconds, 3),
                "templates": templates,
            }
            if exc is not None:
                error, etype, detail = describe_exception(exc)
                report = _validation_report(outdir)
                if report is not None:
                    first, listing = report
                    error = error.split(" A copy of this report can be found in", 1)[0]
                    error = f"{error.rstrip(' .:')}: {first}"
                    if len(error) > MAX_ERROR:
                        error = error[: MAX_ERROR - 3] + "..."
                    detail = _trim(f"{listing}\n\n{detail}", MAX_DETAIL)
                result.update(error=error, error_type=etype, detail=detail)
            elif not synthesized:
                result.update(
                    error="no synth: the app wrote no cloud assembly",
                    error_type="NoSynth",
                    detail="The app finished without error but never called app.synth() "
                    f"(nothing was written to CDK_OUTDIR={outdir}).",
                )
            return result
        finally:
            del exc
            self._restore(app_dir, before)
            shutil.rmtree(outdir, ignore_errors=True)

    def _restore(self, app_dir: str, before: set[str]) -> None:
        sys.stdin, sys.stdout, sys.stderr = self.base_std
        sys.argv = list(self.base_argv)
        sys.path[:] = self.base_path
        try:
            os.chdir(self.base_cwd)
        except OSError:
            pass
        _set_environ(self.base_env)
        # Site directories that happen to live inside the app dir (a venv in
        # the app's folder) are not the app's modules.
        app_dir = os.path.abspath(app_dir)
        protected = [
            os.path.abspath(p)
            for p in self.base_path
            if p and _is_under(os.path.abspath(p), app_dir)
        ]
        for name, module in list(sys.modules.items()):
            if module is None:
                if name not in before:
                    sys.modules.pop(name, None)  # negative import cache entries
                continue
            paths = _module_paths(module)
            if not paths:
                continue
            if any(_is_under(p, app_dir) for p in paths) and not any(
                _is_under(p, q) or p == q for p in paths for q in protected
            ):
                sys.modules.pop(name, None)
        importlib.invalidate_caches()


def _recording_synth(orig, recorded: list[str]):  # type: ignore[no-untyped-def]
    def synth(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        assembly = orig(self, *args, **kwargs)
        try:
            recorded.append(str(assembly.directory))
        except Exception:  # noqa: BLE001
            pass
        return assembly

    synth._cdkfix_wrapped = True  # type: ignore[attr-defined]
    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(synth, attr, getattr(orig, attr))
    return synth


def _log_position() -> int | None:
    """Size of the worker's output file (stdout and stderr both go there), so
    the parent can cut each app's output out of it."""
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    try:
        st = os.fstat(1)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _set_environ(env: dict[str, str]) -> None:
    for k in list(os.environ):
        if k not in env:
            del os.environ[k]
    for k, v in env.items():
        if os.environ.get(k) != v:
            os.environ[k] = v


def _cdk_json_context(app_dir: str) -> dict | None:
    """Context the cdk CLI would pass: cdk.context.json, then the "context" of
    cdk.json over it."""
    context: dict = {}
    for name, key in (("cdk.context.json", None), ("cdk.json", "context")):
        try:
            with open(os.path.join(app_dir, name), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if key is not None:
            data = data.get(key) if isinstance(data, dict) else None
        if isinstance(data, dict):
            context.update(data)
    return context or None


def _watch_parent(interval: float = 0.5) -> None:
    """Die, with the jsii kernel, when the process that started us is gone
    (killed without a chance to clean up): we run in our own session, so
    nothing else would stop an app that hangs."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        try:
            os.killpg(os.getpgid(0), signal.SIGKILL)  # our own group: us and the kernel
        finally:
            os._exit(70)

    threading.Thread(target=watch, name="cdkfix-parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    jobfile, fd = argv[1], int(argv[2])
    if os.getpgid(0) == os.getpid():  # started as a group leader by cdkfix.synth
        _watch_parent()
    results = _Results(fd)
    with open(jobfile, encoding="utf-8") as f:
        job = json.load(f)
    sys.dont_write_bytecode = True  # leave no __pycache__ in the example apps
    worker = Worker(results)
    t0 = time.perf_counter()
    worker.warm_up()
    results.send(
        event="ready",
        seconds=round(time.perf_counter() - t0, 3),
        node_hook=worker.node_hook,
        warmup_error=worker.warmup_error,
    )
    code = 0
    try:
        for item in job["apps"]:
            index = item["index"]
            results.send(event="start", index=index, log_offset=_log_position())
            result = worker.run_app(item["path"])
            result["log_end"] = _log_position()
            if not worker.kernel_alive():
                note = "KernelDied: the jsii kernel (node) died while running this app"
                if result["error"]:
                    note += f" ({result['error']})"
                result.update(
                    ok=False,
                    error=note[:MAX_ERROR],
                    error_type="KernelDied",
                    detail=(note + "\n\n" + result["detail"]).strip(),
                )
                code = 3  # the parent restarts a worker for the remaining apps
            results.send(event="done", index=index, **result)
            if code:
                break
    finally:
        shutil.rmtree(worker.workdir, ignore_errors=True)
    return code

if __name__ == "__main__":
    sys.exit(main(sys.argv))
