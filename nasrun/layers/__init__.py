"""Reusable network layers shared by the search spaces."""
