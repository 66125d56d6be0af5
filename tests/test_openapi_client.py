"""The HTTP contract as a tracker's engineer uses it: a client generated from `/openapi.json` by
openapi-python-client calls a live server; schemathesis sends what the document allows and
checks every answer against it."""
import datetime as dt
import importlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import TODAY, serving

pytest.importorskip("openapi_python_client", reason="the test extras install openapi-python-client")


@pytest.fixture(scope="module")
def base():
    for port in serving():
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def client_package(base, tmp_path_factory):
    """The client package openapi-python-client generates from the server's own document."""
    folder = tmp_path_factory.mktemp("generated")
    with urllib.request.urlopen(base + "/openapi.json") as r:
        (folder / "openapi.json").write_bytes(r.read())
    (folder / "config.yaml").write_text("post_hooks: []\npackage_name_override: parcel_client\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
                        "--config", "config.yaml", "--meta", "none", "--output-path", "parcel_client"],
                       cwd=folder, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Warning" not in p.stdout + p.stderr, p.stdout + p.stderr      # every schema became a type
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("parcel_client")
    finally:
        sys.path.remove(str(folder))


def test_a_generated_client_advises_a_parcel(client_package, base):
    from parcel_client import Client
    from parcel_client.api.default import advise
    from parcel_client.models import ParcelAdvice, ParcelFacts
    facts = ParcelFacts.from_dict({"track": "RK190321410CN", "order": {"track_issued": "2026-11-10",
                                                                      "protection_ends": "2026-12-20"}})
    with Client(base_url=base, raise_on_unexpected_status=True) as client:
        advice = advise.sync(client=client, body=facts, lang="en", today=TODAY)
    assert isinstance(advice, ParcelAdvice)
    assert advice.next_step.action == "message_seller" and advice.track.code == "RK190321410CN"
    assert [d.id for d in advice.deadlines][-1] == "protection_ends"


def test_a_generated_client_reads_our_errors_and_the_batch(client_package, base):
    from parcel_client import Client
    from parcel_client.api.default import advise, advise_batch, healthz, track
    from parcel_client.models import BatchItemError, Error, Health, ParcelAdvice, ParcelFacts, TrackAnalysis
    with Client(base_url=base, raise_on_unexpected_status=True) as client:
        bad = advise.sync_detailed(client=client, body=ParcelFacts.from_dict({"order": {"paid": "2026-12-01"}}),
                                   today=TODAY)
        assert bad.status_code == 422 and isinstance(bad.parsed, Error)
        assert bad.parsed.error.where == "order.paid" and "after today" in bad.parsed.error.message
        answers = advise_batch.sync(client=client, today=TODAY, body=[
            ParcelFacts.from_dict({"track": "RK190321410CN"}), ParcelFacts.from_dict({"order": {"paid": "2030-01-01"}})])
        assert isinstance(answers[0], ParcelAdvice) and isinstance(answers[1], BatchItemError)
        assert answers[1].index == 1
        analysis = track.sync(client=client, code="RK190321410CN")
        assert isinstance(analysis, TrackAnalysis) and analysis.valid
        assert isinstance(healthz.sync(client=client), Health)


def test_schemathesis_finds_nothing(base):
    """A bounded run: every operation, data the document allows and data it does not, every
    answer checked against the document (status codes, content types, bodies, headers) and for
    server errors. Left out: that every schema-valid request is accepted. Facts can be valid for
    the schema and still not true together (a code given after `today`, a dispute before the
    code), which JSON Schema cannot say; those are answered 422 with the field, as documented."""
    schemathesis = pytest.importorskip("schemathesis", reason="the test extras install schemathesis")
    config = Path(__file__).parent / "schemathesis.toml"
    p = subprocess.run([sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
                        f"{base}/openapi.json", "--url", base,
                        "--max-examples", "10", "--checks", "all",
                        "--exclude-checks", "ignored_auth,positive_data_acceptance", "--mode", "all", "--seed", "1", "--no-color", "--workers", "1",
                        "--suppress-health-check", "all"],
                       capture_output=True, text=True, timeout=240)
    said = p.stdout + p.stderr
    assert p.returncode == 0, said[said.find("FAILURES"):][:6000]
    assert schemathesis and "No issues found" in said[-2000:], said[-2000:]
