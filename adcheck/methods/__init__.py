"""Derivative methods: each computes derivatives of a Target on its own."""
