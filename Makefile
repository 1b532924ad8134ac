# symconv: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test venv install install-test generate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(BIN)/python

install: venv
	$(PIP) install --quiet -e .

install-test: venv
	$(PIP) install --quiet -e '.[test]'

## make demo: create .venv if needed, install, derive + prove + evaluate + generate
demo: install
	$(BIN)/symconv derive conv1d
	$(BIN)/symconv prove conv1d
	$(BIN)/symconv eval conv1d --batch-size 8 --in-channels 16 --out-channels 32 --input-length 100 --kernel-size 3 --convention all
	$(BIN)/symconv generate --out generated

## make test: install the test extras into .venv and run the whole suite
test: install-test
	$(BIN)/python -m pytest

## make generate: refresh the committed artefacts in generated/
generate: install
	$(BIN)/symconv generate --out generated

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
