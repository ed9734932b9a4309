# The course: `make html` builds the text and the deck, `make test` tests.
# Each target creates .venv/ and installs the pinned dependencies when missing.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.coursekit-installed
BUILD   := _build
SPHINX  := $(PY) -m sphinx -c . -W --keep-going -q -j 1
SPHINXOPTS ?=

.PHONY: help html _text _deck revealjs live examples slides-check slides-pdf test lint linkcheck bench clean distclean

help:
	@echo "make html      build the HTML text and the deck into $(BUILD)/html/"
	@echo "make revealjs  build the deck alone into $(BUILD)/html/slides/"
	@echo "make live      serve the text on http://127.0.0.1:8000 and rebuild it (and the deck) on every edit"
	@echo "make examples  write every program of the chapters into examples/"
	@echo "make slides-check  measure every slide in headless Chromium (_build/slides-check/)"
	@echo "make slides-pdf    PDF handouts, one page per slide (_build/html/pdf/)"
	@echo "make lint      ruff (check and format) on the code, sphinx-lint on the docs"
	@echo "make linkcheck check every internal link and anchor of the site; list external ones"
	@echo "make bench     time cold, no-op and incremental builds on a fresh copy"
	@echo "make test      run the test suite"
	@echo "make clean     remove $(BUILD)/"

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# Everything the site is made from: when none of it changed since the last
# successful build, `make html` has nothing to do.
SOURCES := $(shell find docs coursekit -type f -not -name '*.pyc' -not -name '*.mo' \
	-not -path 'docs/images/*.png' 2>/dev/null) conf.py pyproject.toml requirements.lock
BUILT   := $(BUILD)/html/.coursekit-built

html: $(BUILT)

# The text and the deck are built at the same time, one per core; the deck
# shows no program output, so it never waits for a program.
$(BUILT): $(STAMP) $(SOURCES)
	@$(MAKE) --no-print-directory -j2 --output-sync=target _text _deck
	@touch $@

_text:
	$(SPHINX) -b html -d $(BUILD)/doctrees/html $(SPHINXOPTS) docs $(BUILD)/html

_deck:
	$(SPHINX) -b revealjs -d $(BUILD)/doctrees/revealjs $(SPHINXOPTS) docs $(BUILD)/html/slides

revealjs: $(STAMP)
	$(SPHINX) -b revealjs -d $(BUILD)/doctrees/revealjs $(SPHINXOPTS) docs $(BUILD)/html/slides

# The deck is rebuilt after each text build; the program cache makes a
# paragraph edit cost no program run.
live: $(STAMP)
	$(PY) -m sphinx_autobuild -c . -d $(BUILD)/doctrees/html --port 8000 \
		--ignore '*/images/*.png' --watch coursekit \
		--post-build "$(SPHINX) -b revealjs -d $(BUILD)/doctrees/revealjs docs $(BUILD)/html/slides" \
		docs $(BUILD)/html

examples: $(STAMP)
	$(SPHINX) -b examples -d $(BUILD)/doctrees/examples $(SPHINXOPTS) docs examples

slides-check: html
	$(PY) -m coursekit.tools.slidecheck $(BUILD)/html/slides $(BUILD)/slides-check

# The handouts go into the site (pdf/); the second html build links them from the home page.
slides-pdf: html
	$(PY) -m coursekit.tools.handout $(BUILD)/html/slides $(BUILD)/html/pdf
	$(SPHINX) -b html -d $(BUILD)/doctrees/html $(SPHINXOPTS) docs $(BUILD)/html

lint: $(STAMP)
	$(PY) -m ruff check coursekit tests conf.py docs/images
	$(PY) -m ruff format --check coursekit tests conf.py docs/images
	$(PY) -m sphinxlint --ignore docs/locale docs

linkcheck: html
	$(PY) -m coursekit.tools.sitecheck $(BUILD)/html

bench: $(STAMP)
	$(PY) -m coursekit.tools.bench

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(VENV)
