"""`advise rules check | test | safety | impact | coverage | table`: check a rules directory, run
its cases, count the guarantees it breaks, show what a change does to the advice, what never
fires, and the rules as tables. The work is done in checker, cases, impact, coverage and
ruletables; here are the options and the output."""
from __future__ import annotations

import sys
from pathlib import Path

from typing import Any, ContextManager

import click

from advisor.interfaces.cli import main
from advisor.interfaces.clibase import run_safely
from advisor.interfaces.options import _
from advisor.base.errors import AdvisorError
from advisor.base.i18n import DEFAULT, LANGS


@main.group("rules", context_settings={"help_option_names": ["-h", "--help"]}, help=_('Check a rules directory, or run its example cases.'))
def rules_group() -> None:
    """The `rules` group: its subcommands do the work."""


def _dirs(directory: str | None, templates_dir: str | None, overlay_dir: str | None) -> tuple[Path, Path, Path | None]:
    from advisor.base.resources import rules_dir, templates_dir as shipped_templates
    rules = Path(directory) if directory else rules_dir()
    templates = Path(templates_dir) if templates_dir else shipped_templates()
    overlay = Path(overlay_dir) if overlay_dir else None
    from advisor.api import check_dirs
    check_dirs(rules=rules, templates=templates, rules_overlay=overlay)
    return rules, templates, overlay


@rules_group.command("check", help=_('Validate every rules, format, profile and template file: exit 0 clean, 1 problems.'))
@click.argument("directory", required=False)
@click.option("--templates", "templates_dir", metavar="DIR", help=_("the templates to check with them (default: the shipped ones)"))
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay to check on top of DIR"))
@run_safely
def rules_check(directory: str | None, templates_dir: str | None, overlay_dir: str | None) -> None:
    from advisor.workbench.checker import check
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    from advisor.interfaces.pagecheck import check_page_and_calendar
    report = check(rules, templates, overlay, extra=(check_page_and_calendar,))
    for p in report.problems:
        click.echo(p.render())
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    if report.ok:
        click.echo(f"ok: {counts}")
        return
    click.echo(f"{len(report.problems)} problem(s) ({counts})")
    sys.exit(1)


@rules_group.command("test", help=_('Run the example cases under DIR/cases: a line per case, a diff for failures, coverage.'))
@click.argument("directory", required=False)
@click.option("--templates", "templates_dir", metavar="DIR", help=_("templates to render the messages with"))
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay (its cases/ run too)"))
@click.option("--strict", is_flag=True, help=_("also fail when a rule has no case or a guidance id no exercised rule"))
@click.option("-q", "--quiet", is_flag=True, help=_("print failures and the summary only"))
@click.option("--parcels", type=click.IntRange(0, 1_000_000), default=1000, show_default=True,
              help=_("generated parcels the coverage also runs (0: the cases alone)"))
@run_safely
def rules_test(directory: str | None, templates_dir: str | None, overlay_dir: str | None, strict: bool, quiet: bool, parcels: int) -> None:
    from advisor.api import Advisor
    from advisor.workbench.cases import coverage, load_cases, run_case
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    advisor = Advisor(rules=rules, templates=templates, overlay=overlay)
    cases = load_cases(rules) + (load_cases(overlay) if overlay else [])
    results = [run_case(advisor, c) for c in cases]
    for r in results:
        if r.ok and not quiet:
            click.echo(f"PASS {r.case.where}  {r.case.name}")
        elif not r.ok:
            click.echo(f"FAIL {r.case.where}  {r.case.name}")
            for line in r.problems:
                click.echo(f"       {line}")
    cov = coverage(advisor, results)
    failed = sum(not r.ok for r in results)
    click.echo(f"\n{len(results) - failed} passed, {failed} failed; {cov['rules']} rules")
    gaps = {"rules no case exercises": cov["rules_not_exercised"],
            "guidance ids no rule cites": cov["guidance_not_cited"],
            "guidance ids no exercised rule cites": cov["guidance_not_exercised"]}
    for label, items in gaps.items():
        click.echo(f"{label}: {', '.join(items) if items else 'none'}")
    from advisor.workbench.coverage import measure, text as coverage_text
    from advisor.workbench.workload import parcels as workload
    for line in coverage_text(measure(advisor, workload(advisor, parcels, 1))):
        click.echo(line)
    if failed or (strict and any(gaps.values())):
        sys.exit(1)


