"""Running programs: the build's scheduler, the fork server, the cache. No Sphinx."""
