"""CDK102's tables checked against the real library: every synonym target exists, every retention is right."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from cdkfix.api_index import load_index
from codemods.cdk102_enum_member import RETENTION_DAYS, RETENTION_ENUM, SYNONYMS


def test_every_synonym_target_exists_in_the_index():
    idx = load_index()
    for (enum, written), target in SYNONYMS.items():
        info = idx.lookup(enum)
        assert info is not None and info.kind == "enum", enum
        assert target in info.members, f"{enum}.{target}"
        assert written not in info.members, f"{enum}.{written} exists: the synonym would never be used"


def test_every_synonym_target_exists_in_the_installed_library():
    import importlib

    for (enum, _), target in SYNONYMS.items():
        module, _, name = enum.rpartition(".")
        assert hasattr(getattr(importlib.import_module(module), name), target), f"{enum}.{target}"


def test_retention_days_match_the_library_enum_values():
    import aws_cdk

    [tgz] = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(tgz) as archive:
        source = archive.extractfile("package/aws-logs/lib/log-group.js").read().decode()
    values = {name: int(days) for name, days in re.findall(r"RetentionDays2\.(\w+)=(\d+)\]", source)}
    values.pop("INFINITE", None)
    assert values == RETENTION_DAYS
    assert set(load_index().lookup(RETENTION_ENUM).members) == set(RETENTION_DAYS) | {"INFINITE"}
