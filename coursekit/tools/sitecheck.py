"""``make linkcheck``: check every link of the built site without the network.

Internal links (pages, anchors, the deck's ``#/slide-N``, images, scripts,
stylesheets, downloads) must find their target; external links are listed,
never fetched.

Usage: python -m coursekit.tools.sitecheck [SITE_DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from coursekit.tools import HTML_OUTPUT

ATTRIBUTES = (("a", "href"), ("img", "src"), ("script", "src"), ("link", "href"))


@cache
def ids_of(page: Path) -> frozenset[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return frozenset(tag["id"] for tag in soup.find_all(id=True))


def check_site(site: Path) -> tuple[list[str], dict[str, list[str]]]:
    """(broken links as "page: link (why)", external URL -> pages that link it)."""
    broken: list[str] = []
    external: dict[str, list[str]] = defaultdict(list)
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        name = page.relative_to(site).as_posix()
        for tag, attribute in ATTRIBUTES:
            for element in soup.find_all(tag, attrs={attribute: True}):
                link = element[attribute]
                parts = urlsplit(link)
                if parts.scheme in ("http", "https", "mailto", "ftp") or link.startswith("//"):
                    external[link].append(name)
                    continue
                if parts.scheme in ("data", "javascript"):
                    continue
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                if not target.exists():
                    broken.append(f"{name}: {link} (no such file)")
                    continue
                anchor = parts.fragment.removeprefix("/")  # reveal.js links are #/id
                if anchor and target.suffix == ".html" and anchor not in ids_of(target):
                    broken.append(f"{name}: {link} (no such anchor)")
    return broken, dict(external)


def main(argv: list[str] | None = None) -> int:
    """Check the site; return the exit status (1 when an internal link is broken)."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.sitecheck",
        description="Check every internal link of the built site, without the network.",
    )
    parser.add_argument(
        "site",
        nargs="?",
        type=Path,
        default=HTML_OUTPUT,
        help="the HTML output (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not args.site.is_dir():
        print(f"no site in {args.site}: run `make html` first", file=sys.stderr)
        return 1
    broken, external = check_site(args.site)
    for url, pages in sorted(external.items()):
        print(f"external (not fetched): {url}  <- {', '.join(sorted(set(pages)))}")
    for line in broken:
        print(f"broken: {line}")
    print(f"{len(broken)} broken internal links, {len(external)} external links listed.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