@rules_group.command("safety", help=_("Advise generated parcel timelines and count the plan's guarantees (rules/safety.yaml) the rules broke: exit 0 when none, 1 otherwise, with the facts of the first ones."))
@click.argument("directory", required=False)
@click.option("--templates", "templates_dir", metavar="DIR", help=_("templates to render the messages with"))
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay on top of DIR"))
@click.option("--parcels", type=click.IntRange(1, 10_000_000), default=20_000, show_default=True,
              help=_("how many generated parcels to advise"))
@click.option("--seed", type=int, default=1, show_default=True, help=_("the generator's seed (same seed, same parcels)"))
@click.option("--show", type=click.IntRange(0, 100), default=3, show_default=True,
              help=_("facts of this many parcels per broken guarantee, to turn into cases"))
@click.option("--save-case", is_flag=True, help=_("write the parcels shown into DIR/cases/ as cases to edit"))
@run_safely
def rules_safety(directory: str | None, templates_dir: str | None, overlay_dir: str | None, parcels: int, seed: int, show: int,
                 save_case: bool) -> None:
    import json
    import time
    from advisor.api import Advisor
    from advisor.workbench.timelines import parcels as generated
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    advisor = Advisor(rules=rules, templates=templates, overlay=overlay)
    broken: dict[str, list[tuple[int, dict[str, Any], dict[str, Any]]]] = {}   # (parcel, facts, advice)
    counts: dict[str, int] = {}
    refused = 0
    start = time.perf_counter()
    for i, doc in enumerate(generated(advisor, parcels, seed)):
        try:
            advice = advisor.advise(doc, messages=i % 10 == 0).to_dict()
        except AdvisorError:
            refused += 1
            continue
        for note in advice["notes"]:
            if note["kind"] == "safety_repair":
                counts[note["invariant"]] = counts.get(note["invariant"], 0) + 1
                examples = broken.setdefault(note["invariant"], [])
                if len(examples) < show and doc not in [d for _i, d, _a in examples]:
                    examples.append((i + 1, doc, advice))
    seconds = time.perf_counter() - start
    total = sum(counts.values())
    click.echo(f"{parcels:,} generated parcels (seed {seed}) in {seconds:.1f} s: "
               f"{total:,} broken guarantee(s), {refused:,} refused")
    for name, n in sorted(counts.items()):
        click.echo(f"{name}: {n:,}")
        for _i, doc, _advice in broken[name]:
            click.echo("  facts: " + json.dumps(doc, ensure_ascii=False))
    if save_case:
        from advisor.workbench.savecase import case, save
        _saved(*save(overlay or rules, "safety", [case(f"safety: {name} (generated {i}, seed {seed})", doc, None, advice)
                                                  for name in sorted(broken) for i, doc, advice in broken[name]]))
    if total or refused:
        sys.exit(1)


def _saved(path: Path, count: int) -> None:
    click.echo(f"saved {count} case(s) into {path}: check each expectation before keeping it", err=True)


def _progress(total: int, label: str) -> ContextManager[Any]:
    """A progress bar on stderr when it is a terminal; nothing in a pipe or a CI log."""
    import contextlib
    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True)


@rules_group.command("impact", help=_("Advise the cases and generated parcels with the rules before and after a change, and show what changed in the advice: by kind, by rule, by platform and stage, with examples."))
@click.option("--base", metavar="DIR|GIT-REF", help=_("the rules before the change: a directory or a git revision (default: HEAD, or the rules without the overlay)"))
@click.option("--rules", "directory", metavar="DIR", help=_("the rules after the change (default: the shipped ones)"))
@click.option("--templates", "templates_dir", metavar="DIR", help=_("templates to render the messages with"))
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay on top of DIR: the change to measure"))
@click.option("--parcels", type=click.IntRange(0, 10_000_000), default=10_000, show_default=True,
              help=_("how many generated parcels to advise, besides the cases"))
