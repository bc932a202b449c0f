"""CDK019: a CDK project with a stack but no app entry point (``tap.py``) or no ``cdk.json`` (project rule)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdkfix.imports import ast_import_targets, resolve_through
from cdkfix.rule import NewFile, ProjectCase, ProjectRule, RuleOptions
from codemods._helpers import ast_dotted

_STACK_BASES = frozenset({"aws_cdk.Stack", "aws_cdk.core.Stack"})
_APP_CLASSES = frozenset({"aws_cdk.App", "aws_cdk.core.App"})
_SUFFIX = "environment_suffix"
_APP_COMMAND = re.compile(r"^\s*python3?\s+(?P<path>[\w./-]+\.py)\s*$")

STACK_MODULE = '''\
from aws_cdk import Stack, aws_s3 as s3
from constructs import Construct


class TapStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        s3.Bucket(self, "Data", bucket_name=f"data-{environment_suffix}-{self.account}")
'''


@dataclass(frozen=True)
class _StackClass:
    path: str  # relative posix path of the module
    name: str
    node: ast.ClassDef
    module: ast.Module

    @property
    def import_path(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")


def _bindings(tree: ast.Module) -> dict[str, str]:
    """Local name → what it is bound to by the module's imports (anywhere in it)."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(ast_import_targets(node))
    return bound


def _resolve(node: ast.AST, bound: Mapping[str, str]) -> str | None:
    """Qualified name of a Name/Attribute chain through ``bound`` (:func:`_bindings`)."""
    return resolve_through(bound, ast_dotted(node))


