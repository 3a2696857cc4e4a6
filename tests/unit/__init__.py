"""Unit tests: the client against mocked transports."""
