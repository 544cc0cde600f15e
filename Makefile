# lvs.cluster: the one entry point for every development task.
# `make help` lists the targets.

SHELL := /bin/bash
# Fail a recipe on the first failing command, including inside pipelines.
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# A recipe that fails half-way must not leave a target that looks up to date.
.DELETE_ON_ERROR:

# Interpreter that creates .venv: Debian 12's python3 (3.11) unless overridden.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Tools that start other tools (ansible-lint runs ansible-playbook, molecule
# runs ansible, ansible-test runs ansible-doc) find them on PATH.
VENV_PATH := PATH="$(BIN):$$PATH"
# The lab is stdlib-only and deliberately runs on the system python3.
LAB = python3 lab/lab

# Where ansible.cfg's collections_path finds this checkout as lvs.cluster.
COLLECTION_LINK := build/collections/ansible_collections/lvs/cluster
# Where `make sanity` stages the files the collection ships for ansible-test.
SANITY_ROOT := $(CURDIR)/build/sanity/ansible_collections/lvs/cluster
SANITY_PYTHON ?= 3.11

VENV_STAMP := $(VENV)/.installed
REQUIREMENTS := requirements/pip.txt requirements/dev.txt requirements/constraints.txt

.PHONY: help setup apt-packages lab-up lab-down lab-soak demo units sanity lint molecule test clean lock

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/'

setup: apt-packages $(VENV_STAMP) $(COLLECTION_LINK)  ## Install host packages, .venv and the collection link

apt-packages:
	@tools/apt-install-missing requirements/apt.txt

# .venv links a virtualenv built from scratch for these requirements files (never one
# that keeps packages the lock no longer lists), once per machine, in VENV_CACHE.
VENV_CACHE ?= /var/cache/lvs-cluster-venv
$(VENV_STAMP): $(REQUIREMENTS) | apt-packages
	tools/venv-ensure $(PYTHON) $(VENV) $(VENV_CACHE) $(REQUIREMENTS)
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(@D)
	ln -sfn ../../../.. $@

lab-up: setup  ## Start the test lab
	$(LAB) up

lab-down: setup  ## Stop the test lab
	$(LAB) down

# Not part of `make test`: the lab kept up for SOAK_MINUTES under site.yml runs, traffic and
# power cuts, checked for hung guests every SOAK_CHECK_EVERY s (docs/lab.md, "A hung guest").
SOAK_MINUTES ?= 90
SOAK_CHECK_EVERY ?= 60
lab-soak: setup  ## Soak the lab (90 min): fails on a hung guest, with its evidence
	$(VENV_PATH) $(BIN)/python tools/lab_soak.py --minutes $(SOAK_MINUTES) --check-every $(SOAK_CHECK_EVERY)

# The example cluster to build; docs/examples/{nat,dr,tun}.
DEMO_EXAMPLE ?= docs/examples/nat

demo: setup  ## Start the lab, build the example cluster with site.yml, prove it with traffic
	$(LAB) up
	$(VENV_PATH) $(BIN)/ansible-playbook -i .lab/inventory.yml -i $(DEMO_EXAMPLE) playbooks/site.yml
	$(BIN)/python tools/demo_report.py $(DEMO_EXAMPLE)

units: setup  ## Unit tests (pytest, tests/unit)
	$(VENV_PATH) $(BIN)/python -m pytest tests/unit

# ansible-test needs the collection at .../ansible_collections/lvs/cluster and
# checks every file there, so it gets a fresh copy of what the collection
# ships. ANSIBLE_TEST_CONTENT_ROOT stops it from walking up into this checkout's
# git repository (where build/ is ignored, so it would see no files). --local
# runs it in .venv; its per-test virtualenvs are cached in ~/.ansible/test/venv.
sanity: setup  ## ansible-test sanity on the files the collection ships
	rm -rf build/sanity
	mkdir -p $(SANITY_ROOT)
	$(BIN)/python tools/collection_files.py | rsync -a --from0 --files-from=- ./ $(SANITY_ROOT)/
	$(BIN)/python tools/ansible_test_get_pip.py >/dev/null
	cd $(SANITY_ROOT) && ANSIBLE_TEST_CONTENT_ROOT=$(SANITY_ROOT) $(VENV_PATH) \
		$(BIN)/ansible-test sanity --local --python $(SANITY_PYTHON) --color no

lint: setup  ## ansible-lint, production profile (.ansible-lint)
	$(VENV_PATH) $(BIN)/ansible-lint

# The podman scenario runs the lab's base tree as an image; podman needs the lab's
# containers.conf on machines like this one (rlimits, runc).
molecule: setup  ## Every Molecule scenario (molecule/*/molecule.yml)
	$(LAB) image >/dev/null
	CONTAINERS_CONF=$(CURDIR)/lab/containers.conf $(VENV_PATH) tools/molecule-test-all

# One phase after the other, stopping at the first failure, with timings.
test: setup  ## units, sanity, lint, molecule
	@for phase in units sanity lint molecule; do \
		start=$$SECONDS; \
		$(MAKE) --no-print-directory $$phase || { echo "make test: $$phase FAILED after $$((SECONDS - start))s"; exit 1; }; \
		echo "make test: $$phase passed in $$((SECONDS - start))s"; \
	done

clean:  ## Remove build output (keeps .venv)
	rm -rf build

# Re-resolve requirements/dev.txt from the package index and write the full
# lock. Run after changing a pin; commit both files.
lock:  ## Regenerate requirements/constraints.txt
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet -r requirements/pip.txt
	build/lock-venv/bin/python -m pip install --quiet -r requirements/dev.txt
	build/lock-venv/bin/python -m pip check
	{ echo "# Full lock of requirements/dev.txt, written by 'make lock'; do not edit."; \
	  build/lock-venv/bin/python -m pip freeze; } > requirements/constraints.txt
	rm -rf build/lock-venv
