"""Build the cdkfix API index from a jsii assembly (``python -m cdkfix.index_build``).

The ground truth is the jsii assembly that ``aws-cdk-lib`` ships inside its Python wheel
(``aws_cdk/_jsii/aws-cdk-lib@<version>.jsii.tgz``, member ``package/.jsii`` or the
``package/.jsii.gz`` it redirects to). This module reads it, converts every name to the
name jsii's Python binding generates, and writes a compact snapshot that
:mod:`cdkfix.api_index` loads lazily.

Python names follow jsii-pacmak's Python target: ``toSnakeCase`` from jsii's ``codemaker``
package (npm ``decamelize``, after keeping ``KiB``/``MiB``/``GiB`` whole); reserved words get a
trailing ``_``; protected instance members a leading ``_`` (protected *static* methods keep their
plain name); ``const`` static properties are upper-cased; a trailing struct parameter is lifted
into keyword-only arguments (breadth-first over the struct's bases), and a positional parameter
whose name clashes with a lifted one gets ``_`` appended; a struct class's own ``__init__`` lists
its bases' fields first; a submodule with no types gets no Python module; a submodule without a
``python`` target is ``<parent module>.<snake_case(name)>``. ``tests/test_api_index.py`` checks
every type, constructor, member, method signature, struct field and enum member of the bundled
index against the installed library.

The ``constructs`` assembly (when installed) is indexed too, as module ``constructs``, so that
members inherited from ``constructs.Construct`` are known.

Usage: ``python -m cdkfix.index_build [ASSEMBLY] [--output DIR]`` (default: the installed
aws-cdk-lib, written to the user cache dir where ``load_index(version)`` finds it). The bundled
snapshot is ``python -m cdkfix.index_build --output cdkfix/data``; builds are reproducible.

Snapshot format (``FORMAT`` = 1), one file ``aws-cdk-lib-<version>.cdkidx``::

    MAGIC (8 bytes) | header length (4 bytes, big endian) | header | blob | blob | ...

``header`` is zlib-compressed JSON::

    {"format": 1, "version": "2.275.0", "assembly": "aws-cdk-lib",
     "submodules": {jsii submodule fqn: python module},       # to map fqns to Python
     "modules": {python module: [offset, length]},            # blob of that module
     "names": [offset, length],                               # blob: {python module: [top-level name, ...]}
     "defining": [offset, length]}                            # blob: {top-level name: module or [module, ...]}

Each module blob is zlib-compressed JSON ``{python type name (dotted if nested): record}``;
offsets are relative to the end of the header. Records are lists (see ``_type_record``);
inherited members are resolved when loading, not stored.
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

MAGIC = b"CDKFIX\x00\x01"
FORMAT = 1
ASSEMBLY = "aws-cdk-lib"
SUFFIX = ".cdkidx"

# jsii-pacmak's list of Python reserved words (python.ts); identical to keyword.kwlist.
PYTHON_KEYWORDS = frozenset(
    """False None True and as assert async await break class continue def del elif else
    except finally for from global if import in is lambda nonlocal not or pass raise
    return try while with yield""".split()
)

# codemaker's case-utils: these abbreviations are kept in one piece ("sizeInMiB" -> "size_in_mib").
_ABBREV_RE = re.compile(r"(^|[^A-Z])(KiB|MiB|GiB)($|[^a-z])")
_LOWER_THEN_UPPER = re.compile(r"([a-z\d])([A-Z])")
_UPPER_RUN_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z]+)")


def to_snake_case(name: str) -> str:
    """jsii's ``toSnakeCase`` (codemaker): ``postgreSqlSettings`` -> ``postgre_sql_settings``."""
    name = _ABBREV_RE.sub(lambda m: m.group(1) + m.group(2)[0] + m.group(2)[1:].lower() + m.group(3), name)
    if len(name) < 2:
        return name.lower()
    name = _LOWER_THEN_UPPER.sub(r"\1_\2", name)
    return _UPPER_RUN_THEN_WORD.sub(r"\1_\2", name).lower()


