# The README's two commands. Both create .venv and install jaxgen into it when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m pip install -q --no-deps torch-fidelity==0.4.0 pytorch-fid==0.3.0 prdc==0.2
	touch $(STAMP)

# Trains DCGAN on scikit-learn's 8x8 digits (a few minutes on 2 CPU cores) and writes a sample grid.
demo: $(STAMP)
	$(BIN)/jaxgen train dcgan_digits --workdir runs/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# tests/judge's browser test drives Debian's chromium and chromedriver: installed where missing
# (apt-get, as root); without apt-get the test is skipped and says why.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q chromium chromium-driver; \
	else echo "no apt-get: tests/judge's browser test will be skipped"; fi

test: lint browser
	$(BIN)/python -m pytest -n 2

# The full-size checks that `make test` runs CI-sized variants of (marked slow): the demo's
# 8,000-step acceptance.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m slow

clean:
	rm -rf runs .pytest_cache .ruff_cache
