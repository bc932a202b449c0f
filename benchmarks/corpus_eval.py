"""How much of the generated corpus cdkfix repairs (a script that prints a table; not a test, CI does not run it).

    python benchmarks/corpus_eval.py                         # every response of ../shared/corpus
    python benchmarks/corpus_eval.py --only Pr6817,Pr7255    # a few
    python benchmarks/corpus_eval.py --markdown /tmp/eval.md # also write the table as Markdown

For every response folder of the corpus:

1. The Python files of ``MODEL_RESPONSE.md`` are extracted (:func:`cdkfix.extract.response_files`:
   ``## File: path`` headings and Python blocks, a lone block as the app) into
   ``benchmarks/_work/before/<id>/``.
2. Layout, which is not what cdkfix is measured on, is made runnable:

   * the entry point is the response's own ``tap.py``/``app.py`` (else another file of it that creates an
     ``App`` and calls ``synth()``, e.g. ``main.py`` or ``bin/tap.py``, copied to the root); else the entry
     file of ``IDEAL_RESPONSE.md`` (only that file, and only when what it imports exists in the response
     and its calls fit the response's constructors); else a generated ``tap.py`` that instantiates the
     response's top-level stack classes (arguments from their ``__init__`` signatures: ``"dev"`` for an
     environment suffix, a props object when its class is in the response, an attribute of an earlier
     stack when one has that name, ...);
   * an ``__init__.py`` in every package directory without one;
   * a module the entry imports but the response never wrote (``from app_stack.stack import X``) becomes a
     one-line shim that re-exports ``X`` from the response file that defines it;
   * asset folders the code names (``Code.from_asset("lambda")``, ``ContainerImage.from_asset("app")``,
     ``Source.asset(...)``, ``DockerImageAsset(directory=...)``), resolved statically, are created with a
     stub ``index.py`` (and a stub ``Dockerfile`` for Docker image assets) when the response has no such
     folder.  Synth stages Docker image assets without Docker; it only checks that the Dockerfile exists.

3. The folder is copied to ``benchmarks/_work/after/<id>/`` and ``cdkfix apply --unsafe-fixes`` runs on
   it, the CLI as a user runs it (on the directory, so cross-file rules see the project).
4. All "before" apps are synthesized in one :func:`cdkfix.synth.synth_apps` call, all "after" apps in
   another (the two run side by side with ``--jobs 2``).  ``CDK_DEFAULT_ACCOUNT``/``CDK_DEFAULT_REGION``
   are set (as the cdk CLI does from the credentials); deprecation warnings are not failures.

The report classifies each first error before as an API-shape error (what cdkfix exists for: wrong
module, unknown keyword, missing import, enum member, read-only property, v1 code, missing required
argument, wrong type, missing method, unknown name) or other (layout, missing asset, syntax, CDK
validation/design), and counts: responses passing before/after, first errors cleared (changed or gone
after cdkfix changed the code), regressions (passing before, failing after), and errors cdkfix itself
wrote (a syntax error in a file cdkfix changed, or an error about a name that appears only in the fixed
copy).  Target: >= 70% of API-shape first errors cleared, 0 regressions, 0 errors introduced by cdkfix.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cdkfix.extract import UnsafePathError, response_files  # noqa: E402
from cdkfix.markdown import find_python_blocks  # noqa: E402
from cdkfix.synth import SynthResult, synth_apps  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_WORK = ROOT / "benchmarks" / "_work"
ACCOUNT, REGION = "123456789012", "us-east-1"
ENTRY_NAMES = ("tap.py", "app.py")
STACK_BASES = {"Stack"}  # classes deriving (directly or through local classes) from ...Stack
STACK_KWARGS = {
    "env", "description", "stack_name", "tags", "synthesizer", "termination_protection",
    "analytics_reporting", "cross_region_references", "permissions_boundary",
    "suppress_template_indentation", "notification_arns", "property_injectors",
}


# ----------------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    skipped: str | None = None
    entry: str | None = None  # relative path of the entry in the work dir
    entry_source: str = ""  # response / ideal / generated
    notes: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)  # asset paths created (before copy)
    before_dir: Path | None = None
    after_dir: Path | None = None
    originals: dict[str, str] = field(default_factory=dict)  # rel path -> source (before copy, .py)
    cdkfix_rc: int | None = None
    cdkfix_seconds: float = 0.0
    cdkfix_errors: list[str] = field(default_factory=list)
    fixes: Counter = field(default_factory=Counter)
    findings: list[dict] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    before: SynthResult | None = None
    after: SynthResult | None = None
    before_class: tuple[str, str] = ("", "")
    after_class: tuple[str, str] = ("", "")
    introduced: str | None = None  # why the after error is cdkfix's own


# ----------------------------------------------------------------------------------------------------------
# Reading the responses
# ----------------------------------------------------------------------------------------------------------


def _norm(path: str) -> str:
    p = path.strip().replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return str(PurePosixPath(p)) if p else p


def block_order(text: str, files: dict[str, str]) -> dict[str, int]:
    """Path -> index of the (last) block that produced it: later blocks are revisions."""
    order: dict[str, int] = {}
    blocks = find_python_blocks(text)
    for b in blocks:
        if b.path and _norm(b.path) in files:
            order[_norm(b.path)] = b.index
    for rel in files:
        if rel not in order:
            m = re.match(r"block_(\d+)", rel)
            order[rel] = int(m.group(1)) if m else (blocks[-1].index if blocks else 0)
    return order


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def looks_like_entry(source: str) -> bool:
    tree = _parse(source)
    if tree is None:
        return bool(re.search(r"App\s*\(", source) and re.search(r"\.synth\s*\(", source))
    app = synth = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            app |= name == "App"
            synth |= name == "synth"
    return app and synth


def module_of(rel: str) -> str:
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.add(n.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                names.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, (ast.If, ast.Try)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.ClassDef, ast.FunctionDef)):
                    names.add(sub.name)
    return names


def _base_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Subscript):
        return _base_name(expr.value)
    return ""


@dataclass
class ClassInfo:
    name: str
    rel: str
    node: ast.ClassDef
    order: int

    @property
    def bases(self) -> list[str]:
        return [_base_name(b) for b in self.node.bases]

    def init(self) -> ast.FunctionDef | None:
        for n in self.node.body:
            if isinstance(n, ast.FunctionDef) and n.name == "__init__":
                return n
        return None

    def self_attributes(self) -> set[str]:
        out: set[str] = set()
        for n in ast.walk(self.node):
            if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                for t in targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        out.add(t.attr)
        return out


def collect_classes(files: dict[str, str], order: dict[str, int]) -> dict[str, ClassInfo]:
    """Top-level classes by name; when several files define one, the latest block wins."""
    found: dict[str, ClassInfo] = {}
    for rel, source in files.items():
        if not rel.endswith(".py"):
            continue
        tree = _parse(source)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                info = ClassInfo(node.name, rel, node, order.get(rel, 0))
                old = found.get(node.name)
                if old is None or info.order >= old.order:
                    found[node.name] = info
    return found


def is_stack(info: ClassInfo, classes: dict[str, ClassInfo], seen: frozenset = frozenset()) -> bool:
    for b in info.bases:
        if b in STACK_BASES:
            return True
        if b == "NestedStack":
            return False
        if b in classes and b not in seen and b != info.name:
            if is_stack(classes[b], classes, seen | {info.name}):
                return True
    return False


# ----------------------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------------------


def _local_imports(tree: ast.Module, files: dict[str, str]) -> list[tuple[str, list[str], int]]:
    """(module, names, level) of the imports that are not aws_cdk/constructs/stdlib/installed."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if node.level == 0 and _is_external(top, files):
                continue
            out.append((node.module, [a.name for a in node.names], node.level))
    return out


