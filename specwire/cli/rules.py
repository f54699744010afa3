"""`specwire rules ...`: check and test policy rule files, list what resolve loads, show the vocabulary.

Mounted lazily by specwire.cli. Exit codes: `check` 0 clean, 1 findings, 2 a file `resolve` would
refuse (it defines an engine predicate or holds `#script`, `#minimize`, ...); `test` 0 all pass,
1 a test fails; 2 bad input (a file or folder that cannot be read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="rules",
    help="Policy rules (.lp): check them, test them, list what `resolve` loads, show the vocabulary.",
    no_args_is_help=True,
    add_completion=False,
)


def _echo(text: str = "", err: bool = False) -> None:
    from specwire.cli.terminal import printable

    typer.echo(printable(text), err=err)


def _fail(error: Exception) -> typer.Exit:
    from specwire.cli.common import fail

    fail(error)


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Policy files (.lp), or folders of them; checked as one "
                                                     "program.")],
) -> None:
    """Report syntax errors, unsafe variables and misspelled predicates as file:line:col."""
    try:
        from specwire.policy.check import check_files
        from specwire.policy.sources import policy_files

        paths = policy_files(files)
        findings = check_files(paths)
    except Exception as exc:
        raise _fail(exc) from None
    for finding in findings:
        _echo(str(finding))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if findings:
        _echo(f"{len(paths)} file{'s' if len(paths) != 1 else ''} checked: {errors} error"
              f"{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
        # A file that breaks the policy rule is refused by resolve and build (exit 2): so here too.
        raise typer.Exit(2 if any(f.refused for f in findings) else 1)
    _echo(f"{len(paths)} file{'s' if len(paths) != 1 else ''} checked: no problems")


@app.command("test")
def test(
    folder: Annotated[Path, typer.Argument(help="Folder of policies (.lp) and tests (YAML files with `tests:`).")],
    rules: Annotated[
        Optional[list[Path]],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Option("--rules", "-r", help="More policy files or folders to load, repeatable."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the violations of passing tests too.")] = False,
) -> None:
    """Run policy tests: each resolves a pipeline and checks the violations it must (not) produce."""
    try:
        from specwire.policy.sources import policy_files
        from specwire.policy.testing import run_tests

        extra = policy_files(rules) if rules else []
        report = run_tests(folder, extra)
    except Exception as exc:
        raise _fail(exc) from None
    current: Path | None = None
    for outcome in report.outcomes:
        if outcome.file != current:
            current = outcome.file
            _echo(str(outcome.file))
        _echo(f"  {'PASS' if outcome.passed else 'FAIL'}  {outcome.name}")
        for problem in outcome.problems:
            _echo(f"        {problem}")
        if verbose or not outcome.passed:
            for message in outcome.reported:
                _echo(f"        reported: {message}")
    _echo(f"{report.passed} passed, {report.failed} failed")
    if report.failed:
        raise typer.Exit(1)


@app.command("list")
def list_policies(
    rules: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--rules", "-r", help="Policy files or folders, as given to resolve."),
    ] = None,
    policy_pack: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--policy-pack", help="A built-in policy pack, as given to resolve."),
    ] = None,
) -> None:
    """List the policy files `specwire resolve` would load here (settings, SPECWIRE_POLICY_PATH, packs, --rules)."""
    try:
        from specwire.policy.sources import discover_policies, read_settings

        settings = read_settings()
        files = discover_policies(rules or [], policy_pack or [])
    except Exception as exc:
        raise _fail(exc) from None
    if settings.source is not None:
        _echo(f"settings: {settings.source}")
    if not files:
        _echo("no policy files: resolve applies none (see docs/policies.md)")
        return
    for path in files:
        _echo(str(path))


@app.command("vocabulary")
def vocabulary() -> None:
    """The predicates a policy may read, and those it derives."""
    from specwire.policy.vocabulary import VOCABULARY

    width = max(len(p.signature) for p in VOCABULARY)
    group = ""
    for predicate in VOCABULARY:
        if predicate.group != group:
            group = predicate.group
            _echo(f"\n{'derived by a policy' if group == 'output' else 'read: ' + group}")
        _echo(f"  {predicate.signature:<{width}}  {predicate.meaning}")
