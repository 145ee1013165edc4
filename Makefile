# make demo: set up and serve the demo on the embedded default.  make test: set up and pass the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint messages clean serve

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gradphoto demo

serve: $(STAMP)
	$(BIN)/gradphoto serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check src $(wildcard bench)
	$(BIN)/ruff format --check src $(wildcard bench)
	$(BIN)/mypy src/gradphoto
	GRADPHOTO_HOME=$$(mktemp -d) $(BIN)/gradphoto makemigrations --check --dry-run

messages: $(STAMP)
	cd src/gradphoto && ../../$(BIN)/gradphoto makemessages -l zh_Hans -l en --no-obsolete && \
	  ../../$(BIN)/gradphoto compilemessages

clean:
	rm -rf $(VENV) var
