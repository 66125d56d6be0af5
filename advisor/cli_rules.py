"""`advise rules check | test | safety`: check a rules directory, run its cases, count the guarantees it breaks."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import _, main, run_safely
from .errors import AdvisorError


@main.group("rules", context_settings={"help_option_names": ["-h", "--help"]}, help=_('Check a rules directory, or run its example cases.'))
def rules_group():
    """The `rules` group: its subcommands do the work."""


def _dirs(directory, templates_dir, overlay_dir):
    from .resources import rules_dir, templates_dir as shipped_templates
    rules = Path(directory) if directory else rules_dir()
    templates = Path(templates_dir) if templates_dir else shipped_templates()
    overlay = Path(overlay_dir) if overlay_dir else None
    from .api import check_dirs
    check_dirs(rules=rules, templates=templates, rules_overlay=overlay)
    return rules, templates, overlay


@rules_group.command("check", help=_('Validate every rules, format, profile and template file: exit 0 clean, 1 problems.'))
@click.argument("directory", required=False)
@click.option("--templates", "templates_dir", metavar="DIR", help=_("the templates to check with them (default: the shipped ones)"))
@click.option("--rules-overlay", "overlay_dir", metavar="DIR", help=_("an overlay to check on top of DIR"))
@run_safely
def rules_check(directory, templates_dir, overlay_dir):
    from .checker import check
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    report = check(rules, templates, overlay)
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
@run_safely
def rules_test(directory, templates_dir, overlay_dir, strict, quiet):
    from .api import Advisor
    from .cases import coverage, load_cases, run_case
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
@run_safely
def rules_safety(directory, templates_dir, overlay_dir, parcels, seed, show):
    import json
    import time
    from .api import Advisor
    from .timelines import parcels as generated
    rules, templates, overlay = _dirs(directory, templates_dir, overlay_dir)
    advisor = Advisor(rules=rules, templates=templates, overlay=overlay)
    broken: dict[str, list[dict]] = {}
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
                if len(examples) < show and doc not in examples:
                    examples.append(doc)
    seconds = time.perf_counter() - start
    total = sum(counts.values())
    click.echo(f"{parcels:,} generated parcels (seed {seed}) in {seconds:.1f} s: "
               f"{total:,} broken guarantee(s), {refused:,} refused")
    for name, n in sorted(counts.items()):
        click.echo(f"{name}: {n:,}")
        for doc in broken[name]:
            click.echo("  facts: " + json.dumps(doc, ensure_ascii=False))
    if total or refused:
        sys.exit(1)
