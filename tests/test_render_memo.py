"""Rule texts are remembered by the values they read (text/render.py): a text reading the
platform's profile is rendered once for the same values, as one reading a number is (three
texts in ten read the profile and were rendered for every parcel), and never comes back from
the memo for a profile that is not the platform's. Counted in renders, not timed."""
import datetime as dt

import advisor.text.render as render

TODAY = dt.date(2026, 11, 22)
TEXT = "Open a case on {{ profile.name.en }} by {{ due|date }}."


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = render._render
    monkeypatch.setattr(render, "_render", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_text_reading_the_platform_profile_is_rendered_once_for_the_same_values(advisor, monkeypatch):
    context = advisor.prepare({"track": "RK190321410CN", "platform": "joom"}, TODAY).context
    calls = _counting(monkeypatch)
    due = {"due": dt.date(2026, 12, 1)}
    texts = {advisor.renderer.inline(TEXT, "en", context, extra=due) for _ in range(3)}
    assert texts == {"Open a case on Joom by December 1, 2026."}
    assert len(calls) == 1


def test_a_profile_that_is_not_the_platforms_is_rendered_with_its_own_values(advisor, monkeypatch):
    context = advisor.prepare({"track": "RK190321410CN", "platform": "joom"}, TODAY).context
    due = {"due": dt.date(2026, 12, 1)}
    advisor.renderer.inline(TEXT, "en", context, extra=due)
    calls = _counting(monkeypatch)
    other = dict(context, profile=dict(context["profile"], name={"en": "Elsewhere", "ru": "Где-то"}))
    assert advisor.renderer.inline(TEXT, "en", other, extra=due) == "Open a case on Elsewhere by December 1, 2026."
    assert advisor.renderer.inline(TEXT, "en", other, extra=due) == "Open a case on Elsewhere by December 1, 2026."
    assert len(calls) == 2          # a mapping the renderer was not given as constant: rendered every time
