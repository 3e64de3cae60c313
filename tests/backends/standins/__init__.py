"""Protocol-level STAND-IN servers for services the test machine cannot reach.

They listen on 127.0.0.1 (ephemeral port) and speak the documented wire format of each service, so
Floe's real SDK/HTTP code runs against them. They are test doubles of the *service*, never of Floe:
no Floe function is mocked. Each stand-in also injects faults scripted per test (see `Reply`).
"""

from .base import Recorded, Reply, StandInServer
from .cortex_rest import CortexRestStandIn
from .replicate_api import ReplicateStandIn

__all__ = ["CortexRestStandIn", "Recorded", "ReplicateStandIn", "Reply", "StandInServer"]
