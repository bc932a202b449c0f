"""The rule contract: what every codemod in ``codemods/`` declares and how it reports.

A rule is a LibCST transformer with its metadata and documentation beside its code (Ruff's habit). We use
LibCST transformers rather than Fixit ``LintRule`` visitors as the primary form because our fixes need
what Fixit's node-replacement model does not give: imports added in the file's own style, edits that span
several nodes (a call rewritten *and* a helper method removed), project-wide context (Markdown answers made
of several files) and a fixpoint. ``cdkfix.fixit_bridge`` wraps each rule as a Fixit rule for editors.

Rules never mutate text: they return ``node.with_changes(...)`` through :meth:`Rule.fix`, which decides
whether the fix may be applied (safety, suppression comments) and records a :class:`Finding` either way.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import dataclasses
import functools
import re
import threading
import warnings
from dataclasses import dataclass, field
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import ClassVar, Literal, TypeVar

import libcst as cst
from libcst.codemod import Codemod, CodemodContext
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, PositionProvider

from cdkfix.imports import ImportView, ensure_module, ensure_name

Safety = Literal["safe", "unsafe"]
N = TypeVar("N", bound=cst.CSTNode)
_MISSING = object()

#: ``context.scratch`` keys the engine fills before running a rule.
SCRATCH_OPTIONS = "cdkfix.options"
SCRATCH_FINDINGS = "cdkfix.findings"
SCRATCH_SUPPRESSED = "cdkfix.suppressed"
SCRATCH_PROJECT = "cdkfix.project"
#: The path of the file being fixed, as the project names it (None when not known).
SCRATCH_PATH = "cdkfix.path"


@dataclass(frozen=True)
class Case:
    """An executed example kept inside the rule class (Fixit's VALID/INVALID habit).

    ``after is None`` means the rule must leave ``before`` unchanged and report nothing fixable.
    ``unsafe`` runs the case with unsafe fixes enabled. ``finding`` means the rule must report a finding
    (with no fix) for the case. ``settings`` are the run's :attr:`RuleOptions.settings` for the case
    (rules configured by the user, e.g. a deny list).
    """

    id: str
    before: str
    after: str | None = None
    unsafe: bool = False
    finding: bool = False
    settings: dict[str, object] | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class Finding:
    """One problem a rule saw: fixed, fixable but not applied, or report-only."""

    code: str
    name: str
    message: str
    line: int
    column: int
    safety: Safety
    fixable: bool
    applied: bool
    suggestion: str | None = None
    path: str | None = None
    diff: str | None = None

    def with_path(self, path: str) -> Finding:
        """Return a copy that names ``path``."""
        return dataclasses.replace(self, path=path)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary."""
        return dataclasses.asdict(self)


@dataclass
class RuleOptions:
    """What the engine tells a rule about the run."""

    unsafe_fixes: bool = False
    cdk_version: str | None = None
    settings: dict[str, object] = field(default_factory=dict)


#: The options of the run whose prefilters are being evaluated (see :func:`prefilter_options`).
_PREFILTER_OPTIONS: contextvars.ContextVar[RuleOptions | None] = contextvars.ContextVar(
    "cdkfix_prefilter_options", default=None)


@contextlib.contextmanager
def prefilter_options(options: RuleOptions | None) -> Iterator[None]:
    """Within the block, :func:`current_options` (what ``may_fire`` sees) is ``options``.

    The engine evaluates prefilters inside it, so a ``may_fire`` can use the run's API index version and
    settings (a deny list, a minimum) and stay exactly as permissive as the rule.
    """
    token = _PREFILTER_OPTIONS.set(options)
    try:
        yield
    finally:
        _PREFILTER_OPTIONS.reset(token)


def current_options() -> RuleOptions:
    """The options of the run a ``may_fire`` is evaluated for (the defaults outside :func:`prefilter_options`)."""
    return _PREFILTER_OPTIONS.get() or RuleOptions()


_NEWLINE = re.compile(r"\r\n?|\n")


@functools.lru_cache(maxsize=4)
def stdlib_tree(source: str) -> ast.Module:
    """``ast.parse(source)`` without warnings (the user's invalid escapes are not cdkfix output), cached: the
    prefilters' scan and the engine's syntax check of a file no rule can fire on share one parse.

    Raises ``SyntaxError`` or ``ValueError`` (a NUL byte) as ``ast.parse`` does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


class _PositionState(CodegenState):
    """The codegen state of LibCST's ``PositionProvider`` (same protocol, same positions), made cheaper:
    positions are kept as ``(line, column)`` tuples, a token without a newline is not split by a regex, and
    ``record_syntactic_position`` is a small object instead of a generator-based context manager."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1  # one-indexed
        self.column = 0  # zero-indexed
        self.stack: list[tuple[int, int]] = []
        self.computed: dict[cst.CSTNode, tuple[tuple[int, int], tuple[int, int]]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        if node not in self.computed:  # a syntactic position recorded inside wins
            self.computed[node] = (start, (self.line, self.column))

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _SyntacticPosition:
        return _SyntacticPosition(self, node, start_node, end_node)


class _SyntacticPosition:
    """What ``PositionProvidingCodegenState.record_syntactic_position`` records, as a context manager."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _PositionState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc: object) -> bool:
        state = self.state
        start = state.computed[self.start_node][0] if self.start_node is not None else self.start
        end = state.computed[self.end_node][1] if self.end_node is not None else (state.line, state.column)
        state.computed[self.node] = (start, end)
        return False


class _Positions(Mapping[cst.CSTNode, CodeRange]):
    """``CodeRange`` views of the positions a :class:`_PositionState` computed."""

    def __init__(self, computed: dict[cst.CSTNode, tuple[tuple[int, int], tuple[int, int]]]) -> None:
        self._computed = computed

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        (start_line, start_column), (end_line, end_column) = self._computed[node]
        return CodeRange(CodePosition(start_line, start_column), CodePosition(end_line, end_column))

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._computed)

    def __len__(self) -> int:
        return len(self._computed)


_POSITIONS: dict[int, tuple[cst.Module, Mapping[cst.CSTNode, CodeRange]]] = {}
_POSITIONS_LOCK = threading.Lock()


def module_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """LibCST's ``PositionProvider`` positions of every node of ``module``, shared by the rules that report
    on the same module (the engine hands every rule of a pass the same module until one changes it).

    LibCST's ``MetadataWrapper`` computes them with a position-tracking codegen plus an empty batched
    traversal of the whole module; this is one codegen with a leaner state (:class:`_PositionState`):
    about 3.5x faster, the same positions (``tests/test_engine.py`` compares them with LibCST's).
    """
    with _POSITIONS_LOCK:
        hit = _POSITIONS.get(id(module))
        if hit is not None and hit[0] is module:
            return hit[1]
    state = _PositionState(module)
    module._codegen(state)
    positions = _Positions(state.computed)
    with _POSITIONS_LOCK:
        if len(_POSITIONS) >= 4:
            del _POSITIONS[next(iter(_POSITIONS))]
        _POSITIONS[id(module)] = (module, positions)
    return positions


class _CodemodTransformer(Codemod, cst.CSTTransformer):
    """LibCST's ``ContextAwareTransformer`` without the matcher-decorator machinery.

    Rules do not use ``@m.visit``-style decorators, and the machinery costs a context-manager enter on
    every node of every traversal (about a third of a rule's time on a large stack).
    """

    def __init__(self, context: CodemodContext) -> None:
        Codemod.__init__(self, context)
        cst.CSTTransformer.__init__(self)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        return tree.visit(self)


class Rule(_CodemodTransformer):
    """Base class of every cdkfix rule.

    Subclasses set the class attributes below and implement LibCST ``visit_*``/``leave_*`` methods. They
    report through :meth:`fix` (a change) or :meth:`report` (a finding without a change).
    """

    #: Stable code, never reused: ``CDK001``.
    code: ClassVar[str] = ""
    #: kebab-case name: ``appmesh-route-mesh``.
    name: ClassVar[str] = ""
    #: One line saying what the rule repairs.
    title: ClassVar[str] = ""
    #: Why the code is wrong, with the error text users see.
    why: ClassVar[str] = ""
    #: Where the failure was documented: ``seeds/000_775badc1dee105d9.txt §1`` or a corpus id.
    source: ClassVar[str] = ""
    #: ``safe`` (nothing guessed) or ``unsafe`` (something invented or removed).
    safety: ClassVar[Safety] = "safe"
    #: False for rules that only report (the fix needs a person's judgment).
    fixable: ClassVar[bool] = True
    #: False for rules about whole files that mean nothing for a Markdown code block (trailing lines).
    applies_to_markdown: ClassVar[bool] = True
    #: The rule can only fire when one of these substrings is in the source (the prefilter).
    triggers: ClassVar[tuple[str, ...]] = ()
    #: The error the broken example raises when synthesized (checked against real aws-cdk-lib).
    synth_error: ClassVar[str] = ""
    #: Executed examples.
    cases: ClassVar[tuple[Case, ...]] = ()
    #: Kept for compatibility: positions are always computed lazily when a rule needs no other metadata.
    lazy_positions: ClassVar[bool] = True

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.module_node: cst.Module | None = None
        self._imports: ImportView | None = None
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None

    @classmethod
    def _needs_metadata_pass(cls) -> bool:
        return not set(cls.METADATA_DEPENDENCIES) <= {PositionProvider}

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """LibCST's entry point.

        Rules that need only positions skip LibCST's metadata pass (a deep copy of the module plus a
        position for every node): positions are computed on the first finding, which most runs never have.
        """
        self._positions = None
        if self._needs_metadata_pass():
            return super().transform_module(tree)
        return self.transform_module_impl(tree)

    def _lazy_positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self._positions is None:
            assert self.module_node is not None, "positions are available once the module is visited"
            self._positions = module_positions(self.module_node)
        return self._positions

    def get_metadata(self, key, node, default=_MISSING):  # type: ignore[override]
        """LibCST's ``get_metadata``, answering ``PositionProvider`` lazily when the pass was skipped."""
        if key is PositionProvider and not self._needs_metadata_pass():
            position = self._lazy_positions().get(node)
            if position is not None:
                return position
            if default is not _MISSING:
                return default
            raise KeyError(f"no position for {type(node).__name__}")
        if default is _MISSING:
            return super().get_metadata(key, node)
        return super().get_metadata(key, node, default)

    def _code_range(self, node: cst.CSTNode) -> CodeRange | None:
        """Where an *original* node is, or None."""
        try:
            return self.get_metadata(PositionProvider, node)
        except KeyError:
            return None

    def visit_Module(self, node: cst.Module) -> bool | None:
        """Remember the module being transformed; subclasses that override this must call super()."""
        self.module_node = node
        self._imports = None
        return True

    @property
    def imports(self) -> ImportView:
        """What the module imports (``s3`` → ``aws_cdk.aws_s3``), computed on first use."""
        if self._imports is None:
            assert self.module_node is not None, "imports is available once the module is visited"
            self._imports = ImportView(self.module_node)
        return self._imports

    def use_module(self, python_module: str) -> str:
        """The local name for ``python_module``, adding an import in the file's style when needed."""
        return ensure_module(self.context, self.imports, python_module)

    def use_name(self, target: str) -> str:
        """How to spell ``target`` (``aws_cdk.Duration``) here, adding an import when needed."""
        return ensure_name(self.context, self.imports, target)

    # -- the engine's view -------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Cheap prefilter: can this rule find anything in ``source``? Rules may refine it.

        It must never be less permissive than the rule (a False loses a fix). The run's options are
        :func:`current_options`.
        """
        return not cls.triggers or any(trigger in source for trigger in cls.triggers)

    @classmethod
    def explain(cls) -> str:
        """The documentation ``cdkfix explain`` prints (Ruff's layout)."""
        from cdkfix.explain import explain_rule

        return explain_rule(cls)

    # -- helpers for subclasses ---------------------------------------------------------------------
    @property
    def options(self) -> RuleOptions:
        """The run's options."""
        return self.context.scratch.get(SCRATCH_OPTIONS) or RuleOptions()

    @property
    def project(self):  # -> cdkfix.project.Project | None
        """The other files of the project this module belongs to (for cross-file rules), if known."""
        return self.context.scratch.get(SCRATCH_PROJECT)

    @property
    def path(self) -> str | None:
        """The path of the file being fixed as :attr:`project` names it, if known."""
        return self.context.scratch.get(SCRATCH_PATH)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """1-based line and 1-based column of an *original* node."""
        pos = self._code_range(node)
        if pos is None:
            return (0, 0)
        return (pos.start.line, pos.start.column + 1)

    def _suppressed(self, node: cst.CSTNode) -> bool:
        suppressed = self.context.scratch.get(SCRATCH_SUPPRESSED)
        if not suppressed or not getattr(suppressed, "by_line", True):
            return False  # no suppression comment in the module: no need for positions
        pos = self._code_range(node)
        if pos is None:
            return False
        return suppressed.suppresses(self.code, self.name, pos.start.line, pos.end.line)

    def _record(self, node: cst.CSTNode, message: str, *, fixable: bool, applied: bool,
                safety: Safety, suggestion: str | None) -> None:
        line, column = self.position(node)
        self.context.scratch.setdefault(SCRATCH_FINDINGS, []).append(
            Finding(self.code, self.name, message, line, column, safety, fixable, applied, suggestion)
        )

    def fix(self, original: cst.CSTNode, updated: N, replacement: N, message: str, *,
            safety: Safety | None = None) -> N:
        """Return ``replacement`` when the fix may be applied, else ``updated``; record a finding.

        ``original`` is the node as parsed (for its position), ``updated`` the node as it stands in the
        transformer. ``safety`` overrides the rule's default for this one fix (a rule may be safe in
        general and unsafe when it has to guess).
        """
        safety = safety or self.safety
        if self._suppressed(original):
            return updated
        applied = safety == "safe" or self.options.unsafe_fixes
        self._record(original, message, fixable=True, applied=applied, safety=safety, suggestion=None)
        return replacement if applied else updated

    def may_apply(self, original: cst.CSTNode, *, safety: Safety | None = None) -> bool:
        """Whether a fix of ``safety`` on ``original`` would be applied (for multi-node fixes)."""
        safety = safety or self.safety
        return not self._suppressed(original) and (safety == "safe" or self.options.unsafe_fixes)

    def report(self, node: cst.CSTNode, message: str, *, suggestion: str | None = None) -> None:
        """Record a finding that has no automatic fix."""
        if self._suppressed(node):
            return
        self._record(node, message, fixable=False, applied=False, safety=self.safety,
                     suggestion=suggestion)

    def record_fix(self, original: cst.CSTNode, message: str, *, safety: Safety | None = None) -> bool:
        """Record a fix the rule applies itself (multi-node edits); return whether to apply it."""
        safety = safety or self.safety
        if self._suppressed(original):
            return False
        applied = safety == "safe" or self.options.unsafe_fixes
        self._record(original, message, fixable=True, applied=applied, safety=safety, suggestion=None)
        return applied


# -- project-level rules ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewFile:
    """A file a :class:`ProjectRule` wants to create: ``path`` is relative to the project root (posix)."""

    path: str
    content: str
    message: str


@dataclass(frozen=True)
class ProjectCase:
    """An executed example of a project rule: a project (relative path -> text) and the files it creates.

    ``creates is None`` means the rule must create nothing for ``files``; in ``creates``, a content of
    None only checks that the file is created.
    """

    id: str
    files: dict[str, str] = field(hash=False, compare=False)
    creates: dict[str, str | None] | None = field(default=None, hash=False, compare=False)


class ProjectRule(Rule):
    """A rule that looks at a whole project directory and creates files (an app entry point, ``cdk.json``).

    Project rules never run on a single module (:meth:`may_fire` is False, so the engine skips them);
    :func:`cdkfix.project_rules.apply_project_rules` calls :meth:`check_project` once per directory given
    on the command line. They are registered, selected, ignored and explained like every other rule.
    Their examples are directories (``example_kind = "project"``); ``project_cases`` replace ``cases``.
    """

    example_kind: ClassVar[str] = "project"
    project_cases: ClassVar[tuple[ProjectCase, ...]] = ()

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Never on one module: the rule needs the whole project."""
        return False

    @classmethod
    def check_project(cls, root: Path, files: Mapping[str, str], options: RuleOptions) -> list[NewFile]:
        """The files to create for the project at ``root``; ``files`` maps relative posix paths of its
        Python sources to their text. Must not write anything."""
        raise NotImplementedError


# -- rules that find on the stdlib tree -------------------------------------------------------------------

class AstRule(Rule):
    """A rule that finds on the standard library's ``ast`` and makes each fix with LibCST on the found node.

    The engine gives it the source text, not a LibCST module: :meth:`check` reads :attr:`scan` (the
    :class:`codemods._helpers.Prescan` its prefilter already built) and calls :meth:`rewrite` with an ``ast``
    node and a builder; :mod:`cdkfix.spans` parses that node's text with LibCST, calls the builder
    (``node.with_changes(...)`` as in any LibCST rule) and puts the result in place of the node's text. A
    file the rule has nothing to do in is never parsed by LibCST, and a fix costs a parse of its node only.

    Names are spelled with :meth:`use_name` / :meth:`use_module` as in other rules; the imports they need
    are *staged* and go with the next :meth:`rewrite` or :meth:`record_fix`, and only when that fix is
    applied (a suppressed or unsafe fix adds no import). Inside a builder they go with the fix being made.
    """

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.source = ""
        self.scan = None  # codemods._helpers.Prescan
        self.lines = None  # cdkfix.spans.LineIndex
        self._edits: list = []
        self._staged: list = []
        self._committed: list = []
        self._building = None

    def check(self) -> None:
        """Find what is wrong in :attr:`scan` and call :meth:`rewrite` / :meth:`report` / :meth:`record_fix`."""
        raise NotImplementedError

    @property
    def tree(self) -> ast.Module:
        """The stdlib tree of :attr:`source`."""
        return self.scan.tree  # type: ignore[union-attr]

    def run(self, source: str) -> str:
        """Check ``source`` and return it with this rule's applicable fixes made; findings go to the context."""
        from cdkfix.spans import add_imports, apply_edits, header_end, line_index
        from codemods._helpers import prescan

        self.source, self.scan = source, prescan(source)
        if self.scan is None:
            return source
        self.lines = line_index(source)
        self._edits, self._staged, self._committed = [], [], []
        self.check()
        findings = self.context.scratch.get(SCRATCH_FINDINGS, [])
        output, made, left = apply_edits(source, self.lines, self._edits)
        for edit in left:  # overlapping another fix (made in a later pass) or not reproducible by LibCST
            for index in edit.findings:
                findings[index] = dataclasses.replace(findings[index], applied=False)
        done = {id(edit) for edit in made}  # in the order the rule queued them: imports are added in that order
        requests = list(dict.fromkeys(self._committed + [request for edit in self._edits if id(edit) in done
                                                         for request in edit.imports]))
        if requests:
            cut = header_end(source, self.tree)
            if cut is not None and all(edit.start >= cut for edit in made):
                return add_imports(output, self.tree, requests, cut=cut)  # the header is as it was
            try:
                tree = stdlib_tree(output) if output != source else self.tree
            except (SyntaxError, ValueError):
                return output  # the engine's compile check reports it and drops the changes
            output = add_imports(output, tree, requests)
        return output

    # -- positions, suppressions and imports of ``ast`` nodes ------------------------------------------
    def position(self, node) -> tuple[int, int]:  # type: ignore[override]
        """1-based line and column of an ``ast`` node."""
        if getattr(node, "lineno", None) is None:
            return (0, 0)
        return (node.lineno, self.lines.char_column(node.lineno, node.col_offset) + 1)  # type: ignore[union-attr]

    def _suppressed(self, node) -> bool:  # type: ignore[override]
        suppressed = self.context.scratch.get(SCRATCH_SUPPRESSED)
        if not suppressed or not getattr(suppressed, "by_line", True) or getattr(node, "lineno", None) is None:
            return False
        return suppressed.suppresses(self.code, self.name, node.lineno, node.end_lineno)

    @property
    def imports(self) -> ImportView:
        """What the module imports, read from the stdlib tree."""
        if self._imports is None:
            self._imports = ImportView.from_ast(self.tree)
        return self._imports

    def _stage(self, ask) -> str:
        from cdkfix.imports import SCRATCH_IMPORTS

        # Imports already promised by earlier fixes count as there: two fixes needing one module share it.
        known = self.promised_imports + self._staged + (self._building.imports if self._building else [])
        box = CodemodContext(scratch={SCRATCH_IMPORTS: list(known)})
        spelled = ask(box)
        new = box.scratch[SCRATCH_IMPORTS][len(known):]
        (self._building.imports if self._building else self._staged).extend(new)
        return spelled

    def stage_import(self, module: str, name: str | None = None, asname: str | None = None) -> None:
        """Stage ``from module import name as asname`` (``import module as asname`` without ``name``)."""
        from cdkfix.imports import ImportRequest

        request = ImportRequest(module, name, asname if asname != name else None)
        if request not in self._staged:
            self._staged.append(request)

    def use_module(self, python_module: str) -> str:
        """The local name for ``python_module``; its import is staged (see the class docstring)."""
        return self._stage(lambda box: ensure_module(box, self.imports, python_module))

    def use_name(self, target: str) -> str:
        """How to spell ``target`` here; its import is staged (see the class docstring)."""
        return self._stage(lambda box: ensure_name(box, self.imports, target))

    # -- reporting ------------------------------------------------------------------------------------
    def queue(self, edit) -> None:
        """Queue an :class:`cdkfix.spans.Edit` the rule built itself: a fix reported on one node and made on
        another (a call's grouping parentheses, the statement a note goes above), or one edit for several
        findings. ``edit.finding`` is the index of the finding withdrawn if the edit cannot be made. As in
        :meth:`rewrite`, names spelled inside ``edit.build`` stage their imports on this edit."""
        edit.build = self._builder(edit.build)
        self._edits.append(edit)

    @property
    def promised_imports(self) -> list:
        """The imports this run's fixes so far will add (:meth:`record_fix`'s, :meth:`commit_staged_imports`',
        and those of the queued edits), in order: what a rule that asks ``cdkfix.imports.ensure_*`` itself
        passes as the imports already there (see :meth:`use_name`)."""
        return self._committed + [request for edit in self._edits for request in edit.imports]

    def commit_staged_imports(self, keep: bool = True) -> None:
        """Settle the imports staged since the last fix, for a rule that records its fixes itself (``fix`` on
        LibCST nodes of a span it parsed, then :meth:`queue`): with ``keep`` they go with this run's output
        whatever becomes of the queued edits, as :meth:`record_fix`'s do; without, they are dropped."""
        staged, self._staged = self._staged, []
        if keep:
            self._committed.extend(request for request in staged if request not in self._committed)

    @property
    def findings_so_far(self) -> list[Finding]:
        """The findings this run recorded, in order (an :class:`cdkfix.spans.Edit` names one by index)."""
        return self.context.scratch.setdefault(SCRATCH_FINDINGS, [])

    def rewrite(self, node, build, message: str, *, safety: Safety | None = None, at=None,
                whole_lines: bool = False) -> bool:
        """Record a fix of the ``ast`` ``node`` and, when it may be applied, queue it: ``build`` gets LibCST's
        parse of the node's text and returns its replacement. Returns whether the fix is applied.

        ``node`` is an expression or a statement. A statement with a block (``def``, ``class``, ``if``...), or
        any statement with ``whole_lines``, is edited by its whole lines and may be replaced by several
        statements or removed (see :class:`cdkfix.spans.Edit`). The finding is placed at ``at`` (an ``ast``
        node) when given, else at ``node``."""
        from cdkfix.spans import Edit

        staged, self._staged = self._staged, []
        applied = self.record_fix(node if at is None else at, message, safety=safety, _imports=False)
        if applied:
            findings = self.context.scratch[SCRATCH_FINDINGS]
            self._edits.append(Edit(node, self._builder(build), len(findings) - 1, staged,
                                    whole_lines=whole_lines))
        return applied

    def _builder(self, build) -> _TrackedBuild:
        return _TrackedBuild(self, build)

    def record_fix(self, original, message: str, *, safety: Safety | None = None,  # type: ignore[override]
                   _imports: bool = True) -> bool:
        """Record a fix the rule makes through imports alone (or several rewrites); staged imports go with
        it when it is applied."""
        staged, self._staged = self._staged, []
        applied = super().record_fix(original, message, safety=safety)
        if applied and _imports:
            self._committed.extend(staged)
        return applied

    def report(self, node, message: str, *, suggestion: str | None = None) -> None:
        """Record a finding without a fix (staged imports are dropped)."""
        self._staged = []
        super().report(node, message, suggestion=suggestion)


class _TrackedBuild:
    """A queued fix's build function that runs with its edit current in the rule: names spelled inside it
    (:meth:`AstRule.use_name`) stage their imports on that edit. A class rather than a closure that finds
    itself in ``_edits``: such a closure refers to itself, a cycle only the garbage collector frees."""

    __slots__ = ("rule", "build")

    def __init__(self, rule: AstRule, build) -> None:
        self.rule, self.build = rule, build

    def __call__(self, parsed: cst.CSTNode) -> cst.CSTNode:
        rule = self.rule
        rule._building = next(edit for edit in rule._edits if edit.build is self)
        try:
            return self.build(parsed)
        finally:
            rule._building = None
