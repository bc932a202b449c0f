"""``[tool.cdkfix]`` in pyproject.toml: discovery, validation, merging with the command line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cdkfix.config import Config, ConfigError, load_config

FULL = """
[project]
name = "demo"

[tool.cdkfix]
select = ["CDK0", "CDK004"]
ignore = "CDK004"
unsafe-fixes = true
cdk-version = "2.275.0"
exclude = ["generated/legacy", "*_old.py"]

[tool.cdkfix.per-file-ignores]
"tests/*.py" = ["CDK004"]
"**/scratch_*.py" = "submodule-as-attribute"

[tool.cdkfix.settings]
deny-services = ["aws_opsworks"]
min-backup-retention-days = 7
"""


def _write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pyproject.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_full_config_from_a_nested_file(tmp_path):
    pyproject = _write(tmp_path, FULL)
    nested = tmp_path / "infra" / "stacks" / "app.py"
    nested.parent.mkdir(parents=True)
    nested.write_text("x = 1\n")
    config = load_config(nested)
    assert config.path == pyproject and config.root == tmp_path.resolve()
    assert config.select == ("CDK0", "CDK004")
    assert config.ignore == ("CDK004",)
    assert config.unsafe_fixes is True and config.cdk_version == "2.275.0"
    assert config.exclude == ("generated/legacy", "*_old.py")
    assert config.settings == {"deny-services": ["aws_opsworks"], "min-backup-retention-days": 7}


def test_nearest_file_with_a_cdkfix_table_wins(tmp_path):
    _write(tmp_path, '[tool.cdkfix]\nignore = ["CDK004"]\n')
    inner = _write(tmp_path / "sub", '[project]\nname = "no-cdkfix-table"\n')  # passed over
    config = load_config(inner.parent)
    assert config.path == tmp_path / "pyproject.toml"
    closer = _write(tmp_path / "sub" / "deeper", "[tool.cdkfix]\nunsafe-fixes = true\n")
    assert load_config(closer.parent).path == closer
    assert load_config(closer.parent).ignore == ()


def test_no_config_gives_defaults(tmp_path):
    assert load_config(tmp_path) == Config()


@pytest.mark.parametrize(("body", "message"), [
    ("selectt = ['CDK004']", "[tool.cdkfix] unknown key 'selectt' (did you mean 'select'?)"),
    ("unsafe_fixes = true", "unknown key 'unsafe_fixes' (did you mean 'unsafe-fixes'?)"),
    ("unsafe-fixes = 'yes'", "'unsafe-fixes' must be true or false"),
    ("select = [1, 2]", "'select' must be a list of rule codes"),
    ("select = ['CDK999']", "'select': unknown rule 'CDK999'"),
    ("cdk-version = 2", "'cdk-version' must be a string"),
    ("per-file-ignores = ['x']", "'per-file-ignores' must be a table"),
    ("settings = 3", "'settings' must be a table"),
])
def test_errors_name_the_file_and_the_key(tmp_path, body, message):
    path = _write(tmp_path, f"[tool.cdkfix]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(f"{path}: [tool.cdkfix]")
    assert message in str(info.value)


def test_invalid_toml(tmp_path):
    path = _write(tmp_path, "[tool.cdkfix\nselect = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML") as info:
        load_config(tmp_path)
    assert str(info.value).startswith(str(path))


def test_command_line_wins(tmp_path):
    _write(tmp_path, FULL)
    config = load_config(tmp_path)
    same = config.merge(select=None, ignore=[], unsafe_fixes=None, cdk_version=None)
    assert same == config
    merged = config.merge(select=["CDK004,CDK005"], ignore=["CDK005"], unsafe_fixes=False, cdk_version="2.200.0",
                          settings={"min-backup-retention-days": 30})
    assert merged.select == ("CDK004", "CDK005") and merged.ignore == ("CDK005",)
    assert merged.unsafe_fixes is False and merged.cdk_version == "2.200.0"
    assert merged.settings == {"deny-services": ["aws_opsworks"], "min-backup-retention-days": 30}
    assert config.merge(extend_ignore=["CDK005"]).ignore == ("CDK004", "CDK005")


def test_rules_for_applies_per_file_ignores(tmp_path):
    _write(tmp_path, '[tool.cdkfix]\nignore = ["CDK00"]\n[tool.cdkfix.per-file-ignores]\n'
                     '"tests/*.py" = ["CDK004"]\n"**/scratch_*.py" = "submodule-as-attribute"\n'
                     '"conftest.py" = ["CDK004"]\n')
    config = load_config(tmp_path)
    assert config.rules_for(tmp_path / "tests" / "test_a.py") == ((), ("CDK00", "CDK004"))
    assert config.rules_for(tmp_path / "app" / "stack.py") == ((), ("CDK00",))
    assert config.rules_for(tmp_path / "a" / "b" / "scratch_1.py") == ((), ("CDK00", "submodule-as-attribute"))
    assert config.rules_for(tmp_path / "deep" / "conftest.py") == ((), ("CDK00", "CDK004"))  # basename match


def test_exclude(tmp_path):
    _write(tmp_path, FULL)
    config = load_config(tmp_path)
    assert config.is_excluded(tmp_path / "generated" / "legacy" / "x.py")
    assert config.is_excluded(tmp_path / "stack_old.py")
    assert not config.is_excluded(tmp_path / "generated" / "new.py")


def test_selectors_work_with_the_registry(tmp_path):
    from cdkfix.registry import select_rules

    _write(tmp_path, FULL)
    select, ignore = load_config(tmp_path).rules_for(tmp_path / "app.py")
    assert "CDK004" not in {rule.code for rule in select_rules(select, ignore)}
