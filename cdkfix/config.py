"""Project configuration: ``[tool.cdkfix]`` in the nearest ``pyproject.toml``, merged with the command line.

::

    [tool.cdkfix]
    select = ["CDK0"]                 # codes, names or code prefixes (default: all rules)
    ignore = ["CDK012"]
    unsafe-fixes = false
    cdk-version = "2.275.0"
    exclude = ["generated/legacy", "*_old.py"]

    [tool.cdkfix.per-file-ignores]
    "tests/*.py" = ["CDK004"]        # glob (relative to the pyproject.toml) -> codes

    [tool.cdkfix.settings]           # free-form settings passed to rules (RuleOptions.settings)
    deny-services = ["aws_opsworks"]
    min-backup-retention-days = 7

The search starts at a file or directory and walks up to the first ``pyproject.toml`` that has a
``[tool.cdkfix]`` table (Ruff's habit: a ``pyproject.toml`` without it is passed over). Mistakes are
errors naming the file: ``pyproject.toml: [tool.cdkfix] unknown key 'selectt' (did you mean 'select'?)``.
The command line wins over the file: :meth:`Config.merge`.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

PYPROJECT = "pyproject.toml"

#: The keys ``[tool.cdkfix]`` accepts (kebab-case, as in the file).
KNOWN_KEYS = ("select", "ignore", "unsafe-fixes", "per-file-ignores", "cdk-version", "exclude", "settings")


class ConfigError(ValueError):
    """A configuration mistake; ``str()`` names the file and the key."""


@dataclass(frozen=True)
class Config:
    """The effective configuration of a run.

    ``select``/``ignore`` hold rule selectors as written (codes, names, prefixes; no comma lists) for
    :func:`cdkfix.registry.select_rules`. ``select=()`` means every rule. ``root`` is the directory of the
    ``pyproject.toml`` the values came from (per-file-ignores and excludes are relative to it); ``path`` is
    that file, or None when no file configures cdkfix.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    cdk_version: str | None = None
    exclude: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    root: Path | None = None
    path: Path | None = None

    def merge(self, *, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
              unsafe_fixes: bool | None = None, cdk_version: str | None = None,
              exclude: Sequence[str] | None = None, extend_ignore: Sequence[str] | None = None,
              settings: Mapping[str, Any] | None = None) -> Config:
        """A copy where every value given on the command line replaces the file's.

        ``None`` (or an empty list, for the list options typer gives when the flag is absent) means "not
        given". ``extend_ignore`` adds to the file's ``ignore`` instead of replacing it; ``settings``
        entries override the file's one by one. Comma lists are split.
        """
        changes: dict[str, Any] = {}
        if select:
            changes["select"] = _split(select)
        if ignore:
            changes["ignore"] = _split(ignore)
        if extend_ignore:
            changes["ignore"] = tuple(changes.get("ignore", self.ignore)) + _split(extend_ignore)
        if unsafe_fixes is not None:
            changes["unsafe_fixes"] = bool(unsafe_fixes)
        if cdk_version:
            changes["cdk_version"] = cdk_version
        if exclude:
            changes["exclude"] = tuple(exclude)
        if settings:
            changes["settings"] = {**self.settings, **settings}
        return dataclasses.replace(self, **changes)

    def rules_for(self, path: Path | str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(select, ignore)`` for one file: ``ignore`` extended by every matching per-file-ignores glob."""
        extra: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if _glob_matches(self._relative(path), pattern):
                extra.extend(code for code in codes if code not in extra)
        ignore = self.ignore + tuple(code for code in extra if code not in self.ignore)
        return self.select, ignore

    def is_excluded(self, path: Path | str) -> bool:
        """Whether ``path`` matches one of the ``exclude`` patterns (a glob, or a directory prefix)."""
        relative = self._relative(path)
        for pattern in self.exclude:
            clean = pattern.rstrip("/")
            if _glob_matches(relative, clean) or relative == clean or relative.startswith(clean + "/"):
                return True
        return False

    def _relative(self, path: Path | str) -> str:
        candidate = Path(path)
        if self.root is not None:
            absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
            try:
                return absolute.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return candidate.as_posix()


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _glob_matches(relative: str, pattern: str) -> bool:
    """Ruff-like matching: the path relative to the config, its basename, or any ``**/`` depth."""
    pattern = pattern.replace("\\", "/").removeprefix("./")
    if fnmatch.fnmatchcase(relative, pattern):
        return True
    if "/" not in pattern and fnmatch.fnmatchcase(PurePosixPath(relative).name, pattern):
        return True
    if pattern.startswith("**/"):
        return _glob_matches(relative, pattern[3:])
    return False


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.cdkfix]`` table."""
    start = Path(start)
    here = start if start.is_dir() else start.parent
    here = Path(os.path.abspath(here))
    for directory in (here, *here.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file():
            if "cdkfix" in _read(candidate).get("tool", {}):
                return candidate
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_config(start: Path) -> Config:
    """The configuration for files under ``start`` (a file or directory); defaults when none is found."""
    path = find_pyproject(start)
    if path is None:
        return Config()
    table = _read(path)["tool"]["cdkfix"]
    return parse_config(table, path)


def parse_config(table: Any, path: Path) -> Config:
    """Validate a ``[tool.cdkfix]`` table read from ``path``; raises :class:`ConfigError`."""
    where = f"{path}: [tool.cdkfix]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    for key in table:
        if key not in KNOWN_KEYS:
            hint = difflib.get_close_matches(key.replace("_", "-"), KNOWN_KEYS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known keys: {', '.join(KNOWN_KEYS)})"
            raise ConfigError(f"{where} unknown key {key!r}{suggestion}")

    def codes(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} {key!r} must be a list of rule codes or names, got {value!r}")
        return _split(value)

    select, ignore = codes("select"), codes("ignore")
    unsafe = table.get("unsafe-fixes", False)
    if not isinstance(unsafe, bool):
        raise ConfigError(f"{where} 'unsafe-fixes' must be true or false, got {unsafe!r}")
    version = table.get("cdk-version")
    if version is not None and not isinstance(version, str):
        raise ConfigError(f"{where} 'cdk-version' must be a string like \"2.275.0\", got {version!r}")
    exclude = table.get("exclude", [])
    if isinstance(exclude, str):
        exclude = [exclude]
    if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
        raise ConfigError(f"{where} 'exclude' must be a list of paths or globs, got {exclude!r}")
    raw_pfi = table.get("per-file-ignores", {})
    if not isinstance(raw_pfi, dict):
        raise ConfigError(f"{where} 'per-file-ignores' must be a table of glob = [codes]")
    per_file: list[tuple[str, tuple[str, ...]]] = []
    for pattern, value in raw_pfi.items():
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} 'per-file-ignores' {pattern!r} must be a list of rule codes, got {value!r}")
        per_file.append((pattern, _split(value)))
    settings = table.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{where} 'settings' must be a table ([tool.cdkfix.settings])")
    _check_rules(where, select, ignore, [c for _, cs in per_file for c in cs])
    return Config(select=select, ignore=ignore, unsafe_fixes=unsafe, per_file_ignores=tuple(per_file),
                  cdk_version=version, exclude=tuple(exclude), settings=dict(settings),
                  root=path.parent.resolve(), path=path)


def _check_rules(where: str, select: Sequence[str], ignore: Sequence[str], per_file: Sequence[str]) -> None:
    from cdkfix.registry import UnknownRuleError, select_rules

    for key, values in (("select", select), ("ignore", ignore), ("per-file-ignores", per_file)):
        for value in values:
            try:
                select_rules([value])
            except UnknownRuleError:
                raise ConfigError(f"{where} {key!r}: unknown rule {value!r} (see `cdkfix rules`)") from None
