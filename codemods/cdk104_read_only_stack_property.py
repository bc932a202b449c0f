"""CDK104: assignment to a read-only property of a CDK base class (`self.environment = "dev"` in a Stack)."""

from __future__ import annotations

import ast as _ast
from dataclasses import dataclass, field

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit
from codemods._helpers import ast_dotted, index, prefilter_index, triggered_prescan

#: A better name than ``<name>_name`` for a few properties (an account is an id, not a name).
_PREFERRED = {"account": "account_id"}
_DEFS = (_ast.FunctionDef, _ast.AsyncFunctionDef)


def _start(node: _ast.AST) -> tuple[int, int]:
    return (node.lineno, node.col_offset)  # type: ignore[attr-defined]


@dataclass(eq=False)
class _Class:
    node: _ast.ClassDef
    name: str
    bases: list[_ast.expr]
    #: names the class body defines (methods, properties, class attributes)
    defines: set[str] = field(default_factory=set)
    #: (method, the name of its first parameter)
    methods: list[tuple[_ast.FunctionDef | _ast.AsyncFunctionDef, str]] = field(default_factory=list)


def _own_block(lines, node: _ast.ClassDef) -> bool:
    """The class body is an indented block, not statements on the ``class`` line (``class A: x = 1``,
    whose names LibCST-based versions of this rule never counted as defined). ``lines``: the
    :class:`cdkfix.spans.LineIndex` of the source."""
    first = node.body[0]
    return not lines.line_text(first.lineno).encode()[:first.col_offset].strip()