_EXTERNAL_CACHE: dict[str, bool] = {}


def _is_external(top: str, files: dict[str, str]) -> bool:
    """A top-level module that is not part of the response: stdlib or installed."""
    if any(module_of(rel).split(".")[0] == top for rel in files):
        return False
    if top in ("aws_cdk", "constructs"):
        return True
    if top not in _EXTERNAL_CACHE:
        import importlib.util

        try:
            _EXTERNAL_CACHE[top] = top in sys.stdlib_module_names or importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            _EXTERNAL_CACHE[top] = False
    return _EXTERNAL_CACHE[top]


def _module_file(module: str, files: dict[str, str]) -> str | None:
    for cand in (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py"):
        if cand in files:
            return cand
    return None


def _signature(info: ClassInfo) -> tuple[list[str], set[str], bool]:
    """(required params after scope/id, accepted names, has **kwargs) of a class's __init__."""
    init = info.init()
    if init is None:
        return [], set(), True
    args = init.args
    positional = [a.arg for a in args.posonlyargs + args.args][1:]  # drop self
    defaults = len(args.defaults)
    required = positional[: len(positional) - defaults] if defaults else list(positional)
    required += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    accepted = set(positional) | {a.arg for a in args.kwonlyargs}
    return required, accepted, args.kwarg is not None


def ideal_entry_fits(source: str, files: dict[str, str], classes: dict[str, ClassInfo]) -> str | None:
    """None when the ideal entry can drive the response's code, else why not."""
    tree = _parse(source)
    if tree is None:
        return "does not parse"
    imported: dict[str, str] = {}
    for module, names, level in _local_imports(tree, files):
        if level:
            return f"relative import from {module}"
        rel = _module_file(module, files)
        if rel is None:
            return f"imports {module}, which the response does not have"
        mod_tree = _parse(files[rel])
        defined = top_level_names(mod_tree) if mod_tree else set()
        for n in names:
            if n != "*" and n not in defined:
                return f"imports {n} from {module}, which the response does not define"
            imported[n] = module
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes:
            info = classes[node.func.id]
            required, accepted, kwargs = _signature(info)
            given_kw = {k.arg for k in node.keywords if k.arg}
            npos = len(node.args)
            params = [a.arg for a in (info.init().args.args[1:] if info.init() else [])]
            covered = set(params[:npos]) | given_kw
            missing = [r for r in required if r not in covered]
            if missing:
                return f"calls {info.name} without {', '.join(missing)}"
            unknown = [k for k in given_kw if k not in accepted and not (kwargs and (k in STACK_KWARGS
                       or not is_stack(info, classes)))]
            if unknown:
                return f"calls {info.name} with {', '.join(sorted(unknown))}, which it does not accept"
    return None


_SUFFIX_NAME = re.compile(r"(^|_)(env(ironment)?_?(suffix|name)|suffix|stage(_name)?|environment|env_?name|deploy_env)$")


def _annotation_text(ann: ast.expr | None) -> str:
    if ann is None:
        return ""
    try:
        return ast.unparse(ann)
    except Exception:  # noqa: BLE001
        return ""


def _value_for(name: str, ann: ast.expr | None, classes: dict[str, ClassInfo], made: dict[str, ClassInfo],
               depth: int = 0) -> tuple[str, str | None]:
    """(python expression, local class it needs imported or None) for a required parameter."""
    text = _annotation_text(ann)
    inner = re.sub(r"^(typing\.)?Optional\[(.*)\]$", r"\2", text).strip("'\"")
    bare = inner.split(".")[-1]
    lname = name.lower()
    if bare in classes and not is_stack(classes[bare], classes) and depth < 3:
        return _construct(classes[bare], classes, made, depth + 1), bare
    if name == "props" and not text:
        props = [c for c in classes if c.endswith("Props")]
        if len(props) == 1:
            return _construct(classes[props[0]], classes, made, depth + 1), props[0]
    for var, info in made.items():  # an attribute of a stack made earlier (vpc=network.vpc)
        if name in info.self_attributes():
            return f"{var}.{name}", None
    if name == "env" or bare == "Environment":
        return "env", None
    if _SUFFIX_NAME.search(lname) and bare in ("str", ""):
        return '"dev"', None
    if text.startswith("Optional") or text.endswith("None"):
        return "None", None
    if bare in ("int", "float"):
        return "1", None
    if bare == "bool":
        return "False", None
    if bare.lower().startswith(("list", "sequence")) or lname.endswith("s") and not bare:
        return "[]", None
    if bare.lower().startswith(("dict", "mapping")):
        return "{}", None
    for key, value in (("email", '"ops@example.com"'), ("domain", '"example.com"'), ("region", f'"{REGION}"'),
                       ("account", f'"{ACCOUNT}"'), ("cidr", '"10.0.0.0/16"'), ("name", '"tap"'),
                       ("prefix", '"tap"'), ("project", '"tap"'), ("app", '"tap"')):
        if key in lname:
            return value, None
    if bare in ("str", ""):
        return '"dev"', None
    return "None", None


def _construct(info: ClassInfo, classes, made, depth: int) -> str:
    """``Props(environment_suffix="dev", ...)``: required parameters, plus an environment suffix when taken."""
    init = info.init()
    args: list[str] = []
    if init is not None:
        params = init.args.args[1:] + init.args.kwonlyargs
        required, _, _ = _signature(info)
        for a in params:
            if a.arg in required or _SUFFIX_NAME.search(a.arg.lower()):
                value, _ = _value_for(a.arg, a.annotation, classes, made, depth)
                args.append(f"{a.arg}={value}")
    else:  # dataclass or plain annotated fields
        for n in info.node.body:
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
                if n.value is None or _SUFFIX_NAME.search(n.target.id.lower()):
                    value, _ = _value_for(n.target.id, n.annotation, classes, made, depth)
                    args.append(f"{n.target.id}={value}")
    return f"{info.name}({', '.join(args)})"


def _passes_env_itself(info: ClassInfo) -> bool:
    """The stack hands its own ``env=`` to ``super().__init__`` (``env=props.env``): passing one too fails."""
    init = info.init()
    for n in ast.walk(init) if init is not None else ():
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__":
            if any(k.arg == "env" for k in n.keywords):
                return True
    return False


def generate_entry(files: dict[str, str], classes: dict[str, ClassInfo]) -> tuple[str | None, str]:
    """Source of a ``tap.py`` for the response's top-level stacks, or (None, why not)."""
    stacks = {n: c for n, c in classes.items() if is_stack(c, classes) and not _is_test(c.rel)}
    if not stacks:
        return None, "no Stack subclass in the response"
    used_as_base = {b for c in classes.values() for b in c.bases}
    called_inside: set[str] = set()
    for c in classes.values():
        for n in ast.walk(c.node):
            if isinstance(n, ast.Call):
                called_inside.add(_base_name(n.func))
    top = [c for n, c in stacks.items() if n not in used_as_base and n not in called_inside]
    if not top:
        top = [c for n, c in stacks.items() if n not in used_as_base] or list(stacks.values())
    if "TapStack" in {c.name for c in top}:
        top = [c for c in top if c.name == "TapStack"]
    # Stacks whose parameters name another stack's attribute come after it.
    remaining = sorted(top, key=lambda c: (c.order, c.name))
    ordered: list[ClassInfo] = []
    while remaining:
        provided = set().union(*(c.self_attributes() for c in ordered)) if ordered else set()
        for c in remaining:
            needs = [r for r in _signature(c)[0][2:]
                     if any(r in o.self_attributes() for o in remaining if o is not c)]
            if not [r for r in needs if r not in provided]:
                break
        else:
            c = remaining[0]
        remaining.remove(c)
        ordered.append(c)
    imports: dict[str, set[str]] = defaultdict(set)
    lines: list[str] = []
    made: dict[str, ClassInfo] = {}
    for i, c in enumerate(ordered):
        imports[module_of(c.rel)].add(c.name)
        init = c.init()
        required, accepted, kwargs = _signature(c)
        args = ["app", f'"{c.name}Dev"']
        if init is not None:
            params = init.args.args[1:] + init.args.kwonlyargs
            npos = len(init.args.args[1:])
            for j, a in enumerate(params):
                if j < 2 and j < npos:  # scope, id
                    continue
                if a.arg in required or _SUFFIX_NAME.search(a.arg.lower()) or (a.arg == "props" and a.arg in accepted):
                    value, need = _value_for(a.arg, a.annotation, classes, made)
                    if need:
                        imports[module_of(classes[need].rel)].add(need)
                    args.append(f"{a.arg}={value}")
        if (kwargs or "env" in accepted) and not any(a.startswith("env=") for a in args) \
                and not _passes_env_itself(c):
            args.append("env=env")
        var = f"stack{i}"
        lines.append(f"{var} = {c.name}({', '.join(args)})")
        made[var] = c
    head = [
        "#!/usr/bin/env python3",
        '"""Entry point written by benchmarks/corpus_eval.py: the response has none."""',
        "import os",
        "",
        "import aws_cdk as cdk",
        "",
    ]
    for module, names in sorted(imports.items()):
        head.append(f"from {module} import {', '.join(sorted(names))}")
    body = [
        "",
        "app = cdk.App()",
        "env = cdk.Environment(",
        f'    account=os.environ.get("CDK_DEFAULT_ACCOUNT", "{ACCOUNT}"),',
        f'    region=os.environ.get("CDK_DEFAULT_REGION", "{REGION}"),',
        ")",
        *lines,
        "app.synth()",
        "",
    ]
    return "\n".join(head + body), ", ".join(c.name for c in ordered)


def find_ideal_entry(corpus_dir: Path) -> tuple[str, str] | None:
    ideal = corpus_dir / "IDEAL_RESPONSE.md"
    if not ideal.is_file():
        return None
    files = response_files(ideal.read_text(encoding="utf-8", errors="replace"))
    files = {rel: body for rel, body in files.items() if not _is_test(rel)}
    for rel, body in files.items():
        if PurePosixPath(rel).name in ENTRY_NAMES and looks_like_entry(body):
            return rel, body
    for rel, body in files.items():
        if looks_like_entry(body):
            return rel, body
    return None


def _is_test(rel: str) -> bool:
    p = PurePosixPath(rel)
    return p.name.startswith("test") or any(part in ("test", "tests") for part in p.parts[:-1])


# ----------------------------------------------------------------------------------------------------------
# Assets
# ----------------------------------------------------------------------------------------------------------

_ASSET_CALLS = {"from_asset", "asset", "from_image_asset", "from_docker_build"}
_DOCKER_HINTS = ("ContainerImage", "DockerImageCode", "DockerImage", "EcrImage", "AssetImage",
                 "from_image_asset", "from_docker_build", "DockerImageAsset")


class _PathEval:
    """Static value of a path expression: literals, os.path.join/dirname/abspath of ``__file__``,
    ``Path(__file__).parent / "x"``, and names assigned such values in the same file."""

    def __init__(self, tree: ast.Module, file_dir: Path) -> None:
        self.file_dir = file_dir
        self.assigned: dict[str, ast.expr] = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.Assign) and len(n.targets) == 1:
                t = n.targets[0]
                key = t.id if isinstance(t, ast.Name) else (
                    f"self.{t.attr}" if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                    and t.value.id == "self" else None)
                if key and key not in self.assigned:
                    self.assigned[key] = n.value

    def eval(self, e: ast.expr, depth: int = 0) -> str | None:
        if depth > 8:
            return None
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            return e.value
        if isinstance(e, ast.JoinedStr):
            parts = []
            for v in e.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue):
                    inner = self.eval(v.value, depth + 1)
                    if inner is None:
                        return None
                    parts.append(inner)
            return "".join(parts)
        if isinstance(e, ast.Name):
            if e.id == "__file__":
                return str(self.file_dir / "__file__")
            if e.id in self.assigned:
                return self.eval(self.assigned[e.id], depth + 1)
            return None
        if isinstance(e, ast.Attribute):
            if isinstance(e.value, ast.Name) and e.value.id == "self":
                v = self.assigned.get(f"self.{e.attr}")
                return self.eval(v, depth + 1) if v is not None else None
            if e.attr == "parent":
                inner = self.eval(e.value, depth + 1)
                return os.path.dirname(inner) if inner is not None else None
            return None
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Div, ast.Add)):
            left, right = self.eval(e.left, depth + 1), self.eval(e.right, depth + 1)
            if left is None or right is None:
                return None
            return os.path.join(left, right) if isinstance(e.op, ast.Div) else left + right
        if isinstance(e, ast.Call):
            fname = _base_name(e.func)
            args = [self.eval(a, depth + 1) for a in e.args]
            if fname == "join" and args and all(a is not None for a in args):
                return os.path.join(*args)  # type: ignore[arg-type]
            if fname in ("dirname",) and len(args) == 1 and args[0] is not None:
                return os.path.dirname(args[0])
            if fname in ("abspath", "realpath", "normpath", "str", "Path", "PurePath", "fspath") and \
                    len(args) == 1 and args[0] is not None:
                return args[0]
            if fname in ("resolve", "absolute") and isinstance(e.func, ast.Attribute):
                return self.eval(e.func.value, depth + 1)
            if fname == "getcwd" and not e.args:
                return "."
            if fname == "joinpath" and isinstance(e.func, ast.Attribute):
                base = self.eval(e.func.value, depth + 1)
                if base is not None and all(a is not None for a in args):
                    return os.path.join(base, *args)  # type: ignore[arg-type]
        return None


