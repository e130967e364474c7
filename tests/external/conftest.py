"""Fixtures of the external-store tests: a real Oxigraph server, and a RemoteStore on it after `push`.

They live in tests/external/oxigraph_server.py and are imported by tests/conftest.py, so that every test
folder shares one server per session (``oxigraph_server``, ``oxigraph_push_report``, ``oxigraph_remote_store``).
"""
