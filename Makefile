# The course: `make html` builds the text and the deck, `make test` tests.
# Each target creates .venv/ and installs the pinned dependencies when missing.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.coursekit-installed
# -j 1: sphinx-revealjs does not say it is safe to read in parallel. No -q:
# coursekit's one-line build summary is an info message.
# The build server (coursekit/tools/buildserver.py) takes sphinx-build's
# arguments: each build is a fork of a process that has imported Sphinx and the
# extensions once. COURSEKIT_BUILD_SERVER=0 builds in a fresh process instead.
SPHINX  := $(PY) -m coursekit.tools.buildserver -c . -W --keep-going -j 1
SPHINXOPTS ?=
# Where the programs run: local (default), dask (a LocalCluster of this
# machine's cores) or tcp://HOST:PORT (an existing Dask scheduler).
EXECUTOR ?=
ifneq ($(strip $(EXECUTOR)),)
SPHINXOPTS += -D coursekit_executor=$(EXECUTOR)
endif

# The output folders are coursekit's facts (coursekit/config.py). That module
# is plain Python, importing nothing installed: any python3 reads it, before
# the environment exists, and the targets below can be named after it.
FACTS   := $(shell $(PYTHON) -m coursekit.config BUILD_DIR DECK_DIR HANDOUT_DIR SLIDES_CHECK_DIR LECTURE_DIR)
ifneq ($(words $(FACTS)),5)
$(error $(PYTHON) -m coursekit.config could not tell the output folders)
endif
BUILD   := $(word 1,$(FACTS))
HTML    := $(BUILD)/html
DECKS   := $(HTML)/$(word 2,$(FACTS))
HANDOUTS := $(HTML)/$(word 3,$(FACTS))
SLIDES_CHECK := $(BUILD)/$(word 4,$(FACTS))
# The live lecture's data: outside $(BUILD), so that make clean keeps the answers.
LECTURE := $(word 5,$(FACTS))

# The command-line tools (coursekit/tools/, also installed as coursekit-* commands).
SLIDES_CHECK_TOOL := $(PY) -m coursekit.tools.slidecheck
HANDOUT_TOOL      := $(PY) -m coursekit.tools.handout
SITECHECK_TOOL    := $(PY) -m coursekit.tools.sitecheck
BENCH_TOOL        := $(PY) -m coursekit.tools.bench
COURSEGEN_TOOL    := $(PY) -m coursekit.tools.coursegen
SESSIONBENCH_TOOL := $(PY) -m coursekit.tools.sessionbench
EXECUTORBENCH_TOOL := $(PY) -m coursekit.tools.executorbench
FIX_TOOL          := $(PY) -m coursekit.tools.fix
LECTURE_TOOL      := $(PY) -m coursekit.lecture

.PHONY: help html _text _deck revealjs live lecture lecture-results freeze examples slides-check slides-pdf test lint linkcheck bench bench-course bench-sessions bench-executors fix clean distclean

help:
	@echo "make html      build the HTML text and the deck into $(HTML)/"
	@echo "               EXECUTOR=dask or EXECUTOR=tcp://HOST:PORT: run the programs on a Dask cluster"
	@echo "make revealjs  build the deck alone into $(DECKS)/"
	@echo "make live      serve the text on http://127.0.0.1:8000 and rebuild it (and the deck) on every edit"
	@echo "make lecture   serve the site to the lecture hall: students follow the presenter's slide, polls count"
	@echo "               answers (HOST=$(HOST) PORT=$(PORT); prints the presenter's and the students' URLs)"
	@echo "make lecture-results  one CSV per poll of the lecture, into $(LECTURE)/results/"
	@echo "make freeze    run the blocks marked :freeze: here, store their outputs in docs/_frozen/ (commit it)"
	@echo "make examples  write every program of the chapters into examples/"
	@echo "make slides-check  measure every slide in headless Chromium ($(SLIDES_CHECK)/)"
	@echo "make slides-pdf    PDF handouts, one page per slide ($(HANDOUTS)/)"
	@echo "make fix       rewrite the Slidey dialect of docs/*.rst as standard reST (shows the diff)"
	@echo "make lint      ruff (check and format) on the code, sphinx-lint on the docs"
	@echo "make linkcheck check every internal link and anchor of the site; list external ones"
	@echo "make bench     time cold, no-op, edit and live builds on a fresh copy (COURSE=synthetic: and a 30-page course)"
	@echo "make bench-course  cold and no-op builds of a synthetic course of the lecturer's size ($(BUILD)/course-bench/)"
	@echo "make bench-sessions  cold, no-op and edit builds of 30 pages x 8 blocks that build on each other"
	@echo "make bench-executors  the cost per program of a Dask cluster (EXECUTOR=dask, tcp://) against local runs"
	@echo "make test      run the test suite"
	@echo "make clean     remove $(BUILD)/"

# docs/requirements.txt: what the course's programs import beyond the toolkit;
# installed under the lock's constraints, so torch stays the pinned CPU wheel.
COURSE_REQUIREMENTS := docs/requirements.txt

$(STAMP): pyproject.toml requirements.lock $(COURSE_REQUIREMENTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]' \
		-r $(COURSE_REQUIREMENTS)
	touch $(STAMP)

