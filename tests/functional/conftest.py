"""The functional suite's `server`, `client` and `ks` are in tests/conftest.py."""
