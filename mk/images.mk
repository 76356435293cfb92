# The lesson's images (mk/images.mk): pulled before the targets that run them, with the
# engine's own progress; where no registry answers (CI, a machine offline), local
# stand-ins built from Debian packages take their names, each saying what it really is
# (standins/, README: "Without a registry"). Without this file, or without standins/,
# `docker run` pulls as usual.
PYTHON_IMAGE ?= python:3.13-slim
NGINX_IMAGE  ?= nginx:1.28
PULL_OR_BUILD := $(wildcard standins/pull-or-build)

alpine alpine-network: pull-alpine
db: pull-db
build: pull-python
build-front: pull-nginx
.PHONY: pull-images
pull-images: pull-alpine pull-db pull-python pull-nginx ## Pull the lesson's images (or stand-ins)
pull-alpine: ; @$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) $(ALPINE_IMAGE))
pull-db: ; @$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) $(DB_IMAGE))
pull-python: ; @$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) $(PYTHON_IMAGE))
pull-nginx: ; @$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) $(NGINX_IMAGE))
