"""The toolkit's core: pure functions, no Sphinx."""