# Everything the site is made from: when none of it changed since the last
# successful build, `make html` has nothing to do. (The live lecture's server,
# coursekit/lecture/, serves the site and makes nothing of it.)
SOURCES := $(shell find docs coursekit -type f -not -name '*.pyc' -not -name '*.mo' \
	-not -path 'docs/images/*.png' -not -path 'coursekit/lecture/*' 2>/dev/null) \
	conf.py pyproject.toml requirements.lock
BUILT   := $(HTML)/.coursekit-built

html: $(BUILT)

# The text and the deck are built at the same time, one per core; the deck
# shows no program output, so it never waits for the chapters' programs. The
# notebook pages (their prose quotes their run through myst-nb's glue) share
# one notebook cache: whichever build reads a notebook first executes it.
$(BUILT): $(STAMP) $(SOURCES)
	@$(MAKE) --no-print-directory -j2 --output-sync=target _text _deck
	@touch $@

_text:
	$(SPHINX) -b html -d $(BUILD)/doctrees/html $(SPHINXOPTS) docs $(HTML)

_deck:
	$(SPHINX) -b revealjs -d $(BUILD)/doctrees/revealjs $(SPHINXOPTS) docs $(DECKS)

revealjs: $(STAMP)
	$(SPHINX) -b revealjs -d $(BUILD)/doctrees/revealjs $(SPHINXOPTS) docs $(DECKS)

# Serve the site and rebuild the text and the deck, side by side, on every
# save (sphinx-autobuild's watcher and reload, our warm build server).
LIVE_TOOL := $(PY) -m coursekit.tools.live
live: $(STAMP)
	$(LIVE_TOOL) --port 8000 --watch coursekit -- -c . -W --keep-going -j 1 $(SPHINXOPTS) docs $(HTML)

# The live lecture: the built site on the lecture hall's network, with no
# internet needed. It prints two lines, the presenter's URL (with her token)
# and the students' (the command itself is not echoed, so that a script can
# read them). Votes are kept in $(LECTURE_DB) (SQLite).
HOST ?= 0.0.0.0
PORT ?= 8080
LECTURE_DB ?= $(LECTURE)/lecture.sqlite3
lecture: html
	@$(LECTURE_TOOL) serve --site $(HTML) --db $(LECTURE_DB) --host $(HOST) --port $(PORT)

lecture-results: $(STAMP)
	$(LECTURE_TOOL) results --site $(HTML) --db $(LECTURE_DB) --out $(LECTURE)/results

# The blocks marked :freeze: whose frozen output is missing or stale run here
# (on this machine's GPU, or the cluster's with EXECUTOR=...); their results
# go into docs/_frozen/, to commit. The text is built at the same time.
freeze: $(STAMP)
	$(SPHINX) -b html -d $(BUILD)/doctrees/html $(SPHINXOPTS) -D coursekit_freeze=1 docs $(HTML)

examples: $(STAMP)
	$(SPHINX) -b examples -d $(BUILD)/doctrees/examples $(SPHINXOPTS) docs examples

slides-check: html
	$(SLIDES_CHECK_TOOL) $(DECKS) $(SLIDES_CHECK)

# The handouts go into the site ($(HANDOUTS)/, which the tool finds from the
# same facts); the second html build links them from the home page.
slides-pdf: html
	$(HANDOUT_TOOL) $(HTML)
	$(SPHINX) -b html -d $(BUILD)/doctrees/html $(SPHINXOPTS) docs $(HTML)

# trailing-whitespace: the lecturer's pages keep her own line ends (her sources, not ours).
lint: $(STAMP)
	$(PY) -m ruff check coursekit tests conf.py docs/images
	$(PY) -m ruff format --check coursekit tests conf.py docs/images
	$(PY) -m sphinxlint --ignore docs/locale --disable trailing-whitespace docs

linkcheck: html
	$(SITECHECK_TOOL) $(HTML)

# COURSE=synthetic: the chapter, then a generated course of 30 pages.
COURSE ?= chapter
bench: $(STAMP)
	$(BENCH_TOOL) --course $(COURSE)

# A whole course in the lecturer's dialect, generated afresh into
# $(BUILD)/course-bench/src, built as `make html` builds (its own empty cache).
bench-course: $(STAMP)
	$(COURSEGEN_TOOL) --bench $(BUILD)/course-bench

# 30 pages of 8 blocks, each using the names of the one before (notebook style).
bench-sessions: $(STAMP)
	$(SESSIONBENCH_TOOL) $(BUILD)/session-bench

# The same small jobs through the local executor, a Dask LocalCluster and a
# scheduler with workers started by hand on 127.0.0.1.
bench-executors: $(STAMP)
	$(EXECUTORBENCH_TOOL)

# Rewrite the lecturer's Slidey dialect into standard reST, showing the diff.
# The authoring guide shows the dialect's habits live: it stays as written.
FIX_FILES ?= $(filter-out docs/guide_auteur.rst,$(wildcard docs/*.rst))
fix: $(STAMP)
	$(FIX_TOOL) $(FIX_FILES)

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(VENV)
