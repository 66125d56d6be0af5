"""The advice is unchanged for every case and 300 generated parcels unless tests/fixtures/
outputs.sha256 says otherwise (see tests/outputs.py: refresh it when a change means to change
the advice)."""
import pytest

import outputs


def test_the_advice_is_what_outputs_sha256_records(advisor):
    header, recorded = outputs.read()
    if header != outputs.made_with():
        pytest.skip(f"the digests were made with {header[2:]}, this is {outputs.made_with()[2:]}")
    found = outputs.digests(advisor)
    assert len(found) > 500
    changed = [name for name, digest in found.items() if recorded.get(name) != digest]
    missing = sorted(set(recorded) - set(found))
    assert not changed and not missing, (
        f"the advice changed for {len(changed)} of {len(found)} parcels (first: {changed[:3]}), "
        f"{len(missing)} recorded ones are gone; if the change means it, run `python tests/outputs.py`")
