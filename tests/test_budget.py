"""The render budget counts what a filter, a call or an operator builds, intermediate values
included: each attack of issue 37 that ran for 39 s or took gigabytes inside one filter fails at
once, in `rules check` as in advice, at the line of the text that holds it; `|replace` works."""
import time

import pytest

from conftest import run_cli

ATTACKS = {
    "sum of lists": ("{{ ([[1]]*99999)|sum(start=[]) }}", "loop steps"),
    "format of a large tuple": ("{{ ('%s' * 50000) % (('x' * 50000,) * 50000) }}", "1,000,000 characters and items"),
    "bytes times a billion": ("{{ 'x'.encode() * 1000000000 }}", "longer than 100,000"),
    "translate to long texts": ("{{ ('x' * 99999).translate({120: 'y' * 99999}) }}", "larger than 100,000"),
    "a list of shared lists printed": ("{{ [[1] * 99999] * 99999 }}", "1,000,000 characters and items"),
    "a generator of a billion listed": ("{{ ([1] * 10)|slice(1000000000)|list|length }}", "larger than 100,000"),
    "a long replacement": ("{{ ('x' * 99999)|replace('x', 'yy') }}", "larger than 100,000"),
}


def overlay_with(tmp_path, text_lines: list[str], output: str = "action:\n        id: check_other_trackers\n        due: today"):
    """An overlay rule whose English text is a literal block: its line k is file line 10 + k."""
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    block = "\n".join("            " + line for line in text_lines)
    (overlay / "local.yaml").write_text(f"""rules:
  - id: partner-tracker
    source: [T15]
    when: {{stage: none, received: false}}
    then:
      {output}
        text:
          en: |
{block}
          ru: "Посмотрите наш трекер."
""", encoding="utf-8")
    return overlay


@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attack_inside_one_filter_fails_fast_at_the_line_of_the_text(tmp_path, name):
    attack, message = ATTACKS[name]
    overlay = overlay_with(tmp_path, ["Look at our tracker.", "It updates daily.", attack])
    start = time.monotonic()
    code, out, _ = run_cli("rules", "check", "--rules-overlay", str(overlay))
    assert code == 1 and "local.yaml:13:" in out and message in out and "Traceback" not in out, out
    code, _, err = run_cli("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22",
                           "--rules-overlay", str(overlay))
    assert code == 2 and "local.yaml:13:" in err and message in err, err
    assert time.monotonic() - start < 30      # was 39 s and more for the first alone


def test_replace_works_in_a_rule_text(tmp_path):
    overlay = overlay_with(tmp_path, ["Look up {{ code|replace('RK', 'rk') }} on our tracker."],
                           "warning:\n        id: no_partial_refund\n        # (a line to keep the text's")
    code, out, _ = run_cli("rules", "check", "--rules-overlay", str(overlay))
    assert "local.yaml" not in out, out
    code, out, err = run_cli("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22",
                             "--rules-overlay", str(overlay))
    assert code == 0, err
    assert "Look up rk190321410CN on our tracker." in out
