"""Command-line tools: they never import Sphinx."""
