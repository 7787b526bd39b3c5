"""Test settings: hypothesis profiles (bounded; derandomized under CI=true), float64 checks."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
try:
    _ci_parent = settings.get_profile("ci")  # hypothesis's built-in CI profile (6.131+)
except Exception:
    _ci_parent = settings.get_profile("default")
settings.register_profile(
    "tapegrad-ci", parent=_ci_parent, max_examples=25, deadline=None, derandomize=True,
    database=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("tapegrad-ci" if os.environ.get("CI") else "dev")
