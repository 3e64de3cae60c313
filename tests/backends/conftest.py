"""Fixtures for the backend tests: protocol-level stand-in servers on loopback (see standins/)."""

from __future__ import annotations

import pytest

from tests.backends.standins import CortexRestStandIn, ReplicateStandIn
from tests.backends.standins.fake_secrets import CORTEX_PAT, REPLICATE_TOKEN


@pytest.fixture
def replicate_standin():
    """A Replicate API stand-in accepting REPLICATE_TOKEN, on 127.0.0.1, stopped after the test."""
    server = ReplicateStandIn(REPLICATE_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def cortex_standin():
    """A Cortex REST stand-in accepting CORTEX_PAT, on 127.0.0.1, stopped after the test."""
    server = CortexRestStandIn(CORTEX_PAT).start()
    yield server
    server.stop()
