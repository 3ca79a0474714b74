"""Fixtures for the reliability suite (tests/conftest.py): the session emulator
(fault rules cleared after each test), a client on it and a fresh keyspace.
Tests that restart, stall or overload a server start their own."""
