"""The ``cdkfix`` command line (typer).

Exit codes: 0 done, nothing left to fix; 1 a dry run found changes, or findings remain (unsafe fixes not
applied, findings that need a person); 2 some input could not be processed (the others still were).
"""

from __future__ import annotations

import dataclasses
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cdkfix import __version__
from cdkfix.project import Project
from cdkfix.registry import UnknownRuleError, all_rules, find_rule, select_rules
from cdkfix.report import colorize_diff, finding_line, statistics, summary, write_json
from cdkfix.rule import RuleOptions
from cdkfix.runner import FileOutcome, RunOptions, fix_text
from cdkfix.config import Config
from cdkfix.sources import SourceError, discover, read_source

EXIT_HELP = """
Exit codes: 0 nothing left to fix; 1 a dry run would change files, or findings remain (unsafe fixes not
applied, findings without a fix); 2 some input could not be processed (bad path, syntax error,
undecodable bytes) — the other files are still processed.
"""

app = typer.Typer(
    name="cdkfix",
    help="Repair AWS CDK Python code that does not synthesize.\n" + EXIT_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
index_app = typer.Typer(help="Manage the aws-cdk-lib API index cdkfix checks code against.", no_args_is_help=True)
app.add_typer(index_app, name="index")


class Format(str, Enum):
    """Output formats."""

    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


SelectOpt = Annotated[Optional[list[str]], typer.Option(
    "--select", help="Only these rules (codes, names or code prefixes; comma lists; repeatable).")]
IgnoreOpt = Annotated[Optional[list[str]], typer.Option(
    "--ignore", help="Skip these rules (codes, names or code prefixes; comma lists; repeatable).")]
ExcludeOpt = Annotated[Optional[list[str]], typer.Option(
    "--exclude", help="Skip paths matching these globs or directory prefixes (repeatable).")]
PathsArg = Annotated[list[str], typer.Argument(
    help="Files or directories (.py, .md); directories recursively; '-' reads stdin.", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format: text, json, sarif (2.1.0) or github annotations.")]
VersionOpt = Annotated[Optional[str], typer.Option(
    "--cdk-version", help="aws-cdk-lib version to check against (default: the project's pin, else 2.275.0).")]
JobsOpt = Annotated[int, typer.Option("-j", "--jobs", help="Worker processes (0: one per core).")]
CacheOpt = Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse results for unchanged files (.cdkfix_cache).")]
StatsOpt = Annotated[bool, typer.Option("--statistics", help="Print counts per rule.")]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cdkfix {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """Repair AWS CDK Python code that does not synthesize."""


def _rules(select, ignore):
    try:
        return select_rules(select or (), ignore or ())
    except UnknownRuleError as exc:
        typer.echo(f"cdkfix: {exc}", err=True)
        raise typer.Exit(2) from None


def _err(line: str) -> None:
    typer.echo(line, err=True)


def _version(paths: list[str], override: str | None, *, quiet: bool) -> str:
    from cdkfix.versions import VersionError, choose_cdk_version

    try:
        choice = choose_cdk_version(paths, override)
    except VersionError as exc:
        _err(f"cdkfix: {exc}")
        raise typer.Exit(2) from None
    if not quiet:
        _err(f"cdkfix: checking against {choice.note}")
    return choice.version


@dataclasses.dataclass
class _Run:
    """Everything a command needs to process files: configuration, options, cache, parallelism."""

    config: Config
    options: RunOptions
    cache: object | None
    jobs: int


def _setup(paths: list[str], *, select, ignore, exclude, unsafe_fixes: bool | None, cdk_version: str | None,
           fmt: Format, write: bool, use_cache: bool, jobs: int, unsafe_diffs: bool = True) -> _Run:
    from cdkfix.config import ConfigError, load_config

    first = next((Path(p) for p in paths if p != "-"), Path.cwd())
    try:
        config = load_config(first if first.exists() else Path.cwd())
        config = config.merge(select=select, ignore=ignore, unsafe_fixes=unsafe_fixes, cdk_version=cdk_version,
                              exclude=exclude)
    except ConfigError as exc:
        _err(f"cdkfix: {exc}")
        raise typer.Exit(2) from None
    version = _version(paths, config.cdk_version, quiet=fmt is not Format.text)
    rule_options = RuleOptions(unsafe_fixes=config.unsafe_fixes, cdk_version=version,
                               settings=dict(config.settings))
    options = RunOptions(_rules(config.select, config.ignore), rule_options, write=write, unsafe_diffs=unsafe_diffs)
    cache = None
    if use_cache:
        from cdkfix.cache import Cache

        cache = Cache(config.root or Path.cwd())
    return _Run(config, options, cache, jobs)


def _run(paths: list[str], run: _Run) -> list[FileOutcome]:
    """Process every file under ``paths``; files of one directory argument form one project."""
    from cdkfix.parallel import run_files
    from cdkfix.project_rules import apply_project_rules

    files: list[Path] = []
    projects: list[Project | None] = []
    unreadable: list[FileOutcome] = []
    roots: list[Path] = []
    for root in paths:
        if root == "-":
            continue
        found = list(discover([root], exclude=run.config.exclude))
        # A path that cannot be read is an outcome with an error, so json/sarif/github reports show it too.
        unreadable.extend(FileOutcome(item.path, errors=[str(item)]) for item in found
                          if isinstance(item, SourceError))
        members = [f for f in found if not isinstance(f, SourceError) and not run.config.is_excluded(f)]
        project = Project.from_paths([f for f in members if f.suffix == ".py"]) if Path(root).is_dir() else None
        if Path(root).is_dir():
            roots.append(Path(root))
        files.extend(members)
        projects.extend([project] * len(members))
    # Per-file ignores give some files another rule set: run each group, then restore the input order.
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = {}
    for position, path in enumerate(files):
        groups.setdefault(run.config.rules_for(path), []).append(position)
    outcomes: list[FileOutcome | None] = [None] * len(files)
    progress = sys.stderr.isatty() and len(files) > 50
    for (select, ignore), positions in groups.items():
        options = dataclasses.replace(run.options, rules=_rules(select, ignore))
        results = run_files([files[i] for i in positions], options, run.jobs, progress=progress,
                            cache=run.cache, projects=[projects[i] for i in positions])
        for position, outcome in zip(positions, results):
            outcomes[position] = outcome
    done = unreadable + [o for o in outcomes if o is not None]
    for root in roots:
        done.extend(apply_project_rules(root, run.options))
    return done


def _print_text(outcomes: list[FileOutcome], *, mode: str, show_diff: bool) -> None:
    color = sys.stdout.isatty()
    console = None
    if color:
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
    for outcome in outcomes:
        if show_diff:
            for diff in outcome.diffs:
                if console is not None:
                    console.print(colorize_diff(diff))
                else:
                    typer.echo(diff, nl=False)
        for finding in outcome.findings:
            if mode == "apply" and finding.applied:
                continue
            typer.echo(finding_line(finding, mode=mode))
            if finding.diff and mode == "apply":
                typer.echo("    would change:")
                typer.echo("    " + finding.diff.rstrip("\n").replace("\n", "\n    "))
        if mode == "check":
            for line in outcome.unused_suppressions:
                typer.echo(line)


def _report(outcomes: list[FileOutcome], *, mode: str, dry_run: bool, fmt: Format, show_statistics: bool) -> None:
    for outcome in outcomes:
        for error in outcome.errors:
            _err(error)
    if fmt is Format.json:
        write_json(outcomes, sys.stdout, mode=mode, dry_run=dry_run)
    elif fmt is Format.sarif:
        from cdkfix.formats import write_sarif

        write_sarif(outcomes, sys.stdout, all_rules())
    elif fmt is Format.github:
        from cdkfix.formats import write_github

        write_github(outcomes, sys.stdout)
    else:
        _print_text(outcomes, mode=mode, show_diff=mode == "apply")
        if show_statistics:
            typer.echo(statistics(outcomes))
        _err(summary(outcomes, mode=mode, dry_run=dry_run))


def _exit_code(outcomes: list[FileOutcome], *, dry_run: bool) -> int:
    if any(o.failed for o in outcomes):
        return 2
    if dry_run and any(o.changed for o in outcomes):
        return 1
    if any(not f.applied for o in outcomes for f in o.findings):
        return 1
    return 0


def _stdin(options: RunOptions, filename: str, *, dry_run: bool, fmt: Format) -> int:
    text = sys.stdin.read()
    outcome = fix_text(text, filename, options)
    for error in outcome.errors:
        _err(error)
    if fmt is Format.json:
        write_json([outcome], sys.stdout, mode="apply", dry_run=dry_run)
    elif dry_run:
        for diff in outcome.diffs:
            sys.stdout.write(diff)
    else:
        sys.stdout.write(outcome.output if outcome.output is not None else text)
    for finding in outcome.findings:
        if not finding.applied:
            _err(finding_line(finding, mode="apply"))
    return _exit_code([outcome], dry_run=dry_run)


def _interactive(outcomes: list[FileOutcome]) -> None:
    """Ask about each fix; write only what was accepted."""
    from cdkfix.interactive import review
    from cdkfix.sources import encode, write_atomic

    def ask(prompt: str) -> str:
        typer.echo(prompt, nl=False)
        return sys.stdin.readline().strip()

    for outcome in outcomes:
        if not outcome.changed or outcome.output is None or not Path(outcome.path).is_file():
            continue
        path = Path(outcome.path)
        _, decoded = read_source(path)
        accepted = review(decoded.text, outcome.output, outcome.findings, ask, path=outcome.path)
        if accepted != decoded.text:
            write_atomic(path, encode(decoded, accepted))
            outcome.written = True
        outcome.changed = accepted != decoded.text


@app.command()
def apply(
    paths: PathsArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the diff; write nothing. Exit 1 if anything would change.")] = False,
    unsafe_fixes: Annotated[Optional[bool], typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that guess a value or delete code.", show_default=False)] = None,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Ask before each fix: [a]ccept, [s]kip, accept [A]ll, [q]uit.")] = False,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    exclude: ExcludeOpt = None,
    fmt: FormatOpt = Format.text,
    cdk_version: VersionOpt = None,
    jobs: JobsOpt = 0,
    cache: CacheOpt = True,
    show_statistics: StatsOpt = False,
    stdin_filename: Annotated[str, typer.Option("--stdin-filename", help="Name for '-' input (.md for Markdown).")] = "<stdin>.py",
) -> None:
    """Rewrite files in place and print a diff of each change and a summary."""
    run = _setup(paths, select=select, ignore=ignore, exclude=exclude, unsafe_fixes=unsafe_fixes,
                 cdk_version=cdk_version, fmt=fmt, write=not dry_run and not interactive,
                 use_cache=cache and paths != ["-"], jobs=jobs)
    if paths == ["-"]:
        raise typer.Exit(_stdin(run.options, stdin_filename, dry_run=dry_run, fmt=fmt))
    outcomes = _run(paths, run)
    if interactive and not dry_run:
        _interactive(outcomes)
    _report(outcomes, mode="apply", dry_run=dry_run, fmt=fmt, show_statistics=show_statistics)
    raise typer.Exit(_exit_code(outcomes, dry_run=dry_run))


@app.command()
def check(
    paths: PathsArg,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    exclude: ExcludeOpt = None,
    fmt: FormatOpt = Format.text,
    cdk_version: VersionOpt = None,
    jobs: JobsOpt = 0,
    cache: CacheOpt = True,
    show_statistics: StatsOpt = False,
) -> None:
    """List findings (fixable or not) and stale suppressions without changing anything. Exit 1 when there are any."""
    # Text and GitHub annotations never show an unsafe fix's would-be diff: don't compute it.
    run = _setup(paths, select=select, ignore=ignore, exclude=exclude, unsafe_fixes=False,
                 cdk_version=cdk_version, fmt=fmt, write=False, use_cache=cache, jobs=jobs,
                 unsafe_diffs=fmt in (Format.json, Format.sarif))
    outcomes = _run(paths, run)
    for outcome in outcomes:  # a check applies nothing
        outcome.findings = [dataclasses.replace(f, applied=False) for f in outcome.findings]
    _report(outcomes, mode="check", dry_run=True, fmt=fmt, show_statistics=show_statistics)
    code = _exit_code(outcomes, dry_run=True)
    if code == 0 and any(o.findings or o.changed or o.unused_suppressions for o in outcomes):
        code = 1
    raise typer.Exit(code)


@app.command()
def rules() -> None:
    """List every rule: code, name, title, fix safety and where the failure was documented."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("code", "name", "title", "fix", "source"):
        table.add_column(column, overflow="fold")
    for rule in all_rules():
        table.add_row(rule.code, rule.name, rule.title, rule.safety if rule.fixable else "none", rule.source)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="A rule code (CDK001) or name.")]) -> None:
    """Explain a rule: what it does, why the code is wrong, an example, and how safe the fix is."""
    try:
        found = find_rule(rule)
    except UnknownRuleError as exc:
        _err(f"cdkfix: {exc}")
        raise typer.Exit(2) from None
    typer.echo(found.explain(), nl=False)


@app.command()
def extract(
    markdown: Annotated[Path, typer.Argument(help="A Markdown answer with `## File: path` headings.")],
    dest: Annotated[Path, typer.Argument(help="Directory to write the answer's files into.")],
) -> None:
    """Write the Python files of a Markdown answer to DEST (paths from its headings)."""
    from cdkfix.extract import UnsafePathError, extract_response

    try:
        _, decoded = read_source(markdown)
        written = extract_response(decoded.text, dest)
    except SourceError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    except UnsafePathError as exc:
        _err(f"{markdown}:0:0: {exc}")
        raise typer.Exit(2) from None
    for path in written:
        typer.echo(str(path))


@index_app.command("build")
def index_build(
    output: Annotated[Optional[Path], typer.Option("--output", help="Directory for the index (default: the user cache).")] = None,
) -> None:
    """Build an index from the installed aws-cdk-lib (for versions other than the bundled one)."""
    from cdkfix.api_index import build_index_from_assembly, installed_cdk_version

    version = installed_cdk_version()
    if version is None:
        _err("cdkfix: aws-cdk-lib is not installed in this environment; `pip install aws-cdk-lib==X.Y.Z` first")
        raise typer.Exit(2)
    path = build_index_from_assembly(None, output)
    typer.echo(f"built the index of aws-cdk-lib {version}: {path}")


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
