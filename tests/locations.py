"""Paths the tests share: this folder (the shared helpers and subprocess workers), the fixtures, the repository root."""

import os

TESTS = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(TESTS, "fixtures")
ROOT = os.path.dirname(TESTS)
