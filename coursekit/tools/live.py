"""``make live``: serve the site and rebuild the text and the deck on every save.

sphinx-autobuild's parts do the watching, the serving and the browser reload
(its ``RebuildServer``, its reload-script middleware, Starlette and uvicorn);
what differs is the build: both outputs at once, each a fork of the warm build
server (coursekit/tools/buildserver.py) instead of a fresh ``python -m sphinx``
run one after the other. The browser reloads once both are written.

Usage: python -m coursekit.tools.live [--host H] [--port P] [--watch DIR]... -- \
           [sphinx-build options] SOURCES OUTDIR
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coursekit.config import BUILD_DIR, DECK_BUILDERS, DECK_DIR, TEXT_BUILDER

#: Files a build writes among the sources: never a reason to build again.
GENERATED = ["*/images/*.png", "*/.ipynb_checkpoints/*", "*.pyc"]


class Rebuild:
    """Build the text and the deck, side by side, through the build server.

    Picklable (sphinx-autobuild calls it in a process pool): plain attributes.
    """

    def __init__(self, sources: str, outdir: str, options: list[str]) -> None:
        self.sources, self.outdir, self.options = sources, outdir, options

    def commands(self) -> list[list[str]]:
        sphinx = [sys.executable, "-m", "coursekit.tools.buildserver", *self.options]
        outputs = ((TEXT_BUILDER, self.outdir), (DECK_BUILDERS[0], f"{self.outdir}/{DECK_DIR}"))
        return [
            [*sphinx, "-b", builder, "-d", f"{BUILD_DIR}/doctrees/{builder}", self.sources, out]
            for builder, out in outputs
        ]

    def __call__(self, *, changed_paths=()) -> None:
        if changed_paths:
            names = ", ".join(str(path) for path in list(changed_paths)[:5])
            print(f"[coursekit live] changed: {names}", flush=True)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(lambda cmd: subprocess.run(cmd, check=False), self.commands()))
        status = "built" if all(d.returncode == 0 for d in done) else "FAILED (see above)"
        print(f"[coursekit live] {status} in {time.perf_counter() - start:.2f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.live", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--watch", action="append", default=[], help="another folder to watch")
    parser.add_argument("--ignore", action="append", default=[], help="a glob not to watch")
    argv = sys.argv[1:] if argv is None else argv
    ours, sphinx = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    args = parser.parse_args(ours)
    if len(sphinx) < 2:
        parser.error("after --: sphinx-build's options, then SOURCES OUTDIR")
    *options, args.sources, args.outdir = sphinx

    import uvicorn
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from sphinx_autobuild.server import RebuildServer
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    outdir = Path(args.outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    rebuild = Rebuild(args.sources, args.outdir, options)
    # Globs, made absolute from here as sphinx-autobuild's --ignore are.
    ignore = IgnoreFilter(
        [".git", ".venv", "*/__pycache__/*", str(outdir), BUILD_DIR, *GENERATED, *args.ignore],
        [],
    )
    watcher = RebuildServer([args.sources, *args.watch], ignore, change_callback=rebuild)
    url = f"{args.host}:{args.port}"
    app = Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            Mount("/", app=StaticFiles(directory=outdir, html=True), name="static"),
        ],
        middleware=[Middleware(JavascriptInjectorMiddleware, ws_url=url)],
        lifespan=watcher.lifespan,
    )
    rebuild()
    print(f"[coursekit live] serving on http://{url}/", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
