"""CDK101's list of CDK v1 feature flags that v2 removed matches the installed aws-cdk-lib's own list.

aws-cdk-lib computes it in ``cx-api/lib/features.js`` (``CURRENT_VERSION_EXPIRED_FLAGS``: the ``FLAGS``
entries whose ``introducedIn`` has no ``v2``) inside the jsii tarball shipped in ``aws_cdk/_jsii``. Skipped
when the installed package does not carry that file in the expected shape.
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from codemods.cdk101_cdk_v1_code import V1_REMOVED_FLAGS


def _expired_flags_of_installed_library() -> frozenset[str] | None:
    try:
        import aws_cdk
    except ImportError:
        return None
    tarballs = sorted((Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    if not tarballs:
        return None
    with tarfile.open(tarballs[-1]) as archive:
        try:
            member = archive.extractfile("package/cx-api/lib/features.js")
        except KeyError:
            return None
        text = member.read().decode("utf-8") if member else ""
    constants = dict(re.findall(r'exports\.([A-Z0-9_]+)="([^"]+)"', text))
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"\[exports\.([A-Z0-9_]+)\]:\{type:", text)]
    expired = set()
    for (start, name), (end, _) in zip(starts, [*starts[1:], (len(text), "")]):
        introduced = re.search(r"introducedIn:\{([^}]*)\}", text[start:end])
        if name in constants and introduced and "v2:" not in introduced.group(1):
            expired.add(constants[name])
    return frozenset(expired) or None


def test_removed_flags_match_the_library():
    expired = _expired_flags_of_installed_library()
    assert expired is not None, "aws-cdk-lib 2.275.0 (the test extra) ships cx-api/lib/features.js in its jsii tarball"
    for flag in ("@aws-cdk/core:enableStackNameDuplicates", "@aws-cdk/aws-kms:defaultKeyPolicies",
                 "@aws-cdk/aws-s3:grantWriteWithoutAcl"):
        assert flag in expired and flag in V1_REMOVED_FLAGS
    assert V1_REMOVED_FLAGS == expired
