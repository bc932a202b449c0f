"""Which aws-cdk-lib version a run checks against, and why.

Order: ``--cdk-version`` (or ``cdk-version`` in ``[tool.cdkfix]``); else the version the project pins
(requirements*.txt, pyproject.toml, setup.py); else the installed aws-cdk-lib; else the bundled snapshot.
A pinned or installed version without an index is built from the installed library when the installed
version is the one asked for; otherwise the bundled index is used and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdkfix.api_index import (
    BUNDLED_VERSION,
    build_index_from_assembly,
    detect_project_cdk_version,
    find_index_file,
    installed_cdk_version,
)


class VersionError(LookupError):
    """An explicitly requested version has no index and cannot be built here."""


@dataclass(frozen=True)
class VersionChoice:
    """The version used and a one-line note for the user."""

    version: str
    note: str


def _available(version: str) -> bool:
    return find_index_file(version) is not None


def choose_cdk_version(paths: list[str], override: str | None = None) -> VersionChoice:
    """Decide the index version for a run over ``paths``."""
    installed = installed_cdk_version()
    if override:
        version = override.lstrip("v")
        if _available(version):
            return VersionChoice(version, f"aws-cdk-lib {version} (--cdk-version)")
        if installed == version:
            build_index_from_assembly()
            return VersionChoice(version, f"aws-cdk-lib {version} (--cdk-version; index built from the installed library)")
        raise VersionError(
            f"no API index for aws-cdk-lib {version}: run `cdkfix index build` where aws-cdk-lib=={version} "
            f"is installed (bundled: {BUNDLED_VERSION})")
    for raw in paths:
        if raw == "-":
            continue
        pinned = detect_project_cdk_version(Path(raw))
        if pinned is None:
            continue
        if _available(pinned):
            return VersionChoice(pinned, f"aws-cdk-lib {pinned} (pinned by the project)")
        if installed == pinned:
            build_index_from_assembly()
            return VersionChoice(pinned, f"aws-cdk-lib {pinned} (pinned; index built from the installed library)")
        return VersionChoice(BUNDLED_VERSION, f"aws-cdk-lib {BUNDLED_VERSION} (bundled): the project pins {pinned}, "
                                              f"which has no index here; `cdkfix index build` with it installed")
    if installed and _available(installed):
        return VersionChoice(installed, f"aws-cdk-lib {installed} (installed)")
    return VersionChoice(BUNDLED_VERSION, f"aws-cdk-lib {BUNDLED_VERSION} (bundled)")
