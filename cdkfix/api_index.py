"""What exists in aws-cdk-lib, by Python name: modules, types, constructor keywords, methods, enum members.

Every decision about what exists goes through this index. It is built from the jsii assembly that
aws-cdk-lib ships (see :mod:`cdkfix.index_build`, which also documents the snapshot format) and
names everything the way jsii's Python binding does, so ``idx.type("aws_cdk.aws_dms", "CfnEndpoint")
.props`` holds ``postgre_sql_settings``, exactly the keyword ``CfnEndpoint(...)`` accepts.

    idx = load_index()                       # the bundled snapshot (aws-cdk-lib 2.275.0)
    idx = load_index("2.180.0")              # one built by `cdkfix index build` into the user cache
    bucket = idx.type("aws_cdk.aws_s3", "Bucket")
    bucket.props["versioned"].optional       # True
    idx.modules_defining("RemovalPolicy")    # ("aws_cdk",)

Loading reads only a small header; a module's types are decompressed when first asked for, and a
type's inherited members are resolved (and cached) when that type is first asked for. Objects
handed out are shared: treat them as read-only.
"""

from __future__ import annotations

import functools
import json
import re
import struct
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdkfix.index_build import (
    ASSEMBLY,
    FORMAT,
    MAGIC,
    SUFFIX,
    build_index_from_assembly,
    cache_index_dir,
    installed_cdk_version,
    snapshot_filename,
    to_python_name,
    to_snake_case,
)

__all__ = [
    "BUNDLED_VERSION",
    "ApiIndex",
    "Method",
    "Param",
    "Prop",
    "TypeInfo",
    "TypeRef",
    "build_index_from_assembly",
    "bundled_versions",
    "cache_index_dir",
    "detect_project_cdk_version",
    "find_index_file",
    "installed_cdk_version",
    "load_index",
    "to_python_name",
    "to_snake_case",
]

#: The aws-cdk-lib version whose index ships in ``cdkfix/data/``.
BUNDLED_VERSION = "2.275.0"
DATA_DIR = Path(__file__).parent / "data"

#: A type reference as a small string: ``"string"``, ``"number"``, ``"boolean"``, ``"any"``, ``"json"``,
#: ``"date"``, a jsii fqn (``"aws-cdk-lib.Duration"``), ``"list[T]"``, ``"map[T]"`` (string keys),
#: ``"union[A,B]"`` or ``"intersection[A,B]"``.
TypeRef = str


@dataclass(frozen=True, slots=True)
class Param:
    """A positional parameter of a constructor or method (Python name)."""

    name: str
    type: TypeRef
    optional: bool = False
    variadic: bool = False


@dataclass(frozen=True, slots=True)
class Prop:
    """A keyword argument, struct field or class/interface property (Python name).

    ``deprecated`` is the jsii ``docs.deprecated`` text (it usually names the replacement, in jsii's
    camelCase: convert with :func:`to_python_name`). ``readonly``/``static``/``const``/``protected``/
    ``abstract`` only apply to properties of classes and interfaces.
    """

    name: str
    type: TypeRef
    optional: bool = False
    deprecated: str | None = None
    static: bool = False
    readonly: bool = False
    const: bool = False
    protected: bool = False
    abstract: bool = False

    @property
    def required(self) -> bool:
        return not self.optional


@dataclass(frozen=True, slots=True)
class Method:
    """A method: ``params`` are positional, ``kwargs`` the trailing struct flattened into keywords."""

    name: str
    static: bool
    params: tuple[Param, ...]
    kwargs: dict[str, Prop]
    returns: TypeRef | None
    deprecated: str | None = None
    protected: bool = False
    abstract: bool = False
    #: fqn of the struct whose fields became ``kwargs`` (None when nothing was flattened)
    kwargs_type: str | None = None


