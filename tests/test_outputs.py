"""The advice is unchanged for every case and 300 generated parcels unless tests/fixtures/
outputs.sha256 says otherwise (see tests/outputs.py: refresh it when a change means to change
the advice)."""
import pytest

import outputs


def test_the_advice_is_what_outputs_sha256_records(advisor):
    header, recorded = outputs.read()
    if header != outputs.made_with():
        pytest.skip(f"the digests were made with {header[2:]}, this is {outputs.made_with()[2:]}")
    lines: dict[str, str] = {}
    found = outputs.digests(advisor, lines)
    assert len(found) > 500
    changed = [name for name, digest in found.items() if recorded.get(name) != digest]
    missing = sorted(set(recorded) - set(found))
    before = outputs.read_lines()
    shown = "".join(f"\n{name}\n  was {before.get(name)}\n  now {lines[name]}" for name in changed[:5])
    assert not changed and not missing, (
        f"the advice changed for {len(changed)} of {len(found)} parcels, {len(missing)} recorded ones are gone; "
        f"if the change means it, run `python tests/outputs.py`{shown}")
    # the same advice reads the same: a line out of step with its digest would make a reviewer's diff lie
    stale = [name for name in found if before.get(name) != lines[name]]
    assert not stale, (f"{len(stale)} readable lines of tests/fixtures/outputs.txt are not those of the recorded "
                       f"advice (the projection changed?); run `python tests/outputs.py`: {stale[:3]}")


def test_the_readable_lines_are_those_of_the_recorded_advice(advisor):
    """outputs.txt is refreshed with the digests: a reviewer's diff of it is the advice's diff."""
    header, recorded = outputs.read()
    if header != outputs.made_with():
        pytest.skip(f"the digests were made with {header[2:]}, this is {outputs.made_with()[2:]}")
    assert list(outputs.read_lines()) == list(recorded)
