"""README.md lists every rule (regenerate with `python -m cdkfix.docs`)."""

from pathlib import Path

from cdkfix.docs import render
from cdkfix.registry import all_rules

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_rule_table_is_current():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run `python -m cdkfix.docs` to update the rule table"
    for rule in all_rules():
        assert f"| {rule.code} | {rule.name} |" in text


def test_readme_names_the_ci_test_command():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert f"\n{ci}\n" in README.read_text(encoding="utf-8")
