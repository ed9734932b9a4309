"""The Sphinx side: directives, transforms, builders, rendering."""