def _is_stack_module(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or "tests" in parts or "test" in parts:
        return False
    return len(parts) == 1 or parts[0] == "lib"


class MissingAppEntryPoint(ProjectRule):
    """Creates the app entry point (``tap.py``) and ``cdk.json`` a CDK project needs to synthesize.

    Generated answers often hold only the stack module (``lib/tap_stack.py``): nothing instantiates the
    stack and calls ``app.synth()``, and without ``cdk.json`` the CDK CLI does not know what to run. For a
    directory whose root or ``lib/`` defines a ``Stack`` subclass but no module creates an ``App`` and
    calls ``synth()``, the rule writes ``tap.py``: it imports the stack that no other stack instantiates
    (the top-level one), passes ``environment_suffix`` (from the ``environmentSuffix`` context or the
    ``ENVIRONMENT_SUFFIX`` variable, default ``dev``) when the constructor takes one, and the CLI's account and
    region as ``env`` when it accepts keyword arguments. Without ``cdk.json`` it writes one whose ``app`` runs
    the entry point. A constructor needing other arguments, or several candidate stacks, is left to a person.
    Unsafe: it invents files (the stack id, the suffix default).
    """

    code = "CDK019"
    name = "missing-app-entry-point"
    title = "CDK project without an app entry point (`tap.py`) or `cdk.json`"
    why = """
        A stack class alone synthesizes nothing: some module must create `cdk.App()`, instantiate the stack
        and call `app.synth()`, and `cdk.json` must tell the CDK CLI how to run it. Without them:

            --app is required either in command-line, in cdk.json or in ~/.cdk.json
    """
    source = "seeds/004_e94ce7889cc0bc1d.txt §1-§2 (Missing CDK Application Entry Point, Missing cdk.json)"
    safety = "unsafe"
    project_cases = (
        ProjectCase("CDK019-invalid-stack-only", {"lib/tap_stack.py": STACK_MODULE}, creates={
            "tap.py": None, "cdk.json": '{\n  "app": "python3 tap.py"\n}\n'}),  # tap.py: see the example
        ProjectCase("CDK019-invalid-cdk-json-names-the-entry", {
            "lib/stack.py": "import aws_cdk as cdk\nclass MyStack(cdk.Stack):\n    pass\n",
            "cdk.json": '{"app": "python3 main.py"}',
        }, creates={"main.py": None}),
        ProjectCase("CDK019-invalid-entry-without-cdk-json", {
            "app.py": "import aws_cdk as cdk\napp = cdk.App()\napp.synth()\n",
            "lib/s.py": "from aws_cdk import Stack\nclass S(Stack):\n    pass\n",
        }, creates={"cdk.json": '{\n  "app": "python3 app.py"\n}\n'}),
        ProjectCase("CDK019-valid-complete-project", {
            "app.py": "from aws_cdk import App\nfrom lib.s import S\napp = App()\nS(app, 'S')\napp.synth()\n",
            "lib/s.py": "from aws_cdk import Stack\nclass S(Stack):\n    pass\n",
            "cdk.json": '{"app": "python3 app.py"}',
        }),
        ProjectCase("CDK019-valid-no-stack", {"lib/util.py": "def f():\n    return 1\n"}),
        ProjectCase("CDK019-valid-unknown-required-argument", {
            "lib/s.py": "from aws_cdk import Stack\nclass S(Stack):\n    def __init__(self, scope, id, vpc):\n"
                        "        super().__init__(scope, id)\n",
        }),
        ProjectCase("CDK019-valid-two-top-level-stacks", {
            "lib/a.py": "from aws_cdk import Stack\nclass A(Stack):\n    pass\n",
            "lib/b.py": "from aws_cdk import Stack\nclass B(Stack):\n    pass\n",
        }),
    )

    @classmethod
    def check_project(cls, root: Path, files: Mapping[str, str], options: RuleOptions) -> list[NewFile]:
        """``tap.py`` and/or ``cdk.json`` for a project that lacks them."""
        trees: dict[str, ast.Module] = {}

        def parsed(path: str) -> ast.Module | None:
            if path not in trees:
                try:
                    trees[path] = ast.parse(files[path])
                except (SyntaxError, ValueError):
                    return None
            return trees[path]

        # An entry calls ``synth()``: only the files that say so are parsed to find one, and when there is
        # one (most projects) the others never are (on a directory of a thousand files, seconds).
        entries = sorted((p for p in files if "synth" in files[p] and (tree := parsed(p)) is not None
                          and cls._is_entry(tree)), key=lambda p: (p.count("/"), p))
        cdk_json = root / "cdk.json"
        command = cls._app_command(cdk_json) if cdk_json.is_file() else None
        if entries:
            if cdk_json.exists():
                return []
            return [cls._cdk_json(entries[0])]
        trees = {path: tree for path in files if (tree := parsed(path)) is not None}  # in the files' order
        stacks = cls._stack_classes(trees)
        if not stacks:
            return []
        called = {name for tree in trees.values() for name in cls._called_names(tree)}
        top = [s for s in stacks if s.name not in called]
        if len(top) != 1:
            return []
        stack = top[0]
        if cdk_json.exists():
            if command is None or command in files or (root / command).exists():
                return []
            entry = command
        else:
            entry = next((name for name in ("tap.py", "app.py") if name not in files and not (root / name).exists()),
                         None)
            if entry is None:
                return []
        content = cls._entry_content(stack, trees)
        if content is None:
            return []
        new = [NewFile(entry, content, f"no CDK app entry point: `{entry}` instantiates `{stack.name}` from "
                                       f"`{stack.path}` and calls `app.synth()`")]
        if not cdk_json.exists():
            new.append(cls._cdk_json(entry))
        return new

    # -- what the project has ----------------------------------------------------------------------
    @staticmethod
    def _is_entry(tree: ast.Module) -> bool:
        bound = _bindings(tree)
        makes_app = synths = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                if _resolve(node.func, bound) in _APP_CLASSES:
                    makes_app = True
                if isinstance(node.func, ast.Attribute) and node.func.attr == "synth":
                    synths = True
        return makes_app and synths

    @staticmethod
    def _app_command(cdk_json: Path) -> str | None:
        """``main.py`` for ``{"app": "python3 main.py"}``."""
        try:
            config = json.loads(cdk_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        match = _APP_COMMAND.match(str(config.get("app", ""))) if isinstance(config, dict) else None
        return match.group("path") if match else None

    @staticmethod
    def _stack_classes(trees: Mapping[str, ast.Module]) -> list[_StackClass]:
        """Stack subclasses of root and ``lib/`` modules (also through other project classes)."""
        classes: dict[str, tuple[str, ast.ClassDef, ast.Module, dict[str, str]]] = {}
        for path, tree in trees.items():
            bound = _bindings(tree)
            module = path.removesuffix(".py").replace("/", ".")
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    classes[f"{module}.{node.name}"] = (path, node, tree, bound)
        stacks: set[str] = set()
        changed = True
        while changed:
            changed = False
            for qualified, (path, node, _tree, bound) in classes.items():
                if qualified in stacks:
                    continue
                module = qualified.rsplit(".", 1)[0]
                for base in node.bases:
                    target = _resolve(base, bound) or (f"{module}.{ast_dotted(base)}" if ast_dotted(base) else None)
                    if target in _STACK_BASES or target in stacks:
                        stacks.add(qualified)
                        changed = True
                        break
        return [_StackClass(classes[q][0], classes[q][1].name, classes[q][1], classes[q][2])
                for q in sorted(stacks) if _is_stack_module(classes[q][0])]

    @staticmethod
    def _called_names(tree: ast.Module) -> set[str]:
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                dotted = ast_dotted(node.func)
                if dotted:
                    names.add(dotted.rsplit(".", 1)[-1])
        return names

    # -- what to write -----------------------------------------------------------------------------
    @staticmethod
    def _cdk_json(entry: str) -> NewFile:
        content = json.dumps({"app": f"python3 {entry}"}, indent=2) + "\n"
        return NewFile("cdk.json", content, f"no `cdk.json`: the CDK CLI runs `python3 {entry}`")

    @classmethod
    def _entry_content(cls, stack: _StackClass, trees: Mapping[str, ast.Module]) -> str | None:
        """The entry point's source, or None when the constructor needs what this rule cannot give."""
        init = next((n for n in stack.node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        suffix = takes_env = False
        props: str | None = None
        if init is None:
            takes_env = True
        else:
            args = init.args
            positional = [*args.posonlyargs, *args.args][3:]
            defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
            params = [(a, d is not None) for a, d in zip(positional, defaults)]
            params += [(a, d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
            takes_env = args.kwarg is not None or any(a.arg == "env" for a, _ in params)
            for arg, has_default in params:
                if arg.arg == _SUFFIX:
                    suffix = True
                elif arg.arg == "props" and cls._props_class(arg, stack) is not None:
                    props = cls._props_class(arg, stack)
                elif not has_default and arg.arg != "env":
                    return None
        lines = ["#!/usr/bin/env python3",
                 f'"""The CDK app: synthesizes `{stack.name}` ({stack.path}). Created by cdkfix (CDK019)."""']
        uses_os = suffix or props or takes_env
        if uses_os:
            lines.append("import os")
            lines.append("")
        lines.append("import aws_cdk as cdk")
        lines.append("")
        names = ", ".join([stack.name] + ([props] if props else []))
        lines.append(f"from {stack.import_path} import {names}")
        lines += ["", "app = cdk.App()"]
        if suffix or props:
            lines.append('environment_suffix = app.node.try_get_context("environmentSuffix") or os.environ.get(')
            lines.append('    "ENVIRONMENT_SUFFIX", "dev"')
            lines.append(")")
        lines.append("")
        construct_id = f'f"{stack.name}{{environment_suffix}}"' if suffix or props else f'"{stack.name}"'
        arguments = ["app", construct_id]
        if suffix:
            arguments.append(f"{_SUFFIX}=environment_suffix")
        if props:
            arguments.append(f"props={props}({_SUFFIX}=environment_suffix)")
        if takes_env:
            arguments.append('env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), '
                             'region=os.environ.get("CDK_DEFAULT_REGION"))')
        lines.append(f"{stack.name}(")
        lines += [f"    {argument}," for argument in arguments]
        lines.append(")")
        lines.append("")
        lines.append("app.synth()")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _props_class(arg: ast.arg, stack: _StackClass) -> str | None:
        """``TapStackProps`` for ``props: Optional[TapStackProps]`` when that class (same module) takes
        ``environment_suffix``."""
        annotation = arg.annotation
        if isinstance(annotation, ast.Subscript):  # Optional[X]
            annotation = annotation.slice
        if isinstance(annotation, ast.BinOp):  # X | None
            annotation = annotation.left
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = ast.parse(annotation.value, mode="eval").body
        name = ast_dotted(annotation) if annotation is not None else None
        for node in stack.module.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        taken = {a.arg for a in (*item.args.args, *item.args.kwonlyargs)}
                        return name if _SUFFIX in taken else None
        return None
