"""Fixtures for the transport tests (defined in transport_world, a uniquely named module)."""

from transport_world import server, world  # noqa: F401  (pytest fixtures)
