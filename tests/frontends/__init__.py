"""Tests of the frontends: expression parsing, points, example files."""
