"""The live lecture: students follow the lecturer's slide, polls count their answers.

``make lecture`` serves the built site with :mod:`coursekit.lecture.server`
(Starlette on uvicorn, one WebSocket per open page). The package imports no
Sphinx and nothing of the build: it reads the site as it was built.

- :mod:`~coursekit.lecture.protocol` — the messages, and their validation (pure);
- :mod:`~coursekit.lecture.site` — what the built site holds: its decks, its polls;
- :mod:`~coursekit.lecture.store` — the lecture's SQLite file: current slide, polls, votes;
- :mod:`~coursekit.lecture.rules` — the rules: who may do what, what each one sees;
- :mod:`~coursekit.lecture.server` — the ASGI app: the site, the script, the socket;
- :mod:`~coursekit.lecture.cli` — ``coursekit-lecture serve`` and ``results``.
"""
