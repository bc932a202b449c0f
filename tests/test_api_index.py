"""The API index: what exists in aws-cdk-lib, named the way jsii's Python binding names it."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import json
import os
import textwrap
import time
from pathlib import Path

import pytest

from cdkfix import api_index
from cdkfix.api_index import (
    BUNDLED_VERSION,
    ApiIndex,
    Method,
    Param,
    Prop,
    TypeInfo,
    build_index_from_assembly,
    detect_project_cdk_version,
    installed_cdk_version,
    load_index,
)
from cdkfix.index_build import main as build_main
from cdkfix.index_build import to_python_name, to_snake_case


@pytest.fixture(scope="module")
def idx() -> ApiIndex:
    return load_index()


# --------------------------------------------------------------------------- loading


def test_bundled_snapshot_is_small_and_cached(idx: ApiIndex) -> None:
    assert idx.version == BUNDLED_VERSION == "2.275.0"
    assert idx.path.parent == Path(api_index.__file__).parent / "data"
    assert idx.path.stat().st_size < 3_000_000
    assert load_index() is idx
    assert load_index("2.275.0") is idx
    assert load_index("v2.275.0") is idx
    assert api_index.bundled_versions() == ("2.275.0",)


def test_unknown_version_raises_lookup_error_naming_the_build_command(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CDKFIX_CACHE_DIR", str(tmp_path))
    with pytest.raises(LookupError, match="cdkfix index build") as info:
        load_index("1.0.0")
    assert "1.0.0" in str(info.value)


def test_installed_version() -> None:
    version = installed_cdk_version()
    assert version is None or version.count(".") == 2
    if version is not None:
        assert version == BUNDLED_VERSION, "the test environment pins the bundled aws-cdk-lib version"


# --------------------------------------------------------------------------- modules and names


def test_modules(idx: ApiIndex) -> None:
    for module in (
        "aws_cdk",
        "aws_cdk.aws_s3",
        "aws_cdk.aws_elasticloadbalancingv2_targets",
        "aws_cdk.aws_s3_deployment",
        "aws_cdk.cx_api",
        "aws_cdk.aws_lambda_nodejs",
        "aws_cdk.aws_cloudfront.experimental",  # a submodule without a python target in the assembly
        "aws_cdk.interfaces.aws_s3",
        "aws_cdk.aws_s3.mixins",
        "constructs",
    ):
        assert idx.has_module(module), module
        assert module in idx.modules
    for module in ("aws_cdk.core", "aws_cdk.aws_elbv2", "aws_cdk.aws_lambda_", "aws_cdk.assets", "aws_cdk.aws_s3.Bucket"):
        assert not idx.has_module(module), module
    assert isinstance(idx.modules, frozenset)
    assert len(idx.modules) > 600


def test_names_and_modules_defining(idx: ApiIndex) -> None:
    assert idx.modules_defining("RemovalPolicy") == ("aws_cdk",)
    assert idx.modules_defining("Duration") == ("aws_cdk",)
    assert idx.modules_defining("LogGroup") == ("aws_cdk.aws_logs",)
    assert idx.modules_defining("SqsEventSource") == ("aws_cdk.aws_lambda_event_sources",)
    assert idx.modules_defining("Construct") == ("constructs",)
    assert idx.modules_defining("InstanceTarget") == (
        "aws_cdk.aws_elasticloadbalancing",
        "aws_cdk.aws_elasticloadbalancingv2_targets",
    )
    assert idx.modules_defining("NoSuchThing") == ()
    # nested types are not top-level names
    assert idx.modules_defining("PostgreSqlSettingsProperty") == ()
    names = idx.names("aws_cdk.aws_lambda")
    assert isinstance(names, frozenset)
    assert {"Function", "Runtime", "Code", "IFunction", "FunctionProps"} <= names
    assert "LogGroup" not in names
    assert "RemovalPolicy" not in idx.names("aws_cdk.aws_s3")
    assert "CfnEndpoint" in idx.names("aws_cdk.aws_dms")
    assert not any("." in n for n in idx.names("aws_cdk.aws_dms"))
    assert idx.names("aws_cdk.nope") == frozenset()


# --------------------------------------------------------------------------- types


def test_dms_endpoint_settings_props(idx: ApiIndex) -> None:
    endpoint = idx.type("aws_cdk.aws_dms", "CfnEndpoint")
    assert endpoint is not None and endpoint.kind == "class"
    assert {"postgre_sql_settings", "my_sql_settings", "microsoft_sql_server_settings", "oracle_settings"} <= set(
        endpoint.props
    )
    assert "postgres_settings" not in endpoint.props
    assert endpoint.props["endpoint_type"].optional is False
    assert endpoint.props["postgre_sql_settings"].optional is True
    assert endpoint.props["postgre_sql_settings"].type == "union[aws-cdk-lib.IResolvable,aws-cdk-lib.aws_dms.CfnEndpoint.PostgreSqlSettingsProperty]"
    assert [p.name for p in endpoint.positional] == ["scope", "id"]
    assert endpoint.props_type == "aws-cdk-lib.aws_dms.CfnEndpointProps"
    assert "PostgreSqlSettingsProperty" in endpoint.nested


def test_nested_types(idx: ApiIndex) -> None:
    nested = idx.type("aws_cdk.aws_dms", "CfnEndpoint.PostgreSqlSettingsProperty")
    assert nested is not None
    assert nested.kind == "struct"
    assert nested.module == "aws_cdk.aws_dms"
    assert nested.name == "CfnEndpoint.PostgreSqlSettingsProperty"
    assert nested.fqn == "aws-cdk-lib.aws_dms.CfnEndpoint.PostgreSqlSettingsProperty"
    assert "secrets_manager_secret_id" in nested.props
    assert idx.lookup("aws_cdk.aws_dms.CfnEndpoint.PostgreSqlSettingsProperty") is nested
    assert idx.locate(nested.fqn) == ("aws_cdk.aws_dms", "CfnEndpoint.PostgreSqlSettingsProperty")
    assert idx.type("aws_cdk.aws_dms", "CfnEndpoint.NoSuchProperty") is None


def test_required_props(idx: ApiIndex) -> None:
    route = idx.type("aws_cdk.aws_appmesh", "Route")
    assert route is not None
    assert route.props["mesh"].optional is False and route.props["mesh"].required
    assert route.props["mesh"].type == "aws-cdk-lib.aws_appmesh.IMesh"
    assert route.props["route_name"].optional is True
    assert set(route.required_props) == {"mesh", "virtual_router", "route_spec"}
    # kwargs in the order of the real signature: the props struct's own fields, then its bases'
    assert list(route.props) == ["mesh", "virtual_router", "route_spec", "route_name"]


def test_deprecated_prop(idx: ApiIndex) -> None:
    repo = idx.type("aws_cdk.aws_ecr", "Repository")
    assert repo is not None
    deprecated = repo.props["auto_delete_images"].deprecated
    assert deprecated is not None and "emptyOnDelete" in deprecated
    assert repo.props["empty_on_delete"].deprecated is None
    assert to_python_name("emptyOnDelete") in repo.props


def test_enum_members(idx: ApiIndex) -> None:
    billing = idx.type("aws_cdk.aws_dynamodb", "BillingMode")
    assert billing is not None and billing.kind == "enum"
    assert billing.members == ("PAY_PER_REQUEST", "PROVISIONED")
    retention = idx.type("aws_cdk.aws_logs", "RetentionDays")
    assert "ONE_WEEK" in retention.members and "SEVEN" not in retention.members
    assert retention.props == {} and retention.methods == {}


def test_static_methods(idx: ApiIndex) -> None:
    discovery = idx.type("aws_cdk.aws_appmesh", "ServiceDiscovery")
    assert discovery is not None and discovery.abstract
    dns = discovery.methods["dns"]
    assert isinstance(dns, Method) and dns.static
    assert dns.params[0] == Param("hostname", "string", optional=False, variadic=False)
    assert dns.params[1].optional
    assert dns.returns == "aws-cdk-lib.aws_appmesh.ServiceDiscovery"
    cloud_map = discovery.methods["cloud_map"]
    assert cloud_map.static and cloud_map.params[0].name == "service"

    duration = idx.type("aws_cdk", "Duration")
    assert duration.methods["minutes"].static
    assert not duration.methods["to_seconds"].static
    assert duration.methods["to_seconds"].kwargs_type == "aws-cdk-lib.TimeConversionOptions"
    assert set(duration.methods["to_seconds"].kwargs) == {"integral"}
    assert duration.constructible is False


def test_class_members_include_inherited(idx: ApiIndex) -> None:
    bucket = idx.type("aws_cdk.aws_s3", "Bucket")
    assert bucket is not None and bucket.kind == "class" and not bucket.abstract
    assert bucket.fqn == "aws-cdk-lib.aws_s3.Bucket"
    assert bucket.bases == ("aws-cdk-lib.aws_s3.BucketBase", "aws-cdk-lib.Resource", "constructs.Construct")
    assert "versioned" in bucket.props and "versioning" not in bucket.props
    assert bucket.props["lifecycle_rules"].type == "list[aws-cdk-lib.aws_s3.LifecycleRule]"
    assert bucket.props["removal_policy"].type == "aws-cdk-lib.RemovalPolicy"
    assert bucket.methods["from_bucket_name"].static
    assert not bucket.methods["add_to_resource_policy"].static  # from BucketBase
    assert "apply_removal_policy" in bucket.methods  # from Resource
    assert "node" in bucket.properties  # from constructs.Construct
    assert bucket.properties["bucket_name"].readonly
    assert bucket.properties["bucket_name"].type == "string"
    assert "PROPERTY_INJECTION_ID" in bucket.properties and bucket.properties["PROPERTY_INJECTION_ID"].static
    assert bucket.member("grant_read") is bucket.methods["grant_read"]
    grant_read = bucket.methods["grant_read"]
    assert [p.name for p in grant_read.params] == ["identity", "objects_key_pattern"]


def test_stack_environment_is_read_only(idx: ApiIndex) -> None:
    stack = idx.type("aws_cdk", "Stack")
    assert stack.properties["environment"].readonly
    assert stack.properties["account"].readonly
    assert "template_options" in stack.properties
    assert [(p.name, p.optional) for p in stack.positional] == [("scope", True), ("id", True)]
    assert "env" in stack.props and "stack_name" in stack.props


def test_struct_and_interface(idx: ApiIndex) -> None:
    props = idx.type("aws_cdk.aws_lambda", "FunctionProps")
    assert props.kind == "struct"
    assert {"code", "handler", "runtime", "timeout", "memory_size"} <= set(props.props)  # incl. inherited
    assert props.props["timeout"].type == "aws-cdk-lib.Duration"
    ifunction = idx.type("aws_cdk.aws_lambda", "IFunction")
    assert ifunction.kind == "interface"
    assert "function_arn" in ifunction.properties
    assert "add_permission" in ifunction.methods
    assert "node" in ifunction.properties  # from constructs.IConstruct
    assert "apply_removal_policy" in ifunction.methods  # from IResource


def test_reserved_words_and_name_clashes(idx: ApiIndex) -> None:
    assert "lambda_" in idx.type("aws_cdk.aws_lambda", "VersionAttributes").props
    assert "with_" in idx.type("aws_cdk", "Stack").methods
    # a positional parameter named like a lifted keyword gets a trailing underscore
    mapping = idx.type("aws_cdk.aws_apigateway", "CfnBasePathMapping")
    assert [p.name for p in mapping.positional] == ["scope", "id_"]
    assert "id" in mapping.props


def test_fqn_helpers(idx: ApiIndex) -> None:
    assert idx.locate("aws-cdk-lib.RemovalPolicy") == ("aws_cdk", "RemovalPolicy")
    assert idx.python_name("aws-cdk-lib.aws_s3.Bucket") == "aws_cdk.aws_s3.Bucket"
    assert idx.python_name("aws-cdk-lib.aws_cloudfront.experimental.EdgeFunction") == (
        "aws_cdk.aws_cloudfront.experimental.EdgeFunction"
    )
    assert idx.type_by_fqn("constructs.Construct").module == "constructs"
    assert idx.locate("aws-cdk-lib.aws_s3.Nope") is None
    assert idx.lookup("aws_cdk.aws_s3.Bucket") is idx.type("aws_cdk.aws_s3", "Bucket")
    assert idx.lookup("aws_cdk.nope.Bucket") is None
    assert idx.type("aws_cdk.nope", "Bucket") is None


def test_snake_case_follows_jsii() -> None:
    assert to_snake_case("postgreSqlSettings") == "postgre_sql_settings"
    assert to_snake_case("mySqlSettings") == "my_sql_settings"
    assert to_snake_case("mySQLSettings") == "my_sql_settings"
    assert to_snake_case("memoryGiBPerVCpu") == "memory_gib_per_v_cpu"  # codemaker keeps KiB/MiB/GiB whole
    assert to_snake_case("sizeInMiB") == "size_in_mib"
    assert to_snake_case("ipv6Address") == "ipv6_address"
    assert to_snake_case("x") == "x"
    assert to_python_name("lambda") == "lambda_"
    assert to_python_name("from") == "from_"


# --------------------------------------------------------------------------- the index against the real library
#
# For every type of every module (about 22,800 types; ~7 s): the Python location of its jsii fqn, the constructor's positional and
# keyword-only parameters (names, defaults, order), every jsii member reachable on the class (names, static or
# not, method or property), every method signature, every struct field and every enum member, compared with
# what `inspect` and `vars()` see on the installed aws_cdk classes.

def _jsii_name(obj: object) -> str | None:
    candidates = [obj]
    for attr in ("fget", "__func__"):
        for c in list(candidates):
            inner = getattr(c, attr, None)
            if inner is not None:
                candidates.append(inner)
                if getattr(inner, "__func__", None) is not None:
                    candidates.append(inner.__func__)
    for c in candidates:
        name = getattr(c, "__dict__", {}).get("__jsii_name__")
        if name:
            return name
    return None


def _member_kind(obj: object) -> tuple[str, bool]:
    from jsii.python import _ClassProperty

    if isinstance(obj, _ClassProperty):
        return "property", True
    if isinstance(obj, property):
        return "property", False
    return "method", isinstance(obj, (classmethod, staticmethod))


def _signature(fn) -> tuple[list[tuple[str, bool, bool]], dict[str, bool]]:
    """(positional [(name, has default, variadic)], keyword-only {name: has default}) without self/cls.

    Read from the code object: what ``inspect.signature`` reports for these plain functions, 10x faster.
    """
    code = fn.__code__
    n_pos, n_kw = code.co_argcount, code.co_kwonlyargcount
    names = code.co_varnames
    first_default = n_pos - len(fn.__defaults__ or ())
    positional = [(names[i], i >= first_default, False) for i in range(1, n_pos)]
    if code.co_flags & inspect.CO_VARARGS:
        positional.append((names[n_pos + n_kw], False, True))
    kw_defaults = fn.__kwdefaults__ or {}
    keywords = {name: name in kw_defaults for name in names[n_pos : n_pos + n_kw]}
    return positional, keywords


def _expected(params: tuple[Param, ...], kwargs: dict[str, Prop]) -> tuple[list, dict]:
    return [(p.name, p.optional and not p.variadic, p.variadic) for p in params], {
        k: p.optional for k, p in kwargs.items()
    }


def check_type_against_python(t: TypeInfo, cls: type) -> list[str]:
    """Differences between an index entry and the real Python class (empty when they agree)."""
    where = f"{t.module}.{t.name}"
    errors: list[str] = []
    if issubclass(cls, enum.Enum):
        real_members = tuple(m.name for m in cls)
        if t.kind != "enum" or real_members != t.members:
            errors.append(f"{where}: enum members {real_members} != {t.members}")
        return errors
    if t.kind == "struct":
        real = _signature(cls.__init__)
        mine = _expected((), t.props)
        if real != mine or list(real[1]) != list(mine[1]):
            errors.append(f"{where}: struct fields {real} != {mine}")
        return errors
    real_members: dict[str, object] = {}
    for klass in cls.__mro__:
        if klass.__module__ in ("builtins", "typing", "typing_extensions"):
            continue
        for name, obj in vars(klass).items():
            if name not in real_members and _jsii_name(obj) is not None:
                real_members[name] = obj
    real_kinds = {name: _member_kind(obj) for name, obj in real_members.items()}
    mine_kinds = {n: ("method", m.static) for n, m in t.methods.items()}
    mine_kinds.update({n: ("property", p.static) for n, p in t.properties.items()})
    if real_kinds != mine_kinds:
        errors.append(f"{where}: members differ: {sorted(set(real_kinds.items()) ^ set(mine_kinds.items()))[:6]}")
    for name, method in t.methods.items():
        obj = real_members.get(name)
        if obj is None:
            continue
        fn = obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj
        real = _signature(fn)
        mine = _expected(method.params, method.kwargs)
        if real != mine or list(real[1]) != list(mine[1]):
            errors.append(f"{where}.{name}: {real} != {mine}")
    if t.kind == "class":
        init = cls.__dict__.get("__init__")
        if t.constructible != (init is not None):
            errors.append(f"{where}: constructible={t.constructible} but __init__ defined: {init is not None}")
        elif init is not None:
            real = _signature(init)
            mine = _expected(t.positional, t.props)
            if real != mine or list(real[1]) != list(mine[1]):
                errors.append(f"{where}.__init__: {real} != {mine}")
    return errors


def check_module_against_python(idx: ApiIndex, module_name: str) -> tuple[list[str], int]:
    module = importlib.import_module(module_name)
    errors: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[object, str]] = [(module, "")]
    while stack:
        owner, prefix = stack.pop()
        for attr, cls in list(vars(owner).items()):
            if attr.startswith("_") or not isinstance(cls, type) or cls.__module__ != module_name:
                continue
            fqn = cls.__dict__.get("__jsii_type__")
            if fqn is None:
                continue
            qualname = prefix + attr
            seen.add(qualname)
            stack.append((cls, qualname + "."))
            if idx.locate(fqn) != (module_name, qualname):
                errors.append(f"{module_name}.{qualname}: {fqn} located at {idx.locate(fqn)}")
                continue
            errors += check_type_against_python(idx.type(module_name, qualname), cls)
    mine = set(idx.types_in(module_name))
    if mine != seen:
        errors.append(f"{module_name}: only in the index {sorted(mine - seen)[:5]}, only in Python {sorted(seen - mine)[:5]}")
    top_level = {n for n in seen if "." not in n}
    if idx.names(module_name) != top_level:
        errors.append(f"{module_name}: names() differ {sorted(idx.names(module_name) ^ top_level)[:5]}")
    return errors, len(seen)


@pytest.fixture(scope="module")
def real_cdk():
    # The test extra pins this version; anything else means the environment is wrong, not a skip.
    assert installed_cdk_version() == BUNDLED_VERSION, f"aws-cdk-lib {BUNDLED_VERSION} must be installed"
    return importlib.import_module("aws_cdk")


def test_index_matches_the_installed_python_binding(idx: ApiIndex, real_cdk) -> None:
    start = time.perf_counter()
    modules = sorted(idx.modules)
    errors: list[str] = []
    checked = 0
    for module_name in modules:
        found, count = check_module_against_python(idx, module_name)
        errors += found
        checked += count
    assert not errors, "\n".join(errors[:40])
    assert len(modules) > 600 and checked > 20000, (len(modules), checked)
    print(f"checked {checked} types in {len(modules)} modules in {time.perf_counter() - start:.1f} s")


def test_the_check_catches_wrong_names(idx: ApiIndex, real_cdk) -> None:
    """The comparison above is not vacuous: a wrong keyword, member, enum member or signature fails it."""
    from aws_cdk import aws_appmesh, aws_dms, aws_dynamodb, aws_s3

    endpoint = idx.type("aws_cdk.aws_dms", "CfnEndpoint")
    assert check_type_against_python(endpoint, aws_dms.CfnEndpoint) == []
    props = {("postgres_settings" if k == "postgre_sql_settings" else k): v for k, v in endpoint.props.items()}
    assert check_type_against_python(dataclasses.replace(endpoint, props=props), aws_dms.CfnEndpoint)

    route = idx.type("aws_cdk.aws_appmesh", "Route")
    optional_mesh = {**route.props, "mesh": dataclasses.replace(route.props["mesh"], optional=True)}
    assert check_type_against_python(dataclasses.replace(route, props=optional_mesh), aws_appmesh.Route)

    billing = idx.type("aws_cdk.aws_dynamodb", "BillingMode")
    wrong_members = dataclasses.replace(billing, members=("ON_DEMAND", "PROVISIONED"))
    assert check_type_against_python(wrong_members, aws_dynamodb.BillingMode)

    bucket = idx.type("aws_cdk.aws_s3", "Bucket")
    renamed = {("from_bucket_name_" if k == "from_bucket_name" else k): v for k, v in bucket.methods.items()}
    assert check_type_against_python(dataclasses.replace(bucket, methods=renamed), aws_s3.Bucket)
    not_static = {**bucket.methods, "grant_read": dataclasses.replace(bucket.methods["grant_read"], static=True)}
    assert check_type_against_python(dataclasses.replace(bucket, methods=not_static), aws_s3.Bucket)

    discovery = idx.type("aws_cdk.aws_appmesh", "ServiceDiscovery")
    dns = discovery.methods["dns"]
    renamed_param = dataclasses.replace(dns, params=(dataclasses.replace(dns.params[0], name="host_name"), *dns.params[1:]))
    methods = {**discovery.methods, "dns": renamed_param}
    assert check_type_against_python(dataclasses.replace(discovery, methods=methods), aws_appmesh.ServiceDiscovery)


# --------------------------------------------------------------------------- building an index for another version

TINY_ASSEMBLY = {
    "name": "aws-cdk-lib",
    "version": "9.8.7",
    "targets": {"python": {"module": "aws_cdk"}},
    "submodules": {"aws-cdk-lib.aws_widgets": {"targets": {"python": {"module": "aws_cdk.aws_widgets"}}}},
    "types": {
        "aws-cdk-lib.aws_widgets.Widget": {
            "assembly": "aws-cdk-lib",
            "fqn": "aws-cdk-lib.aws_widgets.Widget",
            "kind": "class",
            "name": "Widget",
            "namespace": "aws_widgets",
            "initializer": {
                "parameters": [
                    {"name": "scope", "type": {"fqn": "constructs.Construct"}},
                    {"name": "id", "type": {"primitive": "string"}},
                    {"name": "props", "type": {"fqn": "aws-cdk-lib.aws_widgets.WidgetProps"}},
                ]
            },
            "methods": [
                {"name": "fromWidgetName", "static": True, "parameters": [{"name": "widgetName", "type": {"primitive": "string"}}]}
            ],
            "properties": [{"name": "widgetArn", "immutable": True, "type": {"primitive": "string"}}],
        },
        "aws-cdk-lib.aws_widgets.WidgetProps": {
            "assembly": "aws-cdk-lib",
            "fqn": "aws-cdk-lib.aws_widgets.WidgetProps",
            "kind": "interface",
            "datatype": True,
            "name": "WidgetProps",
            "namespace": "aws_widgets",
            "properties": [
                {"name": "mySqlSettings", "type": {"primitive": "string"}},
                {"name": "lambda", "optional": True, "type": {"primitive": "boolean"}, "docs": {"deprecated": "use mySqlSettings"}},
            ],
        },
        "aws-cdk-lib.Color": {
            "assembly": "aws-cdk-lib",
            "fqn": "aws-cdk-lib.Color",
            "kind": "enum",
            "name": "Color",
            "members": [{"name": "RED"}, {"name": "DARK_BLUE"}],
        },
    },
}


def test_build_into_cache_dir_and_load_by_version(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CDKFIX_CACHE_DIR", str(tmp_path / "cache"))
    assembly = tmp_path / ".jsii"
    assembly.write_text(json.dumps(TINY_ASSEMBLY))
    with pytest.raises(LookupError):
        load_index("9.8.7")
    written = build_index_from_assembly(assembly)
    assert written == tmp_path / "cache" / "index" / "9.8.7" / "aws-cdk-lib-9.8.7.cdkidx"
    idx = load_index("9.8.7")
    assert idx.version == "9.8.7" and idx.path == written
    assert idx.modules_defining("Widget") == ("aws_cdk.aws_widgets",)
    assert idx.modules_defining("Color") == ("aws_cdk",)
    widget = idx.type("aws_cdk.aws_widgets", "Widget")
    assert list(widget.props) == ["my_sql_settings", "lambda_"]
    assert widget.props["lambda_"].deprecated == "use mySqlSettings"
    assert widget.methods["from_widget_name"].static
    assert widget.methods["from_widget_name"].params == (Param("widget_name", "string"),)
    assert widget.properties["widget_arn"].readonly
    assert idx.type("aws_cdk", "Color").members == ("RED", "DARK_BLUE")


def test_build_command_line(tmp_path, capsys) -> None:
    assembly = tmp_path / "asm.jsii.gz"
    import gzip

    assembly.write_bytes(gzip.compress(json.dumps({**TINY_ASSEMBLY, "version": "9.8.6"}).encode()))
    assert build_main([str(assembly), "--output", str(tmp_path / "out")]) == 0
    assert "aws-cdk-lib-9.8.6.cdkidx" in capsys.readouterr().out
    idx = ApiIndex(tmp_path / "out" / "aws-cdk-lib-9.8.6.cdkidx")
    assert idx.names("aws_cdk.aws_widgets") == {"Widget", "WidgetProps"}
    assert build_main([str(tmp_path / "missing.jsii"), "--output", str(tmp_path / "out")]) == 1


# --------------------------------------------------------------------------- the project's pinned version


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_version_from_requirements(tmp_path) -> None:
    _write(tmp_path / "requirements.txt", "# deps\nconstructs>=10.0.0\naws-cdk-lib==2.100.0  # pinned\n")
    app = _write(tmp_path / "app" / "stacks" / "stack.py", "")
    assert detect_project_cdk_version(app) == "2.100.0"
    assert detect_project_cdk_version(tmp_path) == "2.100.0"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("aws-cdk-lib==2.180.0", "2.180.0"),
        ("aws_cdk_lib == 2.180.0", "2.180.0"),
        ("AWS-CDK-LIB[extra]==2.180.0 ; python_version >= '3.8'", "2.180.0"),
        ("aws-cdk-lib==2.180.0 --hash=sha256:0123abcd", "2.180.0"),
        ("aws-cdk-lib==2.180.0.post1", None),
        ("aws-cdk-lib==2.180.0,<3", None),
        ("aws-cdk-lib>=2.180.0", None),
        ("aws-cdk-lib~=2.180.0", None),
        ("aws-cdk-lib", None),
        ("# aws-cdk-lib==2.180.0", None),
        ("aws-cdk-lib-extras==2.180.0", None),
        ("aws-cdk.aws-s3==1.100.0", None),
    ],
)
def test_requirement_lines(tmp_path, line, expected) -> None:
    _write(tmp_path / "requirements.txt", line + "\n")
    assert detect_project_cdk_version(tmp_path) == expected


def test_version_from_requirements_variants_and_includes(tmp_path) -> None:
    _write(tmp_path / "requirements-dev.txt", "-r requirements-base.txt\npytest\n")
    _write(tmp_path / "requirements-base.txt", "aws-cdk-lib==2.150.1\n")
    assert detect_project_cdk_version(tmp_path) == "2.150.1"


def test_version_from_pyproject(tmp_path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "infra"
        dependencies = ["constructs>=10", "aws-cdk-lib==2.120.0"]
        """,
    )
    assert detect_project_cdk_version(tmp_path / "src" / "x.py") == "2.120.0"