@dataclass(frozen=True, eq=False)
class TypeInfo:
    """A class, behavioural interface (``IBucket``), struct (``BucketProps``) or enum.

    * ``props``: classes: the keyword-only arguments of the Python constructor (the trailing props
      struct, flattened); structs: the fields, inherited ones included.
    * ``positional``: constructor parameters before the keywords (``scope``, ``id``).
    * ``methods`` / ``properties``: instance and static members, inherited ones included.
    * ``members``: enum members.
    * ``bases``: base classes, nearest first (fqns); ``interfaces``: interfaces it declares (fqns).
    """

    module: str
    name: str
    fqn: str
    kind: str  # "class" | "interface" | "struct" | "enum"
    abstract: bool = False
    deprecated: str | None = None
    bases: tuple[str, ...] = ()
    interfaces: tuple[str, ...] = ()
    props: dict[str, Prop] = field(default_factory=dict)
    positional: tuple[Param, ...] = ()
    methods: dict[str, Method] = field(default_factory=dict)
    properties: dict[str, Prop] = field(default_factory=dict)
    members: tuple[str, ...] = ()
    #: False for classes without a public constructor (jsii: no initializer).
    constructible: bool = False
    #: fqn of the struct flattened into ``props`` (classes), else None.
    props_type: str | None = None
    #: names of the types nested in this one (``CfnEndpoint`` -> ``("PostgreSqlSettingsProperty", ...)``).
    nested: tuple[str, ...] = ()
    #: structs: the fields as keyword arguments of a method/constructor that takes this struct last
    #: (same props, in the order jsii's Python binding lifts them: the struct's own fields first).
    lifted_kwargs: dict[str, Prop] = field(default_factory=dict, repr=False)

    @property
    def qualname(self) -> str:
        """``aws_cdk.aws_s3.Bucket``."""
        return f"{self.module}.{self.name}"

    @property
    def base(self) -> str | None:
        return self.bases[0] if self.bases else None

    @property
    def required_props(self) -> tuple[str, ...]:
        return tuple(name for name, prop in self.props.items() if not prop.optional)

    def member(self, name: str) -> Method | Prop | None:
        """A method or property by Python name."""
        return self.methods.get(name) or self.properties.get(name)


_KINDS = {"c": "class", "i": "interface", "s": "struct", "e": "enum"}


def _prop_from_field(rec: list[Any]) -> Prop:
    return Prop(rec[0], rec[1], bool(rec[2]), rec[3])


def _prop_from_property(rec: list[Any]) -> Prop:
    flags = rec[4]
    return Prop(
        rec[0],
        rec[1],
        bool(rec[2]),
        rec[3],
        static=bool(flags & 1),
        protected=bool(flags & 2),
        abstract=bool(flags & 4),
        readonly=bool(flags & 8),
        const=bool(flags & 16),
    )


def _param(rec: list[Any]) -> Param:
    return Param(rec[0], rec[1], bool(rec[2]), bool(rec[3]))


