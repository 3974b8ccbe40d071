"""Helpers shared by the test suites: the sandbox runner, databases, fakes."""
