"""Fixtures of the `drove verify` tests (helpers in verifytools.py)."""

import pytest

from verifytools import STACK, ZONE, Named, drove

@pytest.fixture
def named_with(tmp_path):
    """named_with(zone_text) starts a server for the test and stops it afterwards."""
    started = []

    def start(zone_text: str) -> Named:
        workdir = tmp_path / f"named{len(started)}"
        workdir.mkdir()
        server = Named(workdir, zone_text)
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
def exported_zone() -> str:
    out = drove("export", "zonefile", ZONE, STACK, "--allow-unknown")
    assert out.returncode == 0, out.stderr
    return out.stdout