def asset_paths(root: Path) -> list[tuple[Path, bool]]:
    """(absolute path, docker?) of every asset the code under ``root`` names and can be resolved."""
    found: dict[Path, bool] = {}
    for py in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(py.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            continue
        ev = _PathEval(tree, py.parent)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _base_name(node.func)
            expr = None
            if name in _ASSET_CALLS and node.args:
                expr = node.args[0]
            elif name in _ASSET_CALLS:
                expr = next((k.value for k in node.keywords if k.arg in ("path", "directory")), None)
            elif name in ("DockerImageAsset", "Asset", "DockerImageFunction", "PythonFunction"):
                expr = next((k.value for k in node.keywords if k.arg in ("directory", "path")), None)
            if expr is None:
                continue
            value = ev.eval(expr)
            if value is None or not value.strip():
                continue
            try:
                src = ast.unparse(node.func)
            except Exception:  # noqa: BLE001
                src = name
            docker = any(h in src for h in _DOCKER_HINTS)
            path = Path(os.path.normpath(root / value)) if not os.path.isabs(value) else Path(value)
            if not path.is_relative_to(root):
                continue
            found[path] = found.get(path, False) or docker
    return sorted(found.items())


_FILE_STUBS = {
    ".yaml": "Resources: {}\n", ".yml": "Resources: {}\n", ".json": '{"Resources": {}}\n',
    ".py": "def handler(event, context):\n    return {}\n", ".js": "exports.handler = async () => ({});\n",
    ".txt": "", ".sh": "#!/bin/sh\n", ".html": "<html></html>\n",
}


def create_assets(root: Path) -> list[str]:
    """Create the asset folders/files the code needs but the response did not write; return them."""
    made: list[str] = []
    for path, docker in asset_paths(root):
        rel = path.relative_to(root).as_posix()
        if path.suffix in (".zip", ".jar"):
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(path, "w") as z:
                    z.writestr("index.py", "def handler(event, context):\n    return {}\n")
                made.append(rel)
            continue
        if path.suffix and path.suffix in _FILE_STUBS:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(_FILE_STUBS[path.suffix], encoding="utf-8")
                made.append(rel)
            continue
        if path.exists() and not path.is_dir():
            continue
        created = []
        if not path.exists():
            path.mkdir(parents=True, exist_ok=True)
            (path / "index.py").write_text(
                "# stub written by benchmarks/corpus_eval.py: the response has no such asset\n"
                "def handler(event, context):\n    return {}\n", encoding="utf-8")
            created.append(rel + "/")
        if docker and not (path / "Dockerfile").exists():
            (path / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.12\n", encoding="utf-8")
            created.append(rel + "/Dockerfile")
        made.extend(created)
    return made


# ----------------------------------------------------------------------------------------------------------
# Preparing one response
# ----------------------------------------------------------------------------------------------------------


def prepare(case: Case, corpus_dir: Path, work: Path) -> None:
    model = corpus_dir / "MODEL_RESPONSE.md"
    if not model.is_file():
        case.skipped = "no MODEL_RESPONSE.md"
        return
    text = model.read_text(encoding="utf-8", errors="replace")
    files = {rel: body for rel, body in response_files(text).items() if rel.endswith(".py")}
    if not files:
        case.skipped = "no Python code block in MODEL_RESPONSE.md"
        return
    order = block_order(text, files)
    classes = collect_classes(files, order)

    # Entry point.
    entry = next((n for n in ENTRY_NAMES if n in files and looks_like_entry(files[n])), None)
    if entry is None:
        entry = next((n for n in ENTRY_NAMES if n in files), None)
    if entry is None:
        others = sorted((rel for rel, body in files.items() if looks_like_entry(body) and not _is_test(rel)),
                        key=lambda r: (r.count("/"), -order.get(r, 0)))
        if others:
            chosen = others[0]
            if "/" in chosen:  # bin/tap.py: run it from the root, where its imports resolve
                target = PurePosixPath(chosen).name
                if target in files:
                    target = "cdkfix_eval_app.py"
                files[target] = files[chosen]
                case.notes.append(f"entry {chosen} copied to {target} (run from the project root)")
                entry = target
            else:
                entry = chosen
            case.entry_source = "response"
        else:
            ideal = find_ideal_entry(corpus_dir)
            why = "IDEAL_RESPONSE.md has no entry file"
            if ideal is not None:
                why = ideal_entry_fits(ideal[1], files, classes) or ""
                if not why:
                    entry = PurePosixPath(ideal[0]).name
                    if entry in files:
                        entry = "cdkfix_eval_app.py"
                    files[entry] = ideal[1]
                    case.entry_source = "ideal"
                    case.notes.append(f"entry {entry} taken from IDEAL_RESPONSE.md ({ideal[0]})")
                else:
                    why = f"IDEAL_RESPONSE.md entry {ideal[0]}: {why}"
            if entry is None:
                source, what = generate_entry(files, classes)
                if source is None:
                    case.skipped = f"no entry point and {what}"
                    return
                entry = "tap.py" if "tap.py" not in files else "cdkfix_eval_app.py"
                files[entry] = source
                case.entry_source = "generated"
                case.notes.append(f"entry {entry} generated for {what} ({why})")
    else:
        case.entry_source = "response"
    case.entry = entry

    dest = work / "before" / case.id
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        for rel in files:
            if ".." in PurePosixPath(rel).parts or PurePosixPath(rel).is_absolute():
                raise UnsafePathError(rel)
        for rel, body in files.items():
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(body, encoding="utf-8", newline="")
    except (UnsafePathError, OSError) as exc:
        case.skipped = f"cannot write the response's files: {exc}"
        return

    # Modules the entry imports that the response never wrote: re-export from where the class is.
    entry_tree = _parse(files[entry])
    if entry_tree is not None:
        for module, names, level in _local_imports(entry_tree, files):
            if level or _module_file(module, files) is not None:
                continue
            sources = {classes[n].rel for n in names if n in classes}
            if not sources or any(n not in classes for n in names if n != "*"):
                continue
            shim = module.replace(".", "/") + ".py"
            lines = ['"""Shim written by benchmarks/corpus_eval.py: the response never wrote this module."""']
            for n in names:
                lines.append(f"from {module_of(classes[n].rel)} import {n}  # noqa: F401")
            (dest / shim).parent.mkdir(parents=True, exist_ok=True)
            (dest / shim).write_text("\n".join(lines) + "\n", encoding="utf-8")
            files[shim] = (dest / shim).read_text(encoding="utf-8")
            case.notes.append(f"shim {shim} re-exports {', '.join(names)}")

    # Packages.
    made_init = []
    for d in sorted({(dest / rel).parent for rel in files}):
        if d != dest and d.is_relative_to(dest) and not (d / "__init__.py").exists():
            for p in [d, *d.parents]:
                if p == dest:
                    break
                if not (p / "__init__.py").exists():
                    (p / "__init__.py").write_text("", encoding="utf-8")
                    made_init.append(p.relative_to(dest).as_posix() + "/__init__.py")
    if made_init:
        case.notes.append("created " + ", ".join(sorted(set(made_init))))

    case.before_dir = dest
    case.originals = {p.relative_to(dest).as_posix(): p.read_text(encoding="utf-8")
                      for p in dest.rglob("*.py")}
    after = work / "after" / case.id
    if after.exists():
        shutil.rmtree(after)
    shutil.copytree(dest, after)
    case.after_dir = after


def run_cdkfix(case: Case, command: list[str]) -> None:
    assert case.after_dir is not None
    t0 = time.monotonic()
    proc = subprocess.run(
        [*command, "apply", "--unsafe-fixes", "--no-cache", "--format", "json", str(case.after_dir)],
        capture_output=True, text=True, cwd=str(ROOT),
    )
    case.cdkfix_seconds = time.monotonic() - t0
    case.cdkfix_rc = proc.returncode
    stderr = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        doc = {}
        case.cdkfix_errors.append(f"no JSON output (rc {proc.returncode}): {(stderr or ['?'])[-1][:300]}")
    for f in doc.get("files", []):
        rel = Path(f["path"]).resolve().relative_to(case.after_dir.resolve()).as_posix() \
            if Path(f["path"]).is_absolute() else f["path"]
        if f.get("changed"):
            case.changed_files.append(rel)
        for e in f.get("errors", []):
            case.cdkfix_errors.append(e)
        for finding in f.get("findings", []):
            finding = dict(finding, rel=rel)
            case.findings.append(finding)
            if finding.get("applied"):
                case.fixes[finding["code"]] += 1
    if proc.returncode == 2 and not case.cdkfix_errors:
        case.cdkfix_errors.extend(ln for ln in stderr if not ln.startswith("cdkfix: checking against"))
    if proc.returncode not in (0, 1, 2):
        case.cdkfix_errors.append(f"cdkfix exited {proc.returncode}: {(stderr or ['?'])[-1][:300]}")


# ----------------------------------------------------------------------------------------------------------
# Classifying errors
# ----------------------------------------------------------------------------------------------------------

API_LABELS = ("wrong module", "unknown keyword", "missing import", "enum member", "read-only property",
              "v1 code", "missing required argument", "wrong type", "missing method", "unknown name")

_INDEX = None


def index():
    global _INDEX
    if _INDEX is None:
        from cdkfix.api_index import load_index

        _INDEX = load_index()
    return _INDEX


_ALIAS_NAMES = {"cdk", "core", "Construct", "_lambda", "lambda_", "apigw", "apigateway", "sfn", "tasks",
                "targets", "s3n", "subs", "sns_subs", "cw", "cw_actions", "elbv2", "logs", "iam", "ec2", "ecs",
                "rds", "kms", "sns", "sqs", "s3", "dynamodb", "events", "cloudwatch", "route53", "acm",
                "secretsmanager", "ssm", "wafv2", "cloudfront", "origins", "backup", "efs", "ecr",
                "autoscaling", "elb", "kinesis", "firehose", "glue", "athena", "stepfunctions", "appmesh",
                "servicediscovery", "lambda_event_sources", "event_sources", "cognito", "config",
                "cloudtrail", "guardduty", "budgets", "appscaling", "route53_targets", "s3deploy",
                "Duration", "RemovalPolicy", "Stack", "CfnOutput", "Tags", "App", "Environment", "Fn", "Aws"}
_TYPING = {"Optional", "Dict", "List", "Any", "Union", "Tuple", "Sequence", "Mapping", "Callable", "cast"}


def _is_cdk_module(name: str) -> bool:
    return name.split(".")[0] in ("aws_cdk", "constructs")


def _is_cdk_name(name: str) -> bool:
    return name in index().all_names()


def _module_like(name: str, files: dict[str, str]) -> bool:
    """An undefined name the code uses as a module (``cw_actions.SnsAction``, ``aws_cloudwatch.Metric``)."""
    if name.startswith("aws_") and index().has_module(f"aws_cdk.{name}"):
        return True
    if index().has_module(f"aws_cdk.aws_{name.rstrip('_')}"):
        return True
    rx = re.compile(rf"(?<![\w.]){re.escape(name)}\.[A-Z]\w*")
    return name.islower() and any(rx.search(src) for src in files.values())


def _callee_of(error: str) -> str:
    m = re.search(r"(\w+)\.__init__\(\)", error) or re.search(r"(\w+)\(\) (?:got|missing|takes)", error)
    return m.group(1) if m else ""


def classify(error: str | None, case: Case, copy_files: dict[str, str] | None = None) -> tuple[str, str]:
    """("api" | "other" | "ok", label) for a first error."""
    if not error:
        return "ok", "passes"
    files = copy_files if copy_files is not None else case.originals
    local_classes: set[str] = set()
    local_modules = {module_of(rel) for rel in files} | {module_of(rel).split(".")[0] for rel in files}
    for src in files.values():
        local_classes.update(re.findall(r"^\s*class\s+(\w+)", src, re.M))
    e = error
    etype = e.split(":", 1)[0].rsplit(".", 1)[-1]
    msg = e.split(":", 1)[1].strip() if ":" in e else e

    if etype in ("SyntaxError", "IndentationError", "TabError"):
        return "other", "syntax error"
    if etype in ("Timeout", "WorkerCrashed", "KernelDied"):
        return "other", "crash/timeout"
    if e.startswith("no synth"):
        return "other", "layout (no app.synth())"
    if "existed on CDKv1" in e or "aws-cdk/core:" in e and "Unsupported feature flag" in e:
        return "api", "v1 code"
    if "metaclass conflict" in e:
        return "api", "wrong type (ABC + jsii metaclass)"
    if re.fullmatch(r"AttributeError: [A-Z][A-Z0-9_]*", e.strip()):
        return "api", "enum member"  # Enum.__getattr__: RetentionDays.SEVEN
    if "Cannot find asset" in e or "Cannot find file at" in e and "Dockerfile" in e:
        return "other", "missing asset"
    if "docker" in e.lower() and ("spawn" in e.lower() or "bundling" in e.lower()):
        return "other", "needs Docker (bundling)"

    m = re.search(r"No module named '([\w.]+)'", e)
    if m:
        mod = m.group(1)
        if mod in ("aws_cdk.core",) or mod.startswith("aws_cdk.core."):
            return "api", "v1 code"
        if _is_cdk_module(mod):
            return "api", "wrong module"
        if mod.split(".")[0] in local_modules or mod in ("lib", "stacks"):
            return "other", "layout (module)"
        return "other", "missing dependency"
    m = re.search(r"cannot import name '(\w+)' from '([\w.]+)'", e)
    if m:
        name, mod = m.groups()
        if _is_cdk_module(mod):
            if name == "core":
                return "api", "v1 code"
            if index().modules_defining(name) or index().has_module(f"aws_cdk.{name}"):
                return "api", "wrong module"
            if name.startswith("aws_"):
                return "api", "wrong module"  # a module that does not exist (v1 package, alpha module)
            return "api", "unknown name"
        return "other", "layout (import)"
    m = re.search(r"module '([\w.]+)' has no attribute '(\w+)'", e)
    if m:
        mod, name = m.groups()
        if _is_cdk_module(mod):
            if name == "core":
                return "api", "v1 code"
            if index().modules_defining(name) or index().has_module(f"{mod}.{name}"):
                return "api", "wrong module"
            return "api", "unknown name"
        return "other", "layout/design (module attribute)"
    if re.search(r"has no setter|can't set attribute|object attribute '\w+' is read-only", e):
        return "api", "read-only property"
    m = re.search(r"type object '(\w+)' has no attribute '(\w+)'", e)
    if m:
        owner = m.group(1)
        if owner in local_classes and not _is_cdk_name(owner):
            return "other", "design (attribute of a local class)"
        kinds = {t.kind for mod in index().modules_defining(owner)
                 if (t := index().type(mod, owner)) is not None}
        return "api", "enum member" if "enum" in kinds else "missing method"
    m = re.search(r"'(\w+)' object has no attribute '(\w+)'", e)
    if m:
        owner = m.group(1)
        if owner in local_classes and not _is_cdk_name(owner):
            return "other", "design (attribute of a local class)"
        if _is_cdk_name(owner) or owner.startswith("_"):
            return "api", "missing method"
        return "other", f"design ({owner} has no attribute)"
    m = re.search(r"name '(\w+)' is not defined", e)
    if m:
        name = m.group(1)
        if name in _ALIAS_NAMES or name in _TYPING or _is_cdk_name(name) or name in sys.stdlib_module_names \
                or _module_like(name, files):
            return "api", "missing import"
        return "other", "design (undefined name)"
    m = re.search(r"unexpected keyword argument '([\w-]+)'", e)
    if m:
        callee = _callee_of(e)
        if callee in local_classes and not _is_cdk_name(callee):
            return "other", "layout (entry/stack signature)" if case.entry_source != "response" else \
                "design (call of a local class)"
        return "api", "unknown keyword"
    if re.search(r"missing \d+ required (keyword-only |positional )?argument", e):
        callee = _callee_of(e)
        if callee in local_classes and not _is_cdk_name(callee):
            return "other", "layout (entry/stack signature)" if case.entry_source != "response" else \
                "design (call of a local class)"
        return "api", "missing required argument"
    if re.search(r"takes \d+ positional arguments? but \d+ (were|was) given|takes no arguments", e):
        callee = _callee_of(e)
        if callee in local_classes and not _is_cdk_name(callee):
            return "other", "design (call of a local class)"
        return "api", "missing required argument"
    if "type of argument" in e:
        return "api", "wrong type"
    if etype == "TypeError" and re.search(r"NoneType|cannot unpack|unsupported operand|can only concatenate|"
                                          r"not subscriptable|must be str, not|object cannot be interpreted", e):
        return "other", "design (Python TypeError)"
    if re.search(r"^(RuntimeError|JSIIError): TypeError: ", e.replace("jsii.errors.", "")):
        return "other", "design (JS TypeError: wrong object passed?)"
    if re.search(r"type of argument|must be one of|Unable to deserialize|Expected .*(got|received)|"
                 r"is not (a valid|an instance)|not JSON serializable|Don't know how to|"
                 r"got an unexpected type|object is not callable|object is not iterable|"
                 r"not supported between instances", e):
        mm = re.search(r"(-?\w+) is not a valid (\w+)", e)
        if mm and etype == "ValueError":
            return "api", "enum member"
        return "api", "wrong type"
    if etype in ("TypeError",):
        return "api", "wrong type"
    if etype in ("JSIIError", "RuntimeError", "ValidationError", "Error") or "jsii" in e.split(":", 1)[0]:
        return "other", "CDK validation/design"
    if etype == "NameError":
        return "other", "design (undefined name)"
    return "other", f"other ({etype})"


_WORD_IN_ERROR = [
    r"name '(\w+)' is not defined",
    r"cannot import name '(\w+)'",
    r"No module named '[\w.]*?(\w+)'",
    r"has no attribute '(\w+)'",
    r"unexpected keyword argument '([\w-]+)'",
    r"required (?:keyword-only |positional )?arguments?: '(\w+)'",
]


def _failing_location(result: SynthResult, root: Path) -> tuple[str, int] | None:
    """(relative file, line) of the innermost traceback frame inside ``root``."""
    found = None
    for m in re.finditer(r'File "([^"]+)", line (\d+)', result.detail or ""):
        p = Path(m.group(1))
        try:
            rel = p.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            continue
        found = (rel, int(m.group(2)))
    m = re.search(r'File "([^"]+)", line (\d+)', result.error or "")
    if found is None and m:
        try:
            found = (Path(m.group(1)).resolve().relative_to(root.resolve()).as_posix(), int(m.group(2)))
        except (ValueError, OSError):
            pass
    if found is None and result.error_type and "SyntaxError" in result.error_type:
        m = re.search(r"\(([^()]+\.py), line (\d+)\)", result.error or "")
        if m:
            found = (m.group(1), int(m.group(2)))
    return found


def cdkfix_introduced(case: Case) -> str | None:
    """Why the after error is one cdkfix wrote, or None."""
    after = case.after
    if after is None or after.ok or case.after_dir is None:
        return None
    fixed = {p.relative_to(case.after_dir).as_posix(): p.read_text(encoding="utf-8", errors="replace")
             for p in case.after_dir.rglob("*.py")}
    # A file that parsed before and does not after.
    for rel, src in fixed.items():
        orig = case.originals.get(rel)
        if orig is not None and orig != src and _parse(orig) is not None and _parse(src) is None:
            try:
                ast.parse(src)
            except SyntaxError as exc:
                return f"{rel}:{exc.lineno}: cdkfix left a syntax error ({exc.msg})"
    err = after.error or ""
    original_text = "\n".join(case.originals.values())
    fixed_text = "\n".join(fixed.values())
    for pattern in _WORD_IN_ERROR:
        m = re.search(pattern, err)
        if not m:
            continue
        word = m.group(1)
        rx = re.compile(rf"\b{re.escape(word)}\b")
        if not rx.search(original_text) and rx.search(fixed_text):
            return f"'{word}' appears only in the fixed copy"
    return None


def original_line(case: Case, rel: str, line: int) -> int:
    """The line of the original file that line ``line`` of the fixed copy came from (findings are
    reported in the original's coordinates; fixes that add imports shift the rest)."""
    import difflib

    orig = case.originals.get(rel)
    if orig is None or case.after_dir is None:
        return line
    try:
        fixed = (case.after_dir / rel).read_text(encoding="utf-8").splitlines()
    except OSError:
        return line
    sm = difflib.SequenceMatcher(None, orig.splitlines(), fixed, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if j1 < line <= j2 or (j1 == j2 == line - 1):
            if tag == "equal":
                return i1 + (line - 1 - j1) + 1
            return i1 + 1
    return line


def statement_span(case: Case, rel: str, line: int) -> tuple[int, int]:
    """Lines (in the original's coordinates) of the innermost simple statement of the fixed copy that
    contains ``line``: a traceback names the first line of a call, findings the line of the argument."""
    start = end = line
    try:
        tree = ast.parse((case.after_dir / rel).read_text(encoding="utf-8"))  # type: ignore[operator]
    except (OSError, SyntaxError, ValueError, TypeError):
        tree = None
    best = None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                               ast.ClassDef, ast.If, ast.For, ast.While,
                                                               ast.With, ast.Try)):
            lo, hi = node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno
            if lo <= line <= hi and (best is None or hi - lo < best[1] - best[0]):
                best = (lo, hi)
    if best is not None:
        start, end = best
    return original_line(case, rel, start), original_line(case, rel, end)


def findings_at(case: Case, location: tuple[str, int] | None, *, applied_only: bool = False) -> list[str]:
    """What cdkfix said (fixed or not) on the failing statement (``location`` in the fixed copy)."""
    if location is None:
        return []
    rel, line = location
    start, end = statement_span(case, rel, line)
    out = []
    for f in case.findings:
        if applied_only and not f.get("applied"):
            continue
        if f.get("rel") == rel and start - 1 <= int(f.get("line") or 0) <= end + 1:
            state = "fixed" if f.get("applied") else ("unsafe, not applied" if f.get("fixable") else "reported")
            out.append(f"{f['code']} line {f['line']} [{state}]: {short(f['message'], 130)}")
    return out[:4]


# ----------------------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------------------


def normalize(error: str | None, case: Case) -> str:
    if not error:
        return ""
    e = error
    for d in (case.before_dir, case.after_dir):
        if d is not None:
            e = e.replace(str(d.resolve()), "<app>").replace(str(d), "<app>")
    e = re.sub(r"/tmp/[^\s'\"]*", "<tmp>", e)
    e = re.sub(r"\$\{Token\[([\w.-]+?)\.\d+\]\}", r"${Token[\1.N]}", e)
    e = re.sub(r"\b[0-9a-f]{64}\b", "<hash>", e)
    e = re.sub(r"^jsii\.errors\.", "", e)
    return e


def short(error: str, width: int) -> str:
    e = error.replace("\n", " ")
    e = re.sub(r"^(builtins\.)?", "", e)
    return e if len(e) <= width else e[: width - 1] + "…"


def state(result: SynthResult | None) -> str:
    if result is None:
        return "-"
    return "pass" if result.ok else "FAIL"


def cleared(case: Case) -> bool:
    if case.before is None or case.after is None or case.before.ok:
        return False
    if not case.changed_files or case.introduced:
        return False
    if case.after.ok:
        return True
    return normalize(case.before.error, case) != normalize(case.after.error, case)


def report(cases: list[Case], args: argparse.Namespace, timings: dict[str, float]) -> str:
    out: list[str] = []
    w = args.width
    measured = [c for c in cases if not c.skipped and c.before is not None and c.after is not None]
    skipped = [c for c in cases if c.skipped]

    header = f"{'id':<7} {'entry':<5} {'class before':<26} {'first error before':<{w}} {'first error after':<{w}} " \
             f"{'before→after':<12} fixes cdkfix"
    out.append(header)
    out.append("-" * len(header))
    md = ["| id | entry | class before | first error before | first error after | before→after | fixes | cdkfix |",
          "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in measured:
        b = normalize(c.before.error, c) or "—"
        a = normalize(c.after.error, c) or "—"
        if c.after.ok:
            a = "—"
        elif normalize(c.before.error, c) == normalize(c.after.error, c):
            a = "(same)"
        cls = c.before_class[1] if not c.before.ok else "passes"
        mark = f"{state(c.before)}→{state(c.after)}"
        if cleared(c):
            mark += " *"
        if c.introduced:
            mark += " !"
        fixes = sum(c.fixes.values())
        entry = {"response": "resp", "ideal": "ideal", "generated": "gen"}.get(c.entry_source, c.entry_source)
        run = f"rc {c.cdkfix_rc} {c.cdkfix_seconds:.1f}s"
        out.append(f"{c.id:<7} {entry:<5} {short(cls, 26):<26} {short(b, w):<{w}} {short(a, w):<{w}} "
                   f"{mark:<12} {fixes:>5} {run}")
        md.append(f"| {c.id} | {entry} | {cls} | `{b.replace('|', '/')}` | "
                  f"`{a.replace('|', '/')}` | {mark} | {fixes} | {run} |")
    out.append("")
    out.append("entry: resp = the response's own entry, ideal = entry file of IDEAL_RESPONSE.md, gen = generated;"
               "  * = first error cleared,  ! = error written by cdkfix")
    for c in skipped:
        out.append(f"skipped {c.id}: {c.skipped}")

    # Totals.
    n = len(measured)
    pass_before = sum(c.before.ok for c in measured)
    pass_after = sum(c.after.ok for c in measured)
    failing = [c for c in measured if not c.before.ok]
    n_cleared = [c for c in measured if cleared(c)]
    regressions = [c for c in measured if c.before.ok and not c.after.ok]
    introduced = [c for c in measured if c.introduced]
    api = [c for c in failing if c.before_class[0] == "api"]
    api_cleared = [c for c in api if cleared(c)]
    other = [c for c in failing if c.before_class[0] != "api"]
    out.append("")
    out.append("Totals")
    out.append(f"  responses measured:              {n} (of {len(cases)}; {len(skipped)} skipped)")
    out.append(f"  passing before / after:          {pass_before} / {pass_after}")
    out.append(f"  first errors cleared:            {len(n_cleared)} of {len(failing)} failing before"
               + (f" ({', '.join(c.id for c in n_cleared)})" if n_cleared else ""))
    out.append(f"  fixed to passing:                {sum(1 for c in failing if c.after.ok)}")
    out.append(f"  regressions (pass → fail):       {len(regressions)}"
               + (f" ({', '.join(c.id for c in regressions)})" if regressions else ""))
    out.append(f"  errors cdkfix introduced:        {len(introduced)}"
               + (f" ({', '.join(c.id for c in introduced)})" if introduced else ""))
    out.append(f"  first error before, API-shape:   {len(api)}; other: {len(other)}")
    by = Counter(c.before_class[1] for c in failing)
    for group in ("api", "other"):
        labels = sorted({c.before_class[1] for c in failing if c.before_class[0] == group},
                        key=lambda lab: (-by[lab], lab))
        for lab in labels:
            members = [c for c in failing if c.before_class[1] == lab]
            got = [c for c in members if cleared(c)]
            out.append(f"    {group:<5} {lab:<36} {len(members):>2}  cleared {len(got):>2}   "
                       f"{' '.join(c.id + ('*' if cleared(c) else '') for c in members)}")
    pct = 100.0 * len(api_cleared) / len(api) if api else 0.0
    headline = (f"cdkfix cleared the first error of {len(api_cleared)} of {len(api)} responses whose first "
                f"error is an API-shape error ({pct:.0f}%); regressions: {len(regressions)}; errors "
                f"introduced by cdkfix: {len(introduced)}  [target: >= 70%, 0, 0]")
    out.append("")
    out.append("HEADLINE: " + headline)

    # cdkfix runs.
    out.append("")
    out.append("cdkfix runs (`cdkfix apply --unsafe-fixes DIR`)")
    rcs = Counter(c.cdkfix_rc for c in measured)
    secs = [c.cdkfix_seconds for c in measured]
    out.append(f"  exit codes: {dict(sorted(rcs.items(), key=lambda kv: str(kv[0])))}; time: total "
               f"{sum(secs):.1f}s, mean {sum(secs) / max(1, len(secs)):.1f}s, max "
               f"{max(secs or [0]):.1f}s ({max(measured, key=lambda c: c.cdkfix_seconds).id if measured else '-'})")
    total_fixes = Counter()
    for c in measured:
        total_fixes.update(c.fixes)
    out.append("  fixes applied: " + (", ".join(f"{k}×{v}" for k, v in sorted(total_fixes.items())) or "none"))
    out.append(f"  responses changed: {sum(1 for c in measured if c.changed_files)} of {n}")
    errs = [(c.id, e) for c in measured for e in c.cdkfix_errors]
    out.append(f"  cdkfix errors: {len(errs)}")
    for cid, e in errs:
        out.append(f"    {cid}: {normalize(e, next(c for c in measured if c.id == cid))[:200]}")

    # Errors cdkfix wrote.
    if regressions or introduced:
        out.append("")
        out.append("Regressions and errors written by cdkfix")
        for c in sorted(set(regressions) | set(introduced), key=lambda c: c.id):
            loc = _failing_location(c.after, c.after_dir) if c.after_dir else None
            out.append(f"  {c.id}: {normalize(c.after.error, c)}")
            out.append(f"      why: {c.introduced or 'passed before'}; at: "
                       f"{'%s:%d' % loc if loc else '?'}; rules there: {'; '.join(findings_at(c, loc, applied_only=True)) or '?'}")

    # After errors raised on a line a fix changed: not proven to be cdkfix's, worth a look.
    suspects = []
    for c in measured:
        if c.after.ok or c.introduced or c.after_dir is None:
            continue
        if normalize(c.before.error, c) == normalize(c.after.error, c):
            continue
        loc = _failing_location(c.after, c.after_dir)
        if loc is None:
            continue
        words = [m.group(1) for pat in _WORD_IN_ERROR if (m := re.search(pat, c.after.error or ""))]
        original_text = "\n".join(c.originals.values())
        if words and all(re.search(rf"\b{re.escape(w)}\b", original_text) for w in words):
            continue  # the error names code the response wrote itself
        near = findings_at(c, loc, applied_only=True)
        if near:
            suspects.append((c, loc, near))
    if suspects:
        out.append("")
        out.append("After errors raised on a line cdkfix changed (not counted as introduced; check by hand)")
        for c, loc, near in suspects:
            out.append(f"  {c.id}: {short(normalize(c.after.error, c), 150)} @ {loc[0]}:{loc[1]}")
            for f in near:
                out.append(f"      {f}")

    # Still failing after, grouped.
    still = [c for c in measured if not c.after.ok]
    out.append("")
    out.append(f"Still failing after cdkfix ({len(still)}), first error after by class")
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in still:
        groups[c.after_class].append(c)
    for (group, lab), members in sorted(groups.items(), key=lambda kv: (kv[0][0] != "api", -len(kv[1]),
                                                                          kv[0][1])):
        out.append(f"  [{group}] {lab} ({len(members)})")
        for c in members:
            loc = _failing_location(c.after, c.after_dir) if c.after_dir else None
            where = f" @ {loc[0]}:{loc[1]}" if loc else ""
            out.append(f"    {c.id}: {short(normalize(c.after.error, c), 170)}{where}")
            for f in findings_at(c, loc):
                out.append(f"        cdkfix there: {f}")

    # Layout notes.
    out.append("")
    out.append("Layout made runnable (not measured)")
    srcs = Counter(c.entry_source for c in measured)
    out.append(f"  entry points: {dict(srcs)}")
    for c in measured:
        notes = list(c.notes)
        if c.assets:
            notes.append("asset stubs: " + ", ".join(c.assets))
        if notes:
            out.append(f"  {c.id}: " + "; ".join(notes))
    out.append("  asset folders/files the code names but the response did not include were created as stubs "
               "(index.py; a Dockerfile for Docker image assets, which synth stages without Docker but only "
               "when the Dockerfile exists)")
    out.append(f"  env for synth: CDK_DEFAULT_ACCOUNT={ACCOUNT} CDK_DEFAULT_REGION={REGION}; "
               f"JSII_DEPRECATED={args.deprecated}")
    out.append("  timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    out.append(f"  cdkfix measured: {tree_state()}")

    text = "\n".join(out)
    if args.markdown:
        Path(args.markdown).write_text(
            "# cdkfix on the corpus\n\n" + headline + "\n\n" + "\n".join(md) + "\n\n```\n" + text + "\n```\n",
            encoding="utf-8")
    return text


# ----------------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------------


def isolate(work: Path) -> None:
    """Make the work dir a project of its own, as a user's would be: its own git work tree (cdkfix skips
    what the enclosing repository's .gitignore ignores, and ``_work/`` is ignored there) and an empty
    ``[tool.cdkfix]`` table (so no configuration of an enclosing directory applies)."""
    work.mkdir(parents=True, exist_ok=True)
    if not (work / ".git").exists():
        subprocess.run(["git", "init", "-q", str(work)], check=False, capture_output=True)
    (work / "pyproject.toml").write_text(
        "# written by benchmarks/corpus_eval.py: cdkfix runs here with its defaults\n[tool.cdkfix]\n",
        encoding="utf-8")


def tree_state() -> str:
    """The commit the measured cdkfix comes from, and whether its engine/rules have uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "cdkfix", "codemods"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    if not dirty:
        return f"commit {head}, clean"
    return f"commit {head} plus {len(dirty)} uncommitted change(s) in cdkfix/ and codemods/ (the working tree)"


def cdkfix_command() -> list[str]:
    """This checkout's cdkfix (run from ``ROOT``), never another one installed on the PATH."""
    return [sys.executable, "-m", "cdkfix.cli"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory (default: %(default)s)")
    parser.add_argument("--only", default="", help="comma-separated response ids (Pr123,Pr456)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="parallel cdkfix runs; with 2 or more the before and after synths run side by side")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work directory (default: %(default)s)")
    parser.add_argument("--deprecated", choices=("quiet", "warn"), default="quiet",
                        help="JSII_DEPRECATED for synth (deprecations are not failures here)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per app (default: 300)")
    parser.add_argument("--width", type=int, default=48, help="width of the error columns")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the report as Markdown")
    parser.add_argument("--prepare-only", action="store_true", help="extract and run cdkfix; do not synthesize")
    args = parser.parse_args(argv)

    corpus: Path = args.corpus.resolve()
    if not corpus.is_dir():
        parser.error(f"no corpus at {corpus}")
    ids = sorted((p.name for p in corpus.iterdir() if p.is_dir() and (p / "MODEL_RESPONSE.md").exists()
                  or p.is_dir() and p.name.startswith("Pr")), key=lambda s: (len(s), s))
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in ids]
        if unknown:
            parser.error(f"not in the corpus: {', '.join(unknown)}")
        ids = wanted
    work: Path = args.work.resolve()
    isolate(work)
    timings: dict[str, float] = {}

    cases = [Case(i) for i in ids]
    t0 = time.monotonic()
    for c in cases:
        prepare(c, corpus / c.id, work)
    ready = [c for c in cases if not c.skipped]
    timings["extract"] = time.monotonic() - t0
    print(f"extracted {len(ready)} of {len(cases)} responses into {work}", file=sys.stderr, flush=True)

    t0 = time.monotonic()
    command = cdkfix_command()
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        list(pool.map(lambda c: run_cdkfix(c, command), ready))
    timings["cdkfix (wall)"] = time.monotonic() - t0
    print(f"cdkfix ran on {len(ready)} projects in {timings['cdkfix (wall)']:.0f}s", file=sys.stderr, flush=True)

    for c in ready:
        assert c.before_dir and c.after_dir
        c.assets = create_assets(c.before_dir)
        create_assets(c.after_dir)
    if args.prepare_only:
        for c in cases:
            print(c.id, c.skipped or f"{c.entry_source} {c.entry} fixes={dict(c.fixes)} rc={c.cdkfix_rc} "
                  f"{'; '.join(c.notes)} assets={c.assets} errors={c.cdkfix_errors}")
        return 0

    os.environ.setdefault("CDK_DEFAULT_ACCOUNT", ACCOUNT)
    os.environ.setdefault("CDK_DEFAULT_REGION", REGION)
    lock = threading.Lock()
    done = Counter()

    def progress(which: str, total: int):
        def show(r: SynthResult) -> None:
            with lock:
                done[which] += 1
                print(f"  synth {which} {done[which]}/{total}: {'ok  ' if r.ok else 'FAIL'} "
                      f"{Path(r.app).parent.name} ({r.seconds:.1f}s)", file=sys.stderr, flush=True)
        return show

    def synth(which: str) -> list[SynthResult]:
        apps = [(c.before_dir if which == "before" else c.after_dir) / c.entry for c in ready]  # type: ignore[operator]
        t = time.monotonic()
        res = synth_apps(apps, deprecated=args.deprecated, timeout=args.timeout,
                         on_result=progress(which, len(apps)))
        timings[f"synth {which}"] = time.monotonic() - t
        return res

    t0 = time.monotonic()
    if args.jobs >= 2:
        with ThreadPoolExecutor(2) as pool:
            fb, fa = pool.submit(synth, "before"), pool.submit(synth, "after")
            before, after = fb.result(), fa.result()
    else:
        before, after = synth("before"), synth("after")
    timings["synth (wall)"] = time.monotonic() - t0
    for c, b, a in zip(ready, before, after):
        c.before, c.after = b, a
        c.before_class = classify(b.error if not b.ok else None, c)
        fixed = {p.relative_to(c.after_dir).as_posix(): p.read_text(encoding="utf-8", errors="replace")
                 for p in c.after_dir.rglob("*.py")}  # type: ignore[union-attr]
        c.after_class = classify(a.error if not a.ok else None, c, fixed)
        c.introduced = cdkfix_introduced(c)

    print(report(cases, args, timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