def test_version_from_pyproject_optional_and_dependency_groups(tmp_path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "infra"
        dependencies = ["constructs>=10"]

        [dependency-groups]
        cdk = ["aws-cdk-lib==2.121.0"]
        """,
    )
    assert detect_project_cdk_version(tmp_path) == "2.121.0"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [('"2.130.0"', "2.130.0"), ('"==2.130.0"', "2.130.0"), ('{version = "2.130.0"}', "2.130.0"), ('"^2.130.0"', None)],
)
def test_version_from_poetry(tmp_path, spec, expected) -> None:
    _write(
        tmp_path / "pyproject.toml",
        f"""
        [tool.poetry.dependencies]
        python = "^3.11"
        aws-cdk-lib = {spec}
        """,
    )
    assert detect_project_cdk_version(tmp_path) == expected


def test_version_from_setup_py(tmp_path) -> None:
    _write(
        tmp_path / "setup.py",
        """
        from setuptools import setup
        setup(name="app", install_requires=["aws-cdk-lib==2.99.1", "constructs>=10.0.0,<11.0.0"])
        """,
    )
    assert detect_project_cdk_version(tmp_path) == "2.99.1"


def test_version_detection_stops_at_the_first_project_dir(tmp_path) -> None:
    _write(tmp_path / "requirements.txt", "aws-cdk-lib==2.100.0\n")
    _write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["aws-cdk-lib>=2"]\n')
    assert detect_project_cdk_version(tmp_path / "sub" / "app.py") is None
    assert detect_project_cdk_version(tmp_path / "other" / "app.py") == "2.100.0"


def test_version_detection_without_project_files(tmp_path) -> None:
    empty = tmp_path / "a" / "b"
    empty.mkdir(parents=True)
    _write(tmp_path / "pyproject.toml", "not [valid toml")
    assert detect_project_cdk_version(empty) is None
