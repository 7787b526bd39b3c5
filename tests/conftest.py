"""Test settings: hypothesis profiles (bounded; derandomized under CI=true), float64 checks."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "tapegrad-ci", parent=settings.get_profile("ci"), max_examples=25, deadline=None,
    derandomize=True, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("tapegrad-ci" if os.environ.get("CI") else "dev")