@click.option("--seed", type=int, default=1, show_default=True, help=_("the generator's seed (same seed, same parcels)"))
@click.option("--examples", type=click.IntRange(0, 100), default=3, show_default=True, help=_("parcels shown per group of changes"))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help=_("text for people, json for CI"))
@click.option("--html", "html_file", metavar="FILE", help=_("also write the impact as one HTML file for a reviewer"))
@click.option("--save-case", is_flag=True, help=_("write the first example of each group into DIR/cases/ as a case to edit"))
@run_safely
def rules_impact(base: str | None, directory: str | None, templates_dir: str | None, overlay_dir: str | None, parcels: int, seed: int,
                 examples: int, fmt: str, html_file: str | None, save_case: bool) -> None:
    from advisor.workbench import impact
    from advisor.workbench import impactview
    from advisor.api import Advisor
    from advisor.workbench.workload import base_rules, parcels as workload
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    base_dir, tmp, base_name = base_rules(base, rules, overlay)
    try:
        before = Advisor(rules=base_dir, templates=templates)
        after = Advisor(rules=rules, templates=templates, overlay=overlay)
    finally:
        if tmp is not None:
            tmp.cleanup()
    todo = workload(after, parcels, seed)
    with _progress(len(todo), "advising") as bar:
        result = impact.run(before, after, todo, examples=examples, step=(lambda: bar.update(1)) if bar else None)
    result.before, result.after = base_name, str(overlay or rules)
    doc = result.to_dict()
    doc["seed"] = seed
    if html_file:
        from advisor.base.resources import templates_dir as shipped_templates
        impactview.write(html_file, impactview.html(doc, shipped_templates()), "--html")
    click.echo(_json_text(doc) if fmt == "json" else impactview.text(doc))
    if save_case:
        from advisor.workbench.savecase import case, save
        _saved(*save(overlay or rules, "impact", [case(f"impact: {group} ({ex['parcel']})", ex["facts"], ex["today"], advice)
                                                  for group, ex, advice in result.saved]))


def _json_text(doc: dict[str, Any]) -> str:
    import json
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str)


@rules_group.command("coverage", help=_("Which rules, conditions and messages never fire over the example cases and generated parcels."))
@click.argument("directory", required=False)
@click.option("--templates", "templates_dir", metavar="DIR", help=_("templates to render the messages with"))
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay on top of DIR"))
@click.option("--parcels", type=click.IntRange(0, 10_000_000), default=10_000, show_default=True,
              help=_("how many generated parcels to advise, besides the cases"))
@click.option("--seed", type=int, default=1, show_default=True, help=_("the generator's seed (same seed, same parcels)"))
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help=_("exit 1 when the share of rules, conditions and messages that fire is below this"))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help=_("text for people, json for CI"))
@run_safely
def rules_coverage(directory: str | None, templates_dir: str | None, overlay_dir: str | None, parcels: int, seed: int,
                   fail_under: float | None, fmt: str) -> None:
    from advisor.api import Advisor
    from advisor.workbench.coverage import measure, text as coverage_text
    from advisor.workbench.workload import parcels as workload
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    advisor = Advisor(rules=rules, templates=templates, overlay=overlay)
    todo = workload(advisor, parcels, seed)
    with _progress(len(todo), "advising") as bar:
        cov = measure(advisor, todo, step=(lambda: bar.update(1)) if bar else None)
    click.echo(_json_text(cov.to_dict()) if fmt == "json" else "\n".join(coverage_text(cov, limit=10_000)))
    if fail_under is not None and cov.percent() < fail_under:
        click.echo(f"coverage {cov.percent():.1f}% is under {fail_under:g}%", err=True)
        sys.exit(1)


@rules_group.command("table", help=_("The wait windows, deadlines and thresholds of the rules per platform and stage, with their guidance ids, as Markdown or HTML."))
@click.argument("directory", required=False)
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay on top of DIR"))
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", help=_("Markdown (docs/) or one HTML file"))
@click.option("--lang", type=click.Choice(list(LANGS)), default=DEFAULT, help=_("the language of the tables"))
@click.option("-o", "--output", metavar="FILE", help=_("write to FILE instead of the standard output"))
@run_safely
def rules_table(directory: str | None, overlay_dir: str | None, fmt: str, lang: str, output: str | None) -> None:
    from advisor.api import Advisor
    from advisor.workbench.impactview import write
    from advisor.workbench.ruletables import render
    rules, templates, overlay = _dirs(directory, None, overlay_dir)
    content = render(Advisor(rules=rules, templates=templates, overlay=overlay), fmt, lang)
    if output:
        write(output, content, "--output")
    else:
        click.echo(content, nl=False)