def to_python_identifier(name: str) -> str:
    """A reserved word gets a trailing underscore (``lambda`` -> ``lambda_``)."""
    return name + "_" if name in PYTHON_KEYWORDS else name


def to_python_name(jsii_name: str) -> str:
    """The Python name of a jsii property, parameter or method (``fromBucketArn`` -> ``from_bucket_arn``)."""
    return to_python_identifier(to_snake_case(jsii_name))


def to_python_parameter_name(name: str, taken: frozenset[str] | set[str] = frozenset()) -> str:
    result = to_python_name(name)
    while result in taken:
        result += "_"
    return result


def to_python_member_name(name: str, *, protected: bool = False, const: bool = False) -> str:
    value = to_python_name(name)
    if const:
        value = value.upper()
    if protected:
        value = "_" + value
    return value


# --------------------------------------------------------------------------- reading assemblies


def read_assembly(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a jsii assembly from a ``.jsii.tgz`` (npm tarball), a ``.jsii``/``.jsii.gz`` file or a directory."""
    import gzip
    import tarfile

    path = Path(path)
    if path.is_dir():
        for candidate in (path / ".jsii", path / "package" / ".jsii"):
            if candidate.exists():
                return read_assembly(candidate)
        raise FileNotFoundError(f"no .jsii file in {path}")
    if path.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(path, "r:gz") as tar:
            names = {m.name: m for m in tar.getmembers() if m.name.endswith((".jsii", ".jsii.gz"))}

            def member(name: str) -> bytes:
                info = names.get("package/" + name) or names.get(name)
                if info is None:
                    raise FileNotFoundError(f"{name} not found in {path}")
                f = tar.extractfile(info)
                assert f is not None
                return f.read()

            data = json.loads(member(".jsii"))
            if data.get("schema") == "jsii/file-redirect":
                raw = member(data["filename"])
                if data.get("compression") == "gzip":
                    raw = gzip.decompress(raw)
                data = json.loads(raw)
            return data
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    data = json.loads(raw)
    if data.get("schema") == "jsii/file-redirect":
        target = path.parent / data["filename"]
        raw = target.read_bytes()
        if data.get("compression") == "gzip":
            raw = gzip.decompress(raw)
        data = json.loads(raw)
    return data


def _installed_package_dir(module: str) -> Path | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def installed_assembly_path(package: str = ASSEMBLY, module: str = "aws_cdk") -> Path | None:
    """The ``.jsii.tgz`` of an installed jsii package (default: aws-cdk-lib), without importing it."""
    pkg_dir = _installed_package_dir(module)
    if pkg_dir is None:
        return None
    matches = sorted((pkg_dir / "_jsii").glob(f"{package}@*.jsii.tgz"))
    return matches[-1] if matches else None


def installed_cdk_version() -> str | None:
    """The version of the installed ``aws-cdk-lib`` distribution, or None."""
    import importlib.metadata

    try:
        return importlib.metadata.version(ASSEMBLY)
    except importlib.metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- the model


class _Model:
    """All types of the assemblies that matter, with their Python locations."""

    def __init__(self, assemblies: list[dict[str, Any]]) -> None:
        self.types: dict[str, dict[str, Any]] = {}
        # jsii namespace fqn (assembly or submodule) -> python module
        self.submodules: dict[str, str] = {}
        for asm in assemblies:
            self.types.update(asm.get("types", {}))
            name = asm["name"]
            root = asm.get("targets", {}).get("python", {}).get("module") or to_snake_case(name)
            self.submodules[name] = root
            # parents first, so a submodule without a python target derives from its parent's module
            for fqn in sorted(asm.get("submodules", {}), key=lambda f: f.count(".")):
                sub = asm["submodules"][fqn]
                module = sub.get("targets", {}).get("python", {}).get("module")
                if not module:
                    parent, _, last = fqn.rpartition(".")
                    module = self.submodules.get(parent, to_snake_case(parent)) + "." + to_snake_case(last)
                self.submodules[fqn] = module
        self._lifted_cache: dict[str, list[list[Any]]] = {}

    # where a type lives in Python
    def locate(self, fqn: str) -> tuple[str, str] | None:
        t = self.types.get(fqn)
        if t is None:
            return None
        assembly = t["assembly"]
        namespace = t.get("namespace")
        parts = namespace.split(".") if namespace else []
        # the longest namespace prefix that is a submodule; the rest are enclosing types
        for i in range(len(parts), -1, -1):
            ns = ".".join([assembly, *parts[:i]])
            if ns in self.submodules:
                return self.submodules[ns], ".".join([*parts[i:], t["name"]])
        return None

    def is_struct(self, fqn: str) -> bool:
        t = self.types.get(fqn)
        return bool(t and t["kind"] == "interface" and t.get("datatype"))

    # type references -> compact strings
    def typeref(self, ref: dict[str, Any] | None) -> str:
        if not ref:
            return "any"
        if "primitive" in ref:
            return ref["primitive"]
        if "fqn" in ref:
            return ref["fqn"]
        if "collection" in ref:
            c = ref["collection"]
            kind = "list" if c["kind"] == "array" else "map"
            return f"{kind}[{self.typeref(c['elementtype'])}]"
        if "union" in ref:
            return "union[" + ",".join(self.typeref(x) for x in ref["union"]["types"]) + "]"
        if "intersection" in ref:
            return "intersection[" + ",".join(self.typeref(x) for x in ref["intersection"]["types"]) + "]"
        return "any"

    @staticmethod
    def deprecated(docs: dict[str, Any] | None) -> str | None:
        docs = docs or {}
        if "deprecated" in docs:
            return docs["deprecated"] or "deprecated"
        if docs.get("stability") == "deprecated":
            return "deprecated"
        return None

    def struct_fields(self, fqn: str) -> list[list[Any]]:
        """The lifted keyword arguments of a struct, in the order jsii's Python binding emits them.

        Breadth-first over the struct and its bases, each in assembly order (jsii lists required
        properties first), the first definition of a name winning; this is pacmak's
        ``getLiftedProperties``. Each entry: [python name, type, optional, deprecated].
        """
        cached = self._lifted_cache.get(fqn)
        if cached is not None:
            return cached
        queue = [fqn]
        known_ifaces = {fqn}
        known_props: set[str] = set()
        found: list[list[Any]] = []
        while queue:
            current = self.types.get(queue.pop(0))
            if current is None:
                continue
            for base in current.get("interfaces", []):
                if base not in known_ifaces:
                    known_ifaces.add(base)
                    queue.append(base)
            for prop in current.get("properties", []):
                if prop["name"] in known_props:
                    continue
                known_props.add(prop["name"])
                found.append(
                    [
                        to_python_parameter_name(prop["name"]),
                        self.typeref(prop.get("type")),
                        1 if prop.get("optional") else 0,
                        self.deprecated(prop.get("docs")),
                    ]
                )
        ordered = found
        self._lifted_cache[fqn] = ordered
        return ordered

    def struct_class_fields(self, fqn: str) -> list[list[Any]]:
        """The fields of a struct in the order of its Python class's ``__init__``: the bases' fields
        first (depth-first, in declaration order), then its own."""
        by_name = {f[0]: f for f in self.struct_fields(fqn)}
        order: list[str] = []

        def visit(current_fqn: str) -> None:
            current = self.types.get(current_fqn)
            if current is None:
                return
            for base in current.get("interfaces", []):
                visit(base)
            for prop in current.get("properties", []):
                name = to_python_parameter_name(prop["name"])
                if name not in order:
                    order.append(name)

        visit(fqn)
        return [by_name[name] for name in order if name in by_name]

    def callable_record(self, params: list[dict[str, Any]]) -> tuple[list[list[Any]], str | None]:
        """Positional params and the fqn of the lifted struct (None when nothing is lifted)."""
        lifted: str | None = None
        if params:
            last = params[-1]
            fqn = last.get("type", {}).get("fqn")
            if not last.get("variadic") and fqn and self.is_struct(fqn):
                lifted = fqn
        taken = {f[0] for f in self.struct_fields(lifted)} if lifted else set()
        positional = params[:-1] if lifted else params
        out = [
            [
                to_python_parameter_name(p["name"], taken),
                self.typeref(p.get("type")),
                1 if p.get("optional") else 0,
                1 if p.get("variadic") else 0,
            ]
            for p in positional
        ]
        return out, lifted


def _member_flags(m: dict[str, Any]) -> int:
    return (
        (1 if m.get("static") else 0)
        | (2 if m.get("protected") else 0)
        | (4 if m.get("abstract") else 0)
        | (8 if m.get("immutable") else 0)
        | (16 if m.get("const") else 0)
    )


def _type_record(model: _Model, t: dict[str, Any]) -> list[Any]:
    """One type as a list:

    ``[kind, abstract, deprecated, base, interfaces, init, methods, properties, fields_or_members]``

    * kind: ``c`` class, ``i`` interface, ``s`` struct, ``e`` enum
    * base: direct base class fqn (classes) or None; interfaces: direct base interface fqns
    * init (classes): ``[positional params, lifted struct fqn or None]`` or None without a public initializer
    * methods: ``[name, flags, params, lifted struct fqn, returns, deprecated]`` (own members only)
    * properties: ``[name, type, optional, deprecated, flags]`` (own members only)
    * fields (structs, inherited ones included): ``[name, type, optional, deprecated]``, in the order of
      keyword arguments lifted from that struct; when the struct class's own ``__init__`` orders them
      differently, a tenth item lists the field indexes in that order. members (enums): names
    * params: ``[name, type, optional, variadic]``; flags: 1 static, 2 protected, 4 abstract, 8 read-only, 16 const
    """
    kind = t["kind"]
    deprecated = model.deprecated(t.get("docs"))
    if kind == "enum":
        return ["e", 0, deprecated, None, [], None, [], [], [to_python_identifier(m["name"]) for m in t.get("members", [])]]
    if kind == "interface" and t.get("datatype"):
        lifted = model.struct_fields(t["fqn"])
        position = {f[0]: i for i, f in enumerate(lifted)}
        order = [position[f[0]] for f in model.struct_class_fields(t["fqn"])]
        record = ["s", 0, deprecated, None, t.get("interfaces", []), None, [], [], lifted]
        return record if order == sorted(order) else [*record, order]
    methods = []
    for m in t.get("methods", []):
        params, lifted = model.callable_record(m.get("parameters", []))
        returns = m.get("returns")
        methods.append(
            [
                to_python_member_name(m["name"], protected=bool(m.get("protected")) and not m.get("static")),
                _member_flags(m),
                params,
                lifted,
                model.typeref(returns.get("type")) if returns else None,
                model.deprecated(m.get("docs")),
            ]
        )
    properties = [
        [
            to_python_member_name(
                p["name"], protected=bool(p.get("protected")) and not p.get("static"), const=bool(p.get("const"))
            ),
            model.typeref(p.get("type")),
            1 if p.get("optional") else 0,
            model.deprecated(p.get("docs")),
            _member_flags(p),
        ]
        for p in t.get("properties", [])
    ]
    if kind == "interface":
        return ["i", 0, deprecated, None, t.get("interfaces", []), None, methods, properties, []]
    init = None
    if "initializer" in t:
        init = list(model.callable_record(t["initializer"].get("parameters", [])))
    return [
        "c",
        1 if t.get("abstract") else 0,
        deprecated,
        t.get("base"),
        t.get("interfaces", []),
        init,
        methods,
        properties,
        [],
    ]


def _dumps(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 9)


def build_snapshot(main: dict[str, Any], dependencies: list[dict[str, Any]]) -> bytes:
    """Serialize the index of ``main`` (types of ``dependencies`` are indexed too, e.g. constructs)."""
    model = _Model([main, *dependencies])
    per_module: dict[str, dict[str, Any]] = {mod: {} for mod in model.submodules.values()}
    for fqn in sorted(model.types):
        loc = model.locate(fqn)
        if loc is None:
            continue
        module, name = loc
        per_module.setdefault(module, {})[name] = _type_record(model, model.types[fqn])
    # jsii's Python binding generates no module for a submodule without types (aws-cdk-lib.assets)
    for module in [m for m, types in per_module.items() if not types]:
        if not any(other.startswith(module + ".") and per_module[other] for other in per_module):
            del per_module[module]
    blobs: list[bytes] = []
    offsets: dict[str, list[int]] = {}
    pos = 0
    for module in sorted(per_module):
        blob = _dumps(per_module[module])
        offsets[module] = [pos, len(blob)]
        blobs.append(blob)
        pos += len(blob)
    by_module = {module: sorted(n for n in types if "." not in n) for module, types in sorted(per_module.items())}
    defining: dict[str, list[str]] = {}
    for module, names in by_module.items():
        for name in names:
            defining.setdefault(name, []).append(module)
    names_blob = _dumps(by_module)
    defining_blob = _dumps({k: v[0] if len(v) == 1 else v for k, v in sorted(defining.items())})
    blobs += [names_blob, defining_blob]
    header = {
        "format": FORMAT,
        "version": main["version"],
        "assembly": main["name"],
        "dependencies": {d["name"]: d["version"] for d in dependencies},
        "submodules": model.submodules,
        "modules": offsets,
        "names": [pos, len(names_blob)],
        "defining": [pos + len(names_blob), len(defining_blob)],
    }
    header_blob = _dumps(header)
    return MAGIC + struct.pack(">I", len(header_blob)) + header_blob + b"".join(blobs)


def snapshot_filename(version: str) -> str:
    return f"{ASSEMBLY}-{version}{SUFFIX}"


def cache_root() -> Path:
    """``$CDKFIX_CACHE_DIR`` or ``$XDG_CACHE_HOME/cdkfix`` or ``~/.cache/cdkfix``."""
    env = os.environ.get("CDKFIX_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "cdkfix"


def cache_index_dir(version: str) -> Path:
    """Where ``build_index_from_assembly`` puts the index of ``version``: ``<cache root>/index/<version>/``."""
    return cache_root() / "index" / version


def build_index_from_assembly(
    path_or_installed: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Build an index from an assembly and return the file written.

    ``path_or_installed``: a ``.jsii.tgz`` (as in ``aws_cdk/_jsii/``), ``.jsii``, ``.jsii.gz`` or a
    directory holding one; None or ``"installed"`` for the installed aws-cdk-lib.

    ``out_dir`` defaults to :func:`cache_index_dir` of the assembly's version, which is where
    ``load_index(version)`` looks. The ``constructs`` assembly, when installed, is indexed too
    (module ``constructs``), so members inherited from ``constructs.Construct`` are known.
    """
    if path_or_installed is None or str(path_or_installed) == "installed":
        path = installed_assembly_path()
        if path is None:
            raise LookupError("aws-cdk-lib is not installed here: pass the path of an aws-cdk-lib .jsii.tgz")
    else:
        path = Path(path_or_installed)
    main = read_assembly(path)
    deps = []
    constructs_path = installed_assembly_path("constructs", "constructs")
    if constructs_path is not None and main["name"] != "constructs":
        deps.append(read_assembly(constructs_path))
    data = build_snapshot(main, deps)
    out = Path(out_dir) if out_dir is not None else cache_index_dir(main["version"])
    out.mkdir(parents=True, exist_ok=True)
    target = out / snapshot_filename(main["version"])
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    parser = argparse.ArgumentParser(
        prog="python -m cdkfix.index_build",
        description="Build the cdkfix API index from the aws-cdk-lib jsii assembly.",
    )
    parser.add_argument(
        "assembly",
        nargs="?",
        help="an aws-cdk-lib .jsii.tgz, .jsii or .jsii.gz (default: the installed aws-cdk-lib)",
    )
    parser.add_argument("--output", "-o", help="directory to write to (default: the user cache dir)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        target = build_index_from_assembly(args.assembly, args.output)
    except (LookupError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    size = target.stat().st_size
    print(f"wrote {target} ({size / 1e6:.2f} MB) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
