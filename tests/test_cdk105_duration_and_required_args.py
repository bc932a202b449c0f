"""CDK105's table checked against the real library's jsii assembly."""

from __future__ import annotations

import gzip
import json
import tarfile
from pathlib import Path

import pytest

from cdkfix.api_index import load_index, to_python_name
from codemods.cdk105_duration_and_required_args import ALL_ON_BY_DEFAULT


@pytest.fixture(scope="module")
def assembly():
    import aws_cdk

    [tgz] = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tgz) as archive:
        return json.loads(gzip.decompress(archive.extractfile("package/.jsii.gz").read()))


@pytest.mark.parametrize("qualname", sorted(ALL_ON_BY_DEFAULT))
def test_all_on_by_default_is_what_typescript_documents(qualname, assembly):
    idx = load_index()
    module, cls, method = qualname.rsplit(".", 2)
    info = idx.type(module, cls)
    kwargs = info.methods[method].kwargs
    assert kwargs and all(not p.optional and p.type == "boolean" for p in kwargs.values())
    jsii_type = assembly["types"][info.fqn]
    [jsii_method] = [m for m in jsii_type["methods"] if to_python_name(m["name"]) == method]
    [param] = jsii_method["parameters"]
    assert param.get("optional"), "the options are optional in TypeScript"
    assert "turned on by default" in jsii_method["docs"].get("remarks", "")