def _class_info(node: _ast.ClassDef, own_block: bool) -> _Class:
    """A class with its methods and the names its body defines."""
    info = _Class(node, node.name, [base for base in node.bases if not isinstance(base, _ast.Starred)])
    for stmt in node.body if own_block else ():
        if isinstance(stmt, _DEFS):
            info.defines.add(stmt.name)
            params = stmt.args.args or stmt.args.posonlyargs
            decorators = {d.id for d in stmt.decorator_list if isinstance(d, _ast.Name)}
            if params and not decorators & {"staticmethod", "classmethod"}:
                info.methods.append((stmt, params[0].arg))
        elif isinstance(stmt, (_ast.Assign, _ast.AnnAssign, _ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, _ast.Assign) else [stmt.target]
            info.defines.update(target.id for target in targets if isinstance(target, _ast.Name))
        elif isinstance(stmt, _ast.ClassDef):
            info.defines.add(stmt.name)
    return info


class _SelfAttributes:
    """``self.X`` nodes of one method body (or expression), and the statements assigning ``self.X`` in
    source order."""

    def __init__(self, self_name: str, nodes: list[_ast.AST]) -> None:
        self.self_name = self_name
        self.attributes: list[_ast.Attribute] = []
        #: (attribute assigned, the assignment statement, its value or None)
        self.assigned: list[tuple[_ast.Attribute, _ast.stmt, _ast.expr | None]] = []
        statements = []
        for root in nodes:
            for node in _ast.walk(root):
                if isinstance(node, _ast.Attribute):
                    if self._is_self(node):
                        self.attributes.append(node)
                elif isinstance(node, _ast.Assign) or isinstance(node, _ast.AnnAssign) and node.value is not None:
                    statements.append(node)
        for stmt in sorted(statements, key=_start):
            for target in (stmt.targets if isinstance(stmt, _ast.Assign) else [stmt.target]):
                self._targets(target, stmt, stmt.value)

    def _is_self(self, node: _ast.AST) -> bool:
        return isinstance(node, _ast.Attribute) and isinstance(node.value, _ast.Name) and node.value.id == self.self_name

    def _targets(self, target: _ast.expr, stmt: _ast.stmt, value) -> None:
        if self._is_self(target):
            self.assigned.append((target, stmt, value))  # type: ignore[arg-type]
        elif isinstance(target, (_ast.Tuple, _ast.List)):
            for element in target.elts:
                self._targets(element.value if isinstance(element, _ast.Starred) else element, stmt, None)


_READ_ONLY: dict[int, frozenset[str]] = {}


def _read_only_properties(info) -> frozenset[str]:
    """The read-only instance properties of an index class (cached: index types live as long as the
    process, and every Stack of every file asks about ``Stack``)."""
    found = _READ_ONLY.get(id(info))
    if found is None:
        found = _READ_ONLY[id(info)] = frozenset(
            name for name, prop in info.properties.items() if prop.readonly and not prop.static)
    return found


def _attribute_names(scan) -> set[str]:
    """Every attribute name of the file, dotted module names of imports included."""
    names = {node.attr for node in scan.attributes}
    for node in _ast.walk(scan.tree):
        if isinstance(node, _ast.Import):
            names.update(part for alias in node.names for part in alias.name.split(".")[1:])
        elif isinstance(node, _ast.ImportFrom) and node.module:
            names.update(node.module.split(".")[1:])
    return names


class ReadOnlyStackProperty(AstRule):
    """Renames an attribute a CDK subclass assigns over a read-only property of its base class.

    ``Stack`` defines ``environment``, ``region``, ``account``, ``stack_name``, ``node``, ``tags``… as
    properties without a setter (the API index lists them: read-only, non-static properties of every CDK
    class the subclass derives from, ``Construct``'s ``node`` included). Generated stacks often keep their
    own settings under those names (``self.environment = "dev"``), which Python refuses. The rule gives the
    attribute a name of its own, ``<name>_name`` for a string (``environment_name``, ``region_name``;
    ``account_id``) or ``<name>_value``, picking one that no attribute of the file and no member of the
    base class uses, and renames every ``self.<name>`` in the class and its subclasses in the same file.
    Reads that happen before the first assignment (``self.region = self.region or "us-east-1"``) keep
    reading the real property. A class that defines the name itself (a property with a setter) is left
    alone. Uses through other variables (``stack.environment`` outside the class) are not renamed.

    The classes, their ``self.<name>`` uses and assignments are read from the stdlib tree of the file; each
    renamed ``self.<name>`` is an edit of that expression's text, all of them belonging to the one finding
    at the first assignment.
    """

    code = "CDK104"
    name = "read-only-stack-property"
    title = "Assignment to a read-only Stack/Construct property (`self.environment = ...`)"
    why = """
        `Stack.environment`, `Stack.region`, `Stack.account`, `Stack.stack_name`, `Construct.node`… are
        jsii properties without a setter; assigning one in a subclass fails as soon as the stack is built:

            AttributeError: property 'environment' of 'TapStack' object has no setter
    """
    source = "DESIGN.md failure table (assignment to a read-only Stack property, 7% of failures); corpus Pr6081, Pr7440"
    triggers = ("self.",)
    synth_error = "AttributeError: property 'environment' of 'TapStack' object has no setter"
    cases = (
        Case(
            "CDK104-invalid-environment-in-stack",
            """
            from aws_cdk import Stack
            class TapStack(Stack):
                def __init__(self, scope, construct_id, environment: str, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    self.environment = environment  # dev or prod
                    self.bucket = make_bucket(self, self.environment)

                def is_prod(self) -> bool:
                    return self.environment == "prod"
            """,
            """
            from aws_cdk import Stack
            class TapStack(Stack):
                def __init__(self, scope, construct_id, environment: str, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    self.environment_name = environment  # dev or prod
                    self.bucket = make_bucket(self, self.environment_name)

                def is_prod(self) -> bool:
                    return self.environment_name == "prod"
            """,
        ),
        Case(
            "CDK104-invalid-region-read-before-assignment",
            """
            import aws_cdk as cdk
            class AppStack(cdk.Stack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    print(self.region)
                    self.region = self.region or "us-east-1"
                    self.url = f"https://{self.region}.example.com"
            """,
            """
            import aws_cdk as cdk
            class AppStack(cdk.Stack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
                    print(self.region)
                    self.region_name = self.region or "us-east-1"
                    self.url = f"https://{self.region_name}.example.com"
            """,
        ),
        Case(
            "CDK104-invalid-name-taken-and-subclass",
            """
            from aws_cdk import NestedStack
            class Base(NestedStack):
                def __init__(self, scope, construct_id, env_name):
                    super().__init__(scope, construct_id)
                    self.environment_name = env_name
                    self.environment, self.account = env_name.upper(), "123"

            class Child(Base):
                def describe(self):
                    return (
                        self.environment,  # the user's value
                        self.account,
                    )
            """,
            """
            from aws_cdk import NestedStack
            class Base(NestedStack):
                def __init__(self, scope, construct_id, env_name):
                    super().__init__(scope, construct_id)
                    self.environment_name = env_name
                    self.environment_value, self.account_id = env_name.upper(), "123"

            class Child(Base):
                def describe(self):
                    return (
                        self.environment_value,  # the user's value
                        self.account_id,
                    )
            """,
        ),
        Case(
            "CDK104-invalid-construct-node",
            """
            from constructs import Construct
            class Widget(Construct):
                def __init__(self, scope: Construct, id: str, node: dict) -> None:
                    super().__init__(scope, id)
                    self.node: dict = node
            """,
            """
            from constructs import Construct
            class Widget(Construct):
                def __init__(self, scope: Construct, id: str, node: dict) -> None:
                    super().__init__(scope, id)
                    self.node_value: dict = node
            """,
        ),
        Case(
            "CDK104-valid-user-property-with-setter",
            """
            from aws_cdk import Stack
            class TapStack(Stack):
                @property
                def environment(self):
                    return self._environment

                @environment.setter
                def environment(self, value):
                    self._environment = value

                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.environment = "dev"
            """,
        ),
        Case(
            "CDK104-valid-not-a-cdk-class-and-writable-property",
            """
            from aws_cdk import Stack
            class Settings:
                def __init__(self):
                    self.environment = "dev"
                    self.region = "us-east-1"
            class TapStack(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.termination_protection = True
                    self.settings = Settings()
                    environment = "dev"
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only when a class assigns ``<name>.X`` where X is a read-only property of a CDK base in the file."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        api = prefilter_index()
        read_only: set[str] = set()
        for node in scan.classes:
            for base in node.bases:
                for qualname in scan.resolve_all(base):
                    info = api.lookup(qualname) if qualname.startswith(("aws_cdk", "constructs")) else None
                    if info is not None and info.kind == "class":
                        read_only.update(_read_only_properties(info))
        if not read_only:
            return False
        # Every assignment of the file, not only those in classes: a little more permissive, and no walk.
        for inner in scan.assignments:
            for target in inner.targets if isinstance(inner, _ast.Assign) else [inner.target]:
                kind = type(target)
                if kind is _ast.Name:  # ``x = ...``: no attribute to look at
                    continue
                if kind is _ast.Attribute and type(target.value) is _ast.Name:  # ``self.x = ...``: no walk
                    if target.attr in read_only:
                        return True
                    continue
                for element in _ast.walk(target):
                    if (isinstance(element, _ast.Attribute) and isinstance(element.value, _ast.Name)
                            and element.attr in read_only):
                        return True
        return False

    def check(self) -> None:
        classes = [_class_info(node, _own_block(self.lines, node))
                   for node in sorted(self.scan.classes, key=_start)]
        if not classes:
            return
        #: id(attribute) -> (attribute, new name, the finding it belongs to); decided for the whole file first
        self._renames: dict[int, tuple[_ast.Attribute, str, int]] = {}
        self._analyse(classes)
        for attribute, new, finding in self._renames.values():
            self.queue(Edit(attribute, lambda node, new=new: node.with_changes(attr=cst.Name(new)), finding))

    # -- analysis ------------------------------------------------------------------------------------
    def _analyse(self, classes: list[_Class]) -> None:
        api = index(self.options)
        by_name: dict[str, list[_Class]] = {}
        for cls in classes:
            by_name.setdefault(cls.name, []).append(cls)

        def local_parent(base: _ast.expr) -> _Class | None:
            if isinstance(base, _ast.Name) and len(by_name.get(base.id, ())) == 1 and base.id not in self.imports.bindings:
                return by_name[base.id][0]
            return None

        def ancestors(cls: _Class, seen: set[int]) -> tuple[list[_Class], list]:
            """In-file ancestors and the index types the class derives from."""
            local: list[_Class] = []
            types: list = []
            for base in cls.bases:
                parent = local_parent(base)
                if parent is not None:
                    if id(parent) in seen:
                        continue
                    seen.add(id(parent))
                    local.append(parent)
                    more_local, more_types = ancestors(parent, seen)
                    local += more_local
                    types += more_types
                    continue
                qualname = self.imports.resolve_dotted(ast_dotted(base))
                info = api.lookup(qualname) if qualname and qualname.startswith(("aws_cdk", "constructs")) else None
                if info is not None and info.kind == "class":
                    types.append(info)
            return local, types

        family: dict[int, tuple[list[_Class], list]] = {id(c): ancestors(c, {id(c)}) for c in classes}
        del ancestors  # a closure that calls itself is a cycle, which would keep the tree alive until collected
        taken_everywhere = _attribute_names(self.scan)

        scans: dict[int, list[_SelfAttributes]] = {}

        def scan(cls: _Class) -> list[_SelfAttributes]:
            if id(cls) not in scans:
                found = []
                for method, self_name in cls.methods:
                    found.append(_SelfAttributes(self_name, method.body))
                scans[id(cls)] = found
            return scans[id(cls)]

        def subclasses(cls: _Class) -> list[_Class]:
            return [c for c in classes if c is not cls and cls in family[id(c)][0]]

        for cls in classes:
            local, types = family[id(cls)]
            if not types:
                continue
            defined = set(cls.defines).union(*(c.defines for c in local))
            read_only = {name: prop for info in types for name, prop in info.properties.items()
                         if prop.readonly and not prop.static and name not in defined}
            members = {name for info in types for name in (*info.properties, *info.methods)}
            if not read_only:
                continue
            done: set[str] = set()
            for method_index, visitor in enumerate(scan(cls)):
                for target, stmt, value in visitor.assigned:
                    attr = target.attr
                    if attr not in read_only or attr in done:
                        continue
                    if any(attr in (t.attr for t, _, _ in v.assigned) for c in local for v in scan(c)):
                        done.add(attr)  # an in-file base class assigns it too: renamed with that class
                        continue
                    done.add(attr)
                    family_classes = [cls, *subclasses(cls)]
                    defined_in_family = set().union(*(c.defines for c in family_classes), defined)
                    new = self._new_name(attr, read_only[attr].type, taken_everywhere | defined_in_family | members)
                    owner = types[0].name
                    if new is None:
                        self.report(target, f"`{owner}.{attr}` is read-only; rename the attribute (no free name found)")
                        continue
                    keep = self._reads_before(visitor, stmt, value, attr)
                    nodes = [a for c in family_classes for v in scan(c) for a in v.attributes
                             if a.attr == attr and id(a) not in keep]
                    if self.record_fix(target, f"`{owner}.{attr}` is read-only (no setter); the attribute is renamed "
                                       f"`{new}` in `{cls.name}`" + (" and its subclasses" if len(family_classes) > 1 else "")):
                        finding = len(self.findings_so_far) - 1
                        for attribute in nodes:
                            self._renames[id(attribute)] = (attribute, new, finding)
                        taken_everywhere = taken_everywhere | {new}

    def _reads_before(self, visitor: _SelfAttributes, stmt: _ast.stmt, value, attr: str) -> set[int]:
        """Reads of ``self.attr`` in the method before the first assignment, or in its value."""
        start = _start(stmt)
        inside: set[int] = set()
        if value is not None:
            inside = {id(a) for a in _SelfAttributes(visitor.self_name, [value]).attributes}
        return {id(attribute) for attribute in visitor.attributes
                if attribute.attr == attr and (_start(attribute) < start or id(attribute) in inside)}

    @staticmethod
    def _new_name(attr: str, type_: str, taken: set[str]) -> str | None:
        candidates = []
        if attr in _PREFERRED:
            candidates.append(_PREFERRED[attr])
        if type_ == "string" and not attr.endswith(("_name", "_id")):
            candidates.append(f"{attr}_name")
        candidates.append(f"{attr}_value")
        return next((c for c in candidates if c not in taken), None)