class ApiIndex:
    """The index of one aws-cdk-lib version. Get one with :func:`load_index`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as f:
            magic = f.read(len(MAGIC))
            if magic != MAGIC:
                raise ValueError(f"{self.path} is not a cdkfix index (or from an incompatible cdkfix)")
            (size,) = struct.unpack(">I", f.read(4))
            header = json.loads(zlib.decompress(f.read(size)))
        if header.get("format") != FORMAT:
            raise ValueError(f"{self.path}: index format {header.get('format')}, expected {FORMAT}")
        self._base = len(MAGIC) + 4 + size
        self.version: str = header["version"]
        self.assembly: str = header["assembly"]
        self.dependencies: dict[str, str] = header.get("dependencies", {})
        self._offsets: dict[str, list[int]] = header["modules"]
        self._names_at: list[int] = header["names"]
        #: jsii namespace (assembly or submodule fqn) -> Python module
        self.submodules: dict[str, str] = header["submodules"]
        self.modules: frozenset[str] = frozenset(self._offsets)
        self._namespaces = {mod: ns for ns, mod in self.submodules.items()}
        self._blobs: dict[str, dict[str, list[Any]]] = {}
        self._types: dict[tuple[str, str], TypeInfo | None] = {}
        self._nested_by_module: dict[str, dict[str, tuple[str, ...]]] = {}
        self._defining_at: list[int] = header["defining"]
        self._defining: dict[str, str | list[str]] | None = None
        self._by_module: dict[str, list[str] | frozenset[str]] | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<ApiIndex {self.assembly} {self.version} ({len(self.modules)} modules) from {self.path}>"

    # ------------------------------------------------------------------ raw data

    def _read(self, at: list[int]) -> Any:
        with open(self.path, "rb") as f:
            f.seek(self._base + at[0])
            return json.loads(zlib.decompress(f.read(at[1])))

    def _blob(self, module: str) -> dict[str, list[Any]] | None:
        blob = self._blobs.get(module)
        if blob is None:
            at = self._offsets.get(module)
            if at is None:
                return None
            blob = self._blobs[module] = self._read(at)
        return blob

    def _nested(self, module: str) -> dict[str, tuple[str, ...]]:
        """{enclosing type: names of the types nested directly in it} for one module."""
        nested = self._nested_by_module.get(module)
        if nested is None:
            found: dict[str, list[str]] = {}
            for qualname in self._blob(module) or ():
                outer, dot, inner = qualname.rpartition(".")
                if dot:
                    found.setdefault(outer, []).append(inner)
            nested = self._nested_by_module[module] = {k: tuple(v) for k, v in found.items()}
        return nested

    def _name_map(self) -> dict[str, str | list[str]]:
        if self._defining is None:
            self._defining = self._read(self._defining_at)
        return self._defining

    # ------------------------------------------------------------------ modules and names

    def has_module(self, module: str) -> bool:
        return module in self._offsets

    def names(self, module: str) -> frozenset[str]:
        """Top-level type names defined in a Python module (empty for an unknown module)."""
        if self._by_module is None:
            self._by_module = self._read(self._names_at)
        names = self._by_module.get(module)
        if names is None:
            return frozenset()
        if not isinstance(names, frozenset):
            names = self._by_module[module] = frozenset(names)
        return names

    def modules_defining(self, name: str) -> tuple[str, ...]:
        """Every Python module that defines a top-level type ``name``, sorted."""
        found = self._name_map().get(name)
        if found is None:
            return ()
        return (found,) if isinstance(found, str) else tuple(found)

    def all_names(self) -> frozenset[str]:
        """Every top-level type name of every module."""
        return frozenset(self._name_map())

    def types_in(self, module: str) -> tuple[str, ...]:
        """Every type name of a module, nested ones dotted (loads that module)."""
        blob = self._blob(module)
        return tuple(blob) if blob else ()

    # ------------------------------------------------------------------ fqns

    def locate(self, fqn: str) -> tuple[str, str] | None:
        """The Python ``(module, name)`` of a jsii fqn (``aws-cdk-lib.aws_s3.Bucket`` -> ``("aws_cdk.aws_s3", "Bucket")``)."""
        parts = fqn.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = self.submodules.get(".".join(parts[:i]))
            if module is not None:
                name = ".".join(parts[i:])
                blob = self._blob(module)
                if blob is not None and name in blob:
                    return module, name
        return None

    def python_name(self, fqn: str) -> str | None:
        """``aws-cdk-lib.aws_s3.Bucket`` -> ``aws_cdk.aws_s3.Bucket``."""
        loc = self.locate(fqn)
        return f"{loc[0]}.{loc[1]}" if loc else None

    def type_by_fqn(self, fqn: str) -> TypeInfo | None:
        loc = self.locate(fqn)
        return self.type(*loc) if loc else None

    def fqn_of(self, module: str, name: str) -> str | None:
        """The jsii fqn of a Python type (without loading the module)."""
        ns = self._namespaces.get(module)
        return f"{ns}.{name}" if ns is not None else None

    # ------------------------------------------------------------------ types

    def type(self, module: str, name: str) -> TypeInfo | None:
        """A type by Python module and name; nested types are dotted (``"CfnEndpoint.PostgreSqlSettingsProperty"``)."""
        key = (module, name)
        try:
            return self._types[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._types:
                self._types[key] = self._build(module, name)
            return self._types[key]

    def lookup(self, dotted: str) -> TypeInfo | None:
        """A type by its full Python path: ``"aws_cdk.aws_s3.Bucket"``, ``"aws_cdk.aws_dms.CfnEndpoint.MySqlSettingsProperty"``."""
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:i])
            if module in self._offsets:
                return self.type(module, ".".join(parts[i:]))
        return None

    def _kwargs(self, struct_fqn: str | None) -> dict[str, Prop]:
        if struct_fqn is None:
            return {}
        struct_type = self.type_by_fqn(struct_fqn)
        return dict(struct_type.lifted_kwargs) if struct_type is not None else {}

    def _method(self, rec: list[Any]) -> Method:
        flags = rec[1]
        return Method(
            name=rec[0],
            static=bool(flags & 1),
            params=tuple(_param(p) for p in rec[2]),
            kwargs=self._kwargs(rec[3]),
            returns=rec[4],
            deprecated=rec[5],
            protected=bool(flags & 2),
            abstract=bool(flags & 4),
            kwargs_type=rec[3],
        )

    def _build(self, module: str, name: str) -> TypeInfo | None:
        blob = self._blob(module)
        if blob is None or name not in blob:
            return None
        kind_code, abstract, deprecated, base, interfaces, init, methods, properties, last, *extra = blob[name]
        fqn = self.fqn_of(module, name) or name
        nested = self._nested(module).get(name, ())
        common: dict[str, Any] = dict(
            module=module,
            name=name,
            fqn=fqn,
            kind=_KINDS[kind_code],
            abstract=bool(abstract),
            deprecated=deprecated,
            interfaces=tuple(interfaces),
            nested=nested,
        )
        if kind_code == "e":
            return TypeInfo(**common, members=tuple(last))
        if kind_code == "s":
            fields = [_prop_from_field(r) for r in last]
            # props in the order of the struct's own __init__; kwargs lifted from it use `lifted_order`
            lifted = {p.name: p for p in fields}
            if extra:
                fields = [fields[i] for i in extra[0]]
            return TypeInfo(**common, props={p.name: p for p in fields}, lifted_kwargs=lifted)

        all_methods: dict[str, Method] = {}
        all_properties: dict[str, Prop] = {}
        bases: tuple[str, ...] = ()
        if kind_code == "c":
            parent = self.type_by_fqn(base) if base else None
            if parent is not None:
                bases = (base, *parent.bases)
                all_methods.update(parent.methods)
                all_properties.update(parent.properties)
            elif base:
                bases = (base,)
        else:  # behavioural interface: members of every base interface
            for iface in interfaces:
                parent = self.type_by_fqn(iface)
                if parent is not None:
                    all_methods.update(parent.methods)
                    all_properties.update(parent.properties)
        for rec in methods:
            all_methods[rec[0]] = self._method(rec)
        for rec in properties:
            all_properties[rec[0]] = _prop_from_property(rec)
        if kind_code == "i":
            return TypeInfo(**common, methods=all_methods, properties=all_properties)
        positional: tuple[Param, ...] = ()
        props: dict[str, Prop] = {}
        props_type = None
        if init is not None:
            positional = tuple(_param(p) for p in init[0])
            props_type = init[1]
            props = self._kwargs(props_type)
        return TypeInfo(
            **common,
            bases=bases,
            props=props,
            positional=positional,
            methods=all_methods,
            properties=all_properties,
            constructible=init is not None,
            props_type=props_type,
        )


# ---------------------------------------------------------------------- finding and loading


def _normalize_version(version: str) -> str:
    version = version.strip()
    return version[1:] if version[:1] in ("v", "V") else version


def bundled_versions() -> tuple[str, ...]:
    """Versions whose index ships with cdkfix."""
    prefix, suffix = f"{ASSEMBLY}-", SUFFIX
    found = [p.name[len(prefix) : -len(suffix)] for p in DATA_DIR.glob(f"{prefix}*{suffix}")]
    return tuple(sorted(found, key=_version_key))


def _version_key(version: str) -> tuple[Any, ...]:
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"[.\-+]", version))


def find_index_file(version: str) -> Path | None:
    """The index file for ``version``: the bundled snapshot, else one built into the user cache dir."""
    version = _normalize_version(version)
    for candidate in (DATA_DIR / snapshot_filename(version), cache_index_dir(version) / snapshot_filename(version)):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _open(path: Path) -> ApiIndex:
    return ApiIndex(path)


@functools.cache
def load_index(version: str | None = None) -> ApiIndex:
    """The index of an aws-cdk-lib version (default: the bundled one, ``BUNDLED_VERSION``).

    Raises LookupError when there is none; ``cdkfix index build`` (or
    :func:`build_index_from_assembly`) makes one from the installed aws-cdk-lib.
    """
    wanted = _normalize_version(version) if version else BUNDLED_VERSION
    path = find_index_file(wanted)
    if path is None:
        installed = installed_cdk_version()
        hint = (
            f"install aws-cdk-lib=={wanted} and run `cdkfix index build`"
            if installed != wanted
            else "run `cdkfix index build`"
        )
        raise LookupError(
            f"no API index for aws-cdk-lib {wanted}: cdkfix ships {', '.join(bundled_versions()) or 'none'}, "
            f"and {cache_index_dir(wanted)} holds none; {hint} to build one "
            f"(or use the bundled {BUNDLED_VERSION} index)"
        )
    try:
        return _open(path)
    except (OSError, ValueError, zlib.error) as exc:
        raise LookupError(f"cannot read the API index {path}: {exc}; rebuild it with `cdkfix index build`") from exc


# ---------------------------------------------------------------------- the project's pinned version

_DIST_RE = r"aws[-_.]cdk[-_.]lib"
_VERSION = r"(\d+\.\d+\.\d+)"
# "aws-cdk-lib==2.100.0", "aws_cdk_lib[extra] == 2.100.0 ; python_version >= '3.8'"
_REQ_RE = re.compile(
    rf"^\s*{_DIST_RE}\s*(?:\[[^\]]*\])?\s*==\s*{_VERSION}\s*(?:;[^#]*?)?\s*(?:\s--?[a-z].*|\\)?$", re.IGNORECASE
)
_SETUP_RE = re.compile(rf"""["']\s*{_DIST_RE}\s*(?:\[[^\]]*\])?\s*==\s*{_VERSION}\s*["']""", re.IGNORECASE)
_POETRY_NAME_RE = re.compile(rf"^{_DIST_RE}$", re.IGNORECASE)
_POETRY_PIN_RE = re.compile(rf"^\s*(?:==)?\s*{_VERSION}\s*$")
_PROJECT_FILES = ("pyproject.toml", "setup.py")


def _pin_in_requirement(line: str) -> str | None:
    line = line.split(" #", 1)[0].strip()
    if line.startswith("#"):
        return None
    m = _REQ_RE.match(line)
    return m.group(1) if m else None


def _pin_in_requirements_file(path: Path, seen: set[Path]) -> str | None:
    if path in seen or not path.is_file():
        return None
    seen.add(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        stripped = line.strip()
        for opt in ("-r ", "--requirement ", "--requirement="):
            if stripped.startswith(opt):
                found = _pin_in_requirements_file(path.parent / stripped[len(opt) :].strip(), seen)
                if found:
                    return found
                break
        else:
            found = _pin_in_requirement(stripped)
            if found:
                return found
    return None


def _pin_in_pyproject(path: Path) -> str | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    project = data.get("project", {})
    requirements = list(project.get("dependencies", []) or [])
    for extra in (project.get("optional-dependencies", {}) or {}).values():
        requirements.extend(extra or [])
    for group in (data.get("dependency-groups", {}) or {}).values():  # PEP 735
        requirements.extend(group or [])
    for req in requirements:
        if isinstance(req, str):
            found = _pin_in_requirement(req)
            if found:
                return found
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {})]
    tables += [g.get("dependencies", {}) for g in (poetry.get("group", {}) or {}).values() if isinstance(g, dict)]
    for table in tables:
        for name, spec in (table or {}).items():
            if not _POETRY_NAME_RE.match(name):
                continue
            if isinstance(spec, dict):
                spec = spec.get("version")
            if isinstance(spec, str):
                m = _POETRY_PIN_RE.match(spec)
                if m:
                    return m.group(1)
    return None


def _pin_in_setup_py(path: Path) -> str | None:
    try:
        m = _SETUP_RE.search(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return m.group(1) if m else None


def detect_project_cdk_version(path: Path | str) -> str | None:
    """The ``aws-cdk-lib==X.Y.Z`` pin of the project holding ``path``, or None.

    Walks up from ``path`` to the first directory holding a ``requirements*.txt``, ``pyproject.toml``
    ([project] dependencies or [tool.poetry] dependencies) or ``setup.py`` and reads the pins there
    (requirements files first). Only exact pins count: ``>=``, ``~=``, ``^`` ranges give None.
    """
    start = Path(path).resolve()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        requirements = sorted(directory.glob("requirements*.txt"), key=lambda p: (p.name != "requirements.txt", p.name))
        present = [directory / name for name in _PROJECT_FILES if (directory / name).is_file()]
        if not requirements and not present:
            continue
        seen: set[Path] = set()
        for req in requirements:
            found = _pin_in_requirements_file(req, seen)
            if found:
                return found
        for candidate in present:
            found = _pin_in_pyproject(candidate) if candidate.name == "pyproject.toml" else _pin_in_setup_py(candidate)
            if found:
                return found
        return None
    return None
