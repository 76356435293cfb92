# k8scourse: the three-tier sample of the container course, one target per step.
#
# Every target prints the command it runs, exactly as the lesson
# (lesson 5, "Networking in Docker") writes it with the defaults below.
# Override any variable on the command line:
#   make up BACK_PORT=3001      make db DB_IMAGE=mysql:8.4      make DOCKER=podman up
#
# `make help` lists the targets, `make names` the names this project uses.
#
# Copying this Makefile into your own project? It needs .env (the PROJECT line)
# and three scripts with the file they share: scripts/step, scripts/health,
# scripts/wait-db and scripts/lib.sh. Optional:
# scripts/lesson (make lesson) and scripts/standin-images with scripts/standins/
# (local stand-ins for machines without a registry; without them Docker just pulls).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# ---- One name for the whole stack: PROJECT, one line in .env ----
# .env is read by this Makefile and by Compose. With the lesson's name every
# command prints exactly as the lesson writes it, and the backend and the front
# keep the lesson's container names `back` and `front`; any other name gives
# everything its own name, so two stacks run side by side:
#   make up PROJECT=photoshare BACK_PORT=3100 FRONT_PORT=8180 DB_PORT=3406
LESSON_PROJECT := k8scourse
ifeq ($(origin PROJECT),undefined)
  PROJECT := $(shell sed -n 's/^PROJECT=//p' .env 2>/dev/null | tr -d '\r ')
endif
ifeq ($(PROJECT),)
  $(error PROJECT is not set: keep .env (its line PROJECT=...) beside the Makefile, or run make PROJECT=yourname)
endif
# It names images, a Compose project and a Kubernetes namespace: all three must accept it.
ifneq ($(shell printf '%s' '$(PROJECT)' | grep -Ex '[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?'),$(PROJECT))
  $(error PROJECT=$(PROJECT): use lowercase letters, digits and dashes (up to 40), e.g. make PROJECT=photoshare)
endif
# `back`/`front` in the lesson, <PROJECT>-back/<PROJECT>-front for any other project.
APP_PREFIX := $(if $(filter $(LESSON_PROJECT),$(PROJECT)),,$(PROJECT)-)

# ---- The engine: Docker, or Podman (the course: `alias docker=podman`) ----
# DOCKER=podman runs every target on Podman. Where docker is not installed and
# podman is, the Makefile takes Podman by itself and says so.
ifeq ($(origin DOCKER),undefined)
  ifeq ($(shell command -v docker),)
    ifneq ($(shell command -v podman),)
      DOCKER := podman
      $(info notice: docker is not installed, podman is: using DOCKER=podman (set DOCKER to choose))
    endif
  endif
endif
DOCKER ?= docker
# What DOCKER really runs (podman-docker's `docker` is Podman too): a few steps of the
# lesson differ on Podman (the README's Podman section says which, and why).
ENGINE_VERSION := $(shell $(DOCKER) --version 2>/dev/null)
ENGINE := $(if $(findstring podman,$(ENGINE_VERSION)),podman,docker)
# Podman, unlike Docker, drops the NET_RAW capability by default, and busybox's ping
# (alpine's) opens a raw socket: without it, ping says "permission denied (are you root?)".
ifeq ($(ENGINE),podman)
  ALPINE_CAPS := --cap-add=NET_RAW
  ALPINE_WHY  := echo '\# --cap-add=NET_RAW: ping needs the NET_RAW capability (busybox opens a raw socket), which Podman drops by default and Docker keeps'
  # `docker rm -f` kills at once; `podman rm -f` first stops (10 s for a shell as PID 1).
  RM_NOW := rm -f -t 0
  # Podman lists a network's containers in `network inspect` from version 5 on only.
  INSPECT_LISTS_NO_CONTAINERS := $(filter 1.% 2.% 3.% 4.%,$(lastword $(ENGINE_VERSION)))
  # Compose and Swarm are driven and tested here on Docker only.
  ifneq ($(filter compose-up compose-down,$(MAKECMDGOALS)),)
    $(error make compose-up/compose-down drive Docker Compose: on Podman run the stack with make up, or see the README (Podman) for podman-compose)
  endif
  ifneq ($(filter swarm-up swarm-update swarm-down,$(MAKECMDGOALS)),)
    $(error Swarm is Docker's own: Podman has no swarm mode; run the stack with make up, or on Kubernetes (k8s/))
  endif
endif
RM_NOW ?= rm -f

# ---- Every name, port and image derives from PROJECT or is the lesson's value ----
NETWORK          ?= $(PROJECT)
DEMO_NETWORK     ?= alpine-network
ALPINE_IMAGE     ?= alpine
# The image of one and two, after the capabilities this engine must be asked for.
ALPINE_RUN        = $(strip $(ALPINE_CAPS) $(ALPINE_IMAGE))
DB_NAME          ?= $(PROJECT)-db
# db/init.sql grants its rights to 'user': change DB_USER and init.sql together.
DB_PORT          ?= 3306
DB_USER          ?= user
DB_PASSWORD      ?= mysql
DB_ROOT_PASSWORD ?= root
BACK_NAME        ?= $(APP_PREFIX)back
BACK_IMAGE       ?= $(PROJECT)-back
PYTHON_IMAGE     ?= python:3.13-slim
FRONT_NAME       ?= $(APP_PREFIX)front
FRONT_IMAGE      ?= $(PROJECT)-front
NGINX_IMAGE      ?= nginx:1.28
# Unless you set them, BACK_PORT and FRONT_PORT are the ports that the running back and
# front really publish (the engine says), else 3000 and 8080: after `make back
# BACK_PORT=3001`, a plain `make health` asks port 3001, `make front` gives the page
# BASE_URL=http://localhost:3001, and `make back` keeps the backend where it is.
published = $(shell $(DOCKER) port $(1) $(2)/tcp 2>/dev/null | sed -n '1s/.*://p')
followed = $(if $(filter-out $(3),$($(2))),$(info notice: $(1) publishes port $($(2)), so $(2)=$($(2)) (set $(2) to choose)))
ifeq ($(origin BACK_PORT),undefined)
  BACK_PORT := $(or $(call published,$(BACK_NAME),3000),3000)
  $(call followed,$(BACK_NAME),BACK_PORT,3000)
endif
ifeq ($(origin FRONT_PORT),undefined)
  FRONT_PORT := $(or $(call published,$(FRONT_NAME),8080),8080)
  $(call followed,$(FRONT_NAME),FRONT_PORT,8080)
endif
# The browser, not the front container, calls the API: so a host URL, not a container name.
BASE_URL         ?= http://localhost:$(BACK_PORT)
HEALTH_TIMEOUT   ?= 90

# mysql:5.7 was only ever built for amd64: where the engine runs arm64 (Apple Silicon,
# ARM Linux), the database is the multi-arch mysql:8.4. The engine is asked, not
# `uname -m`: a shell under Rosetta says x86_64 on an arm64 Mac, and Docker Desktop's
# and Podman's machines run Linux VMs of their own. Asked only by the targets that
# start the database (and `make names`); ENGINE_ARCH=arm64 pretends.
DB_TARGETS := up dev db images names
ifeq ($(origin DB_IMAGE),undefined)
  ifneq ($(filter $(DB_TARGETS),$(MAKECMDGOALS)),)
    ifeq ($(ENGINE),podman)
      ENGINE_ARCH ?= $(shell $(DOCKER) info --format '{{.Host.Arch}}' 2>/dev/null)
    else
      ENGINE_ARCH ?= $(shell $(DOCKER) version --format '{{.Server.Arch}}' 2>/dev/null)
    endif
    ifneq ($(filter aarch64 arm64,$(ENGINE_ARCH)),)
      DB_IMAGE := mysql:8.4
      DB_IMAGE_WHY := echo '\# DB_IMAGE=mysql:8.4: $(DOCKER) runs $(ENGINE_ARCH), and mysql:5.7 exists for amd64 only (set DB_IMAGE to choose)'
    endif
  endif
endif
DB_IMAGE ?= mysql:5.7

# Bind mounts of this folder's files (the database's init.sql, as the lesson writes it;
# make dev's code), and what two hosts need more; MOUNT_WHY says it before the command.
# A folder whose path has a space: the shell would split $(pwd), so it is quoted.
# SELinux enforcing (Fedora, RHEL, CentOS): a container may read only files labelled
# for containers, so `z` asks the engine to relabel them (SELINUX_ENFORCING=1|0 pretends).
HERE := $$(pwd)
comma := ,
ifneq ($(word 2,$(CURDIR)),)
  HERE := "$$(pwd)"
  MOUNT_WHY += echo '\# "$$(pwd)" quoted: the path of this folder has a space, which would split the -v argument in two';
endif
SELINUX_ENFORCING ?= $(shell cat /sys/fs/selinux/enforce 2>/dev/null)
ifeq ($(SELINUX_ENFORCING),1)
  RELABEL := z
  MOUNT_WHY += echo '\# z: SELinux enforces here, and a container may read a mounted file only once the engine relabels it for containers';
endif
INIT_SQL_MOUNT := $(HERE)/init.sql:/docker-entrypoint-initdb.d/init.sql$(if $(RELABEL),:$(RELABEL))

# A password is written into the command only while it is the lesson's public
# default; any other value reaches the container through the environment
# (`-e NAME` without a value), so it is never printed.
shown = $(if $(filter $(2),$($(1))),=$(2))
SECRETS_ENV := MYSQL_PASSWORD='$(DB_PASSWORD)' MYSQL_ROOT_PASSWORD='$(DB_ROOT_PASSWORD)'
# The backend's own defaults are the lesson's user/password; pass them only when changed.
BACK_ENV = $(if $(filter-out user,$(DB_USER)), -e MYSQL_USER=$(DB_USER))$(if $(filter-out mysql,$(DB_PASSWORD)), -e MYSQL_PASSWORD)$(if $(filter-out 8080,$(FRONT_PORT)), -e CORS_ORIGINS=http://localhost:$(FRONT_PORT))

# The page's title and heading name the project (the lesson's is the image's default).
FRONT_ENV = $(if $(filter $(LESSON_PROJECT),$(PROJECT)),, -e APP_NAME=$(PROJECT))

# The engine, decided once above: the scripts take DOCKER and ENGINE from here.
export DOCKER ENGINE
# The scripts name this project's images and database in their messages. Passed to
# them, not exported: a make run by a recipe (tests, a copy) derives its own names.
STEP    := PROJECT=$(PROJECT) LESSON_PROJECT=$(LESSON_PROJECT) $(SECRETS_ENV) BACK_IMAGE=$(BACK_IMAGE) FRONT_IMAGE=$(FRONT_IMAGE) scripts/step
HEALTH  := DB_NAME=$(DB_NAME) NETWORK=$(NETWORK) scripts/health
# The docker run stack and the Compose or Swarm stack of one project share names and
# ports: the targets that start the one refuse while the other is up.
NO_STACK = --requires-no-stack $(PROJECT) $(STACK)
# Local stand-ins where no registry answers; where scripts/standin-images was not
# copied along, nothing (`:`): docker pulls what it needs, as usual.
IMAGES  := $(if $(wildcard scripts/standin-images),scripts/standin-images,:)
VENV    := .venv
PY      := $(VENV)/bin/python

##@ Part 1: containers are isolated

.PHONY: alpine
alpine: ## Start alpine containers "one" and "two" on the default bridge
	@$(IMAGES) $(ALPINE_IMAGE)
	@$(ALPINE_WHY)
	@$(STEP) --replace one '$(DOCKER) run -it -d --rm --name one $(ALPINE_RUN) /bin/sh'
	@$(STEP) --replace two '$(DOCKER) run -it -d --rm --name two $(ALPINE_RUN) /bin/sh'

.PHONY: shell
shell: ## Open a shell in "one" (needs a terminal; try ls, ping two, exit)
	@$(STEP) --tty --needs one $(DEMO_NETWORK) --lesson-failure one alpine-network '$(DOCKER) exec -it one /bin/sh'

.PHONY: ls
ls: ## Show the file system inside "one", without a terminal
	@$(STEP) --needs one $(DEMO_NETWORK) '$(DOCKER) exec one ls'

.PHONY: ping
ping: ## From "one", ping "two" by name (on the default bridge it fails, the lesson's point; on alpine-network it works)
	@$(STEP) --needs one $(DEMO_NETWORK) --lesson-failure one alpine-network '$(DOCKER) exec one ping -c 1 -W 2 two'

.PHONY: alpine-stop
alpine-stop: ## Stop "one" and "two" (10 s: /bin/sh as PID 1 ignores SIGTERM, so Docker waits, then kills)
	@$(STEP) --if-running one '$(DOCKER) stop one' & $(STEP) --if-running two '$(DOCKER) stop two' & wait

##@ Part 2: a network lets containers find each other by name

# Replacing the one and two of part 1 waits 10 s for each: one docker stop stops both at once.
.PHONY: alpine-network
alpine-network: ## Create alpine-network and start "one" and "two" on it
	@$(IMAGES) $(ALPINE_IMAGE)
	@$(STEP) --unless-network $(DEMO_NETWORK) '$(DOCKER) network create $(DEMO_NETWORK)'
	@$(ALPINE_WHY)
	@$(STEP) --replace-too two --replace one '$(DOCKER) run -it -d --rm --name one --network $(DEMO_NETWORK) $(ALPINE_RUN) /bin/sh'
	@$(STEP) --replace two '$(DOCKER) run -it -d --rm --name two --network $(DEMO_NETWORK) $(ALPINE_RUN) /bin/sh'

.PHONY: inspect
inspect: ## Show alpine-network: its containers and their addresses
	@$(STEP) '$(DOCKER) network inspect $(DEMO_NETWORK)'
ifneq ($(INSPECT_LISTS_NO_CONTAINERS),)
	@echo '# Podman 4 lists no containers in network inspect: $(DOCKER) ps --filter network=$(DEMO_NETWORK) shows them'
	@$(STEP) '$(DOCKER) ps --filter network=$(DEMO_NETWORK)'
endif

##@ Part 3: the database and the backend on the $(NETWORK) network

.PHONY: network
network: ## Create the $(NETWORK) network
	@$(STEP) $(NO_STACK) --unless-network $(NETWORK) '$(DOCKER) network create $(NETWORK)'

.PHONY: db
db: network ## Start MySQL as $(DB_NAME) on $(NETWORK), loading db/init.sql
	@$(DB_IMAGE_WHY)
	@$(IMAGES) $(DB_IMAGE)
	@$(MOUNT_WHY)
	@$(STEP) --port-var DB_PORT --keep $(DB_NAME) 'cd db && $(DOCKER) run -p $(DB_PORT):3306 -d --name $(DB_NAME) -e MYSQL_USER=$(DB_USER) -e MYSQL_PASSWORD$(call shown,DB_PASSWORD,mysql) -e MYSQL_ROOT_PASSWORD$(call shown,DB_ROOT_PASSWORD,root) --rm -v $(INIT_SQL_MOUNT) --network $(NETWORK) $(DB_IMAGE)'

.PHONY: wait-db
wait-db: ## Wait until the database answers a real query over TCP (init done)
	@$(SECRETS_ENV) scripts/wait-db $(DB_NAME) $(DB_USER) $(HEALTH_TIMEOUT)

.PHONY: build
build: ## Build the backend image $(BACK_IMAGE) from back/
	@$(IMAGES) $(PYTHON_IMAGE)
	@$(STEP) 'cd back && $(DOCKER) build -t $(BACK_IMAGE) .'

# The running front's page calls the API where its BASE_URL says: after the backend moved
# to another port, say so (make front follows the port the backend publishes).
FRONT_FOLLOWS = url=$$($(DOCKER) container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' $(FRONT_NAME) 2>/dev/null | sed -n 's/^BASE_URL=//p'); \
  if [ -n "$$url" ] && [ "$$url" != "$(BASE_URL)" ]; then \
    echo "notice: $(FRONT_NAME)'s page still calls the API at $$url: 'make front' points it at $(BASE_URL)"; fi

.PHONY: back-broken
back-broken: network ## The lesson's first try: $(BACK_NAME) WITHOUT MYSQL_HOST (its /health fails)
	@$(STEP) --port-var BACK_PORT --replace $(BACK_NAME) '$(DOCKER) run -p $(BACK_PORT):3000 -d --name $(BACK_NAME) --rm --network $(NETWORK) $(BACK_IMAGE)'

.PHONY: back
back: network ## Start $(BACK_NAME) with -e MYSQL_HOST=$(DB_NAME) (the lesson's fix)
	@$(FRONT_FOLLOWS)
	@$(STEP) --port-var BACK_PORT --replace $(BACK_NAME) '$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm --network $(NETWORK) -e MYSQL_HOST=$(DB_NAME)$(BACK_ENV) -d $(BACK_IMAGE)'

.PHONY: health
health: ## curl localhost:$(BACK_PORT)/health, waiting while the database initialises
	@$(HEALTH) '$(BACK_NAME)' $(HEALTH_TIMEOUT) 'curl localhost:$(BACK_PORT)/health'

.PHONY: ps
ps: ## List the running containers
	@$(STEP) '$(DOCKER) ps'

.PHONY: logs
logs: ## Show the backend's logs
	@$(STEP) '$(DOCKER) logs $(BACK_NAME)'

.PHONY: stop
stop: ## Stop the backend
	@$(STEP) --if-running $(BACK_NAME) '$(DOCKER) stop $(BACK_NAME)'

##@ Part 4: the front end (the next lesson), served by nginx

.PHONY: build-front
build-front: ## Build the front image $(FRONT_IMAGE) from front/
	@$(IMAGES) $(NGINX_IMAGE)
	@$(STEP) 'cd front && $(DOCKER) build -t $(FRONT_IMAGE) .'

.PHONY: front
front: ## Start $(FRONT_NAME) on port $(FRONT_PORT); the page calls the API at $(BASE_URL)
	@$(STEP) $(NO_STACK) --port-var FRONT_PORT --replace $(FRONT_NAME) '$(DOCKER) run -p $(FRONT_PORT):8080 --name $(FRONT_NAME) --rm -e BASE_URL=$(BASE_URL)$(FRONT_ENV) -d $(FRONT_IMAGE)'

# In WSL the browser is Windows': wslview (from wslu) or explorer.exe opens it.
.PHONY: open
open: ## Print the app's address (and open it where a desktop browser is available)
	@echo "The app: http://localhost:$(FRONT_PORT)  (API: $(BASE_URL)/health)"
	@if [ -n "$${WSL_DISTRO_NAME:-}" ]; then \
	  if command -v wslview >/dev/null; then wslview http://localhost:$(FRONT_PORT); \
	  elif command -v explorer.exe >/dev/null; then explorer.exe http://localhost:$(FRONT_PORT) || true; fi; \
	elif [ "$$(uname)" = Darwin ]; then open http://localhost:$(FRONT_PORT); \
	elif [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && command -v xdg-open >/dev/null; then xdg-open http://localhost:$(FRONT_PORT); fi

##@ The whole stack

# The command the port advice repeats: make up, with the project's name unless it is the lesson's.
UP_AS = make up$(if $(filter $(LESSON_PROJECT),$(PROJECT)),, PROJECT=$(PROJECT))

.PHONY: ports
ports: ## Check that every port make up publishes is free (make up does it first): name every clash at once
	@$(STEP) $(NO_STACK) --check-ports '$(UP_AS)' '$(DB_NAME) DB_PORT $(DB_PORT)' '$(BACK_NAME) BACK_PORT $(BACK_PORT)' '$(FRONT_NAME) FRONT_PORT $(FRONT_PORT)'

.PHONY: up
up: ports network db build build-front wait-db back front health ## Run the app: db, backend and front, then wait until /health is 200
	@echo "The app is up: http://localhost:$(FRONT_PORT)  (API: $(BASE_URL)/health)"

.PHONY: down
down: ## Stop this project's containers and remove its network (the lesson's: the alpine demo's too)
	@$(STEP) --if-running $(FRONT_NAME) '$(DOCKER) stop $(FRONT_NAME)'
	@$(STEP) --if-running $(BACK_NAME) '$(DOCKER) stop $(BACK_NAME)'
	@$(STEP) --if-running $(DB_NAME) '$(DOCKER) stop $(DB_NAME)'
ifeq ($(PROJECT),$(LESSON_PROJECT))
	@$(STEP) --if-running one '$(DOCKER) $(RM_NOW) one'
	@$(STEP) --if-running two '$(DOCKER) $(RM_NOW) two'
endif
	@$(STEP) --if-network $(NETWORK) '$(DOCKER) network rm $(NETWORK)'
ifeq ($(PROJECT),$(LESSON_PROJECT))
	@$(STEP) --if-network $(DEMO_NETWORK) '$(DOCKER) network rm $(DEMO_NETWORK)'
endif

.PHONY: clean
clean: down ## down, then remove this project's images and the local virtualenv
	@for image in $(BACK_IMAGE) $(FRONT_IMAGE); do \
	  if $(DOCKER) image inspect $$image >/dev/null 2>&1; then $(STEP) "$(DOCKER) rmi $$image"; fi; done
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts

.PHONY: lesson
lesson: ## Walk through the whole lesson, checking each outcome (asks before it stops a running stack)
	@PROJECT=$(PROJECT) scripts/lesson

.PHONY: images
images: ## Make sure the lesson's images exist (local stand-ins where no registry answers)
	@$(IMAGES) $(ALPINE_IMAGE) $(DB_IMAGE) $(PYTHON_IMAGE) $(NGINX_IMAGE)

##@ Beyond docker run: Compose

# Compose v2 (`docker compose`) where it is installed, else Debian's docker-compose 1.29.
COMPOSE = $(shell $(DOCKER) compose version >/dev/null 2>&1 && echo "$(DOCKER) compose" || echo docker-compose)
# Compose and Swarm read the passwords from files (*_FILE). The lesson's public
# defaults are committed in db/lesson-passwords/, so `docker compose up` works on a
# fresh clone; any other password is written to .secrets/$(PROJECT)/ (never
# committed, never printed) and the stack files are pointed there with DB_SECRETS.
LESSON_PASSWORDS = $(and $(filter mysql,$(DB_PASSWORD)),$(filter root,$(DB_ROOT_PASSWORD)))
SECRETS_DIR      = .secrets/$(PROJECT)
# Compose and Swarm start mysql:8.4 unless DB_IMAGE is set (compose.yaml, swarm/stack.yaml):
# it exists for amd64 and arm64, so a plain `docker compose up -d` runs on every machine.
STACK_DB_IMAGE = $(if $(filter command line environment,$(origin DB_IMAGE)),$(DB_IMAGE),mysql:8.4)
COMPOSE_ENV = PROJECT=$(PROJECT) DB_IMAGE=$(STACK_DB_IMAGE) BACK_PORT=$(BACK_PORT) FRONT_PORT=$(FRONT_PORT)$(if $(LESSON_PASSWORDS),, DB_SECRETS="$(CURDIR)/$(SECRETS_DIR)")

.PHONY: secrets
secrets: ## Write DB_PASSWORD and DB_ROOT_PASSWORD into .secrets/$(PROJECT)/ for Compose and Swarm
	@mkdir -p -m 700 .secrets $(SECRETS_DIR)
	@umask 022 && $(SECRETS_ENV) sh -c 'printf %s "$$MYSQL_PASSWORD" >$(SECRETS_DIR)/password && printf %s "$$MYSQL_ROOT_PASSWORD" >$(SECRETS_DIR)/root-password'

.PHONY: compose-up
compose-up: $(if $(LESSON_PASSWORDS),,secrets) ## Run the three tiers with Compose (compose.yaml), until /health is 200
	@$(IMAGES) $(STACK_DB_IMAGE) $(PYTHON_IMAGE) $(NGINX_IMAGE)
	@$(STEP) --requires-down '$(BACK_NAME) $(DB_NAME) $(FRONT_NAME)' $(NETWORK) '$(COMPOSE_ENV) $(COMPOSE) -p $(PROJECT) up -d --build'
	@$(HEALTH) '' $(HEALTH_TIMEOUT) 'curl localhost:$(BACK_PORT)/health'
	@echo "The app is up with Compose: http://localhost:$(FRONT_PORT)"

.PHONY: compose-down
compose-down: ## Stop and remove the Compose stack: containers and network (a named db-data volume you chose stays)
	@$(STEP) '$(COMPOSE_ENV) $(COMPOSE) -p $(PROJECT) down --remove-orphans'

##@ Development loop: edit, save, see it

# `make dev` runs the stack of `make up` (same images, names, network and ports) with the
# code read from this folder: back/ and front/public/ are bind-mounted read-only over what
# the images copied, and gunicorn's --reload (through GUNICORN_CMD_ARGS, which gunicorn
# reads) restarts its workers when a .py file changes. nginx reads the page from disk on
# every request. `make up` afterwards puts the built images back (scripts/step sees the
# other environment and mounts, and replaces the containers).
# The mounts are written as the database's init.sql mount is (HERE, RELABEL above).
DEV_MOUNT_OPTS := ro$(if $(RELABEL),$(comma)$(RELABEL))
BACK_DEV_MOUNT  := $(HERE):/app:$(DEV_MOUNT_OPTS)
FRONT_DEV_MOUNT := $(HERE)/public:/usr/share/nginx/html:$(DEV_MOUNT_OPTS)

.PHONY: dev
dev: network db build build-front wait-db back-dev front-dev health ## Run the stack with back/ and front/public/ mounted: a saved change is served without a rebuild
	@echo "The app is up in development mode: http://localhost:$(FRONT_PORT)  (API: $(BASE_URL)/health)"
	@echo "Edit back/api/*.py: gunicorn reloads (make logs shows it). Edit front/public/: reload the page. make up returns to the built images."

.PHONY: back-dev
back-dev: network ## Start $(BACK_NAME) from the built image, with back/ mounted and gunicorn's --reload
	@$(MOUNT_WHY)
	@$(STEP) --port-var BACK_PORT --replace $(BACK_NAME) 'cd back && $(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm --network $(NETWORK) -e MYSQL_HOST=$(DB_NAME)$(BACK_ENV) -e GUNICORN_CMD_ARGS=--reload -v $(BACK_DEV_MOUNT) -d $(BACK_IMAGE)'

.PHONY: front-dev
front-dev: ## Start $(FRONT_NAME) from the built image, serving front/public/ from this folder
	@$(MOUNT_WHY)
	@$(STEP) $(NO_STACK) --port-var FRONT_PORT --replace $(FRONT_NAME) 'cd front && $(DOCKER) run -p $(FRONT_PORT):8080 --name $(FRONT_NAME) --rm -e BASE_URL=$(BASE_URL)$(FRONT_ENV) -v $(FRONT_DEV_MOUNT) -d $(FRONT_IMAGE)'

# `docker compose watch` (Compose v2.22+) with the rules of compose.watch.yaml, in a file
# of its own so that plain `docker compose up` and docker-compose 1.29 never read them.
# It stays in the foreground and prints what it copies; Ctrl+C ends the watch, and
# `make compose-down` the stack.
COMPOSE_WATCH = $(COMPOSE_ENV) $(DOCKER) compose -p $(PROJECT) -f compose.yaml -f compose.watch.yaml watch

.PHONY: compose-watch
compose-watch: $(if $(LESSON_PASSWORDS),,secrets) ## Run the Compose stack and copy each saved change into it (docker compose watch, Compose v2.22+)
ifeq ($(ENGINE),podman)
	@echo "make: watch needs Docker Compose v2.22 or newer (podman-compose has no watch): on Podman, make dev is the loop" >&2; exit 1
endif
	@version=$$($(DOCKER) compose version --short 2>/dev/null); case $${version#v} in \
	  '' | 1.* | 2.[0-9].* | 2.1[0-9].* | 2.2[01].*) echo "make: watch needs Compose v2.22 or newer ($${version:-only docker-compose 1.x here}): update Docker, or use make dev" >&2; exit 1 ;; esac
	@$(IMAGES) $(STACK_DB_IMAGE) $(PYTHON_IMAGE) $(NGINX_IMAGE)
	@$(STEP) --requires-down '$(BACK_NAME) $(DB_NAME) $(FRONT_NAME)' $(NETWORK) '$(COMPOSE_WATCH)'

##@ Beyond docker run: Swarm

STACK           ?= $(PROJECT)
# Set when `docker swarm init` cannot choose an address by itself (several interfaces).
SWARM_ADVERTISE ?=
SWARM_STATE      = $(shell $(DOCKER) info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)
STACK_LEFT       = $(DOCKER) ps -aq --filter label=com.docker.stack.namespace=$(STACK); \
                   $(DOCKER) network ls -q --filter label=com.docker.stack.namespace=$(STACK)

# Beside the docker run stack, swarm-up refuses before `swarm init`: a refused swarm-up
# leaves the node as it was.
.PHONY: swarm-up
swarm-up: $(if $(LESSON_PASSWORDS),,secrets) build build-front ## Deploy the three tiers as a Swarm stack (swarm/stack.yaml), until /health is 200
	@$(IMAGES) $(STACK_DB_IMAGE) $(NGINX_IMAGE)
	@if [ "$(SWARM_STATE)" != active ]; then $(STEP) --requires-down '$(BACK_NAME) $(DB_NAME) $(FRONT_NAME)' '' '$(DOCKER) swarm init$(if $(SWARM_ADVERTISE), --advertise-addr $(SWARM_ADVERTISE))'; fi
	@$(STEP) --requires-down '$(BACK_NAME) $(DB_NAME) $(FRONT_NAME)' '' '$(COMPOSE_ENV) $(DOCKER) stack deploy --resolve-image never -c swarm/stack.yaml $(STACK)'
	@$(HEALTH) '' $(HEALTH_TIMEOUT) 'curl localhost:$(BACK_PORT)/health'
	@echo "The app is up on Swarm: http://localhost:$(FRONT_PORT)  ($(DOCKER) stack ps $(STACK))"

.PHONY: swarm-update
swarm-update: build ## Roll the Swarm stack's backend onto the image just built, one replica at a time, dropping no request
	@$(STEP) '$(DOCKER) service update --force --detach=false $(STACK)_back'

.PHONY: swarm-down
swarm-down: ## Remove the Swarm stack and wait until it is gone (the swarm stays)
	@if [ "$(SWARM_STATE)" = active ]; then $(STEP) '$(DOCKER) stack rm $(STACK)'; fi
	@for _ in $$(seq 1 60); do [ -z "$$($(STACK_LEFT))" ] && exit 0; sleep 1; done; \
	  echo "make: the stack $(STACK) is still being removed: check '$(DOCKER) stack ps $(STACK)'" >&2; exit 1

##@ Beyond docker run: Kubernetes

.PHONY: k8s-validate
k8s-validate: venv ## Render k8s/ with Kustomize and validate it against the Kubernetes 1.37 schemas (no cluster)
	$(VENV)/bin/kubectl kustomize k8s | $(VENV)/bin/kubernetes-validate --strict --quiet -
	$(VENV)/bin/kubectl kustomize k8s/arm64 | $(VENV)/bin/kubernetes-validate --strict --quiet -
	$(PY) -m pytest tests/k8s $(PYTEST_ARGS)

##@ Development

$(VENV)/.installed: requirements-dev.txt back/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create .venv with the pinned development requirements

.PHONY: lint
lint: venv ## ruff on the Python code, shellcheck on the scripts, hadolint on the Dockerfiles
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	shellcheck scripts/step scripts/standin-images scripts/health scripts/wait-db scripts/lib.sh scripts/lesson \
	  scripts/bench scripts/standins/*/*.sh front/*.sh .ci/*
	$(VENV)/bin/hadolint back/Dockerfile front/Dockerfile scripts/standins/*/Dockerfile

.PHONY: test
test: lint ## Lint, then every test: unit, real MariaDB, and the lesson on the Docker engine
	$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: test-back
test-back: venv ## Backend tests only (unit + real MariaDB), no Docker
	$(PY) -m pytest tests/back $(PYTEST_ARGS)

.PHONY: test-e2e
test-e2e: venv ## The lesson end to end on the Docker engine
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

.PHONY: bench
bench: venv ## Benchmark the backend under gunicorn against a real database (prints a table)
	scripts/bench

.PHONY: help
# The descriptions say $(NAME); help prints this project's value in its place.
HELP_NAMES := PROJECT NETWORK DB_NAME BACK_NAME BACK_IMAGE BACK_PORT FRONT_NAME FRONT_IMAGE FRONT_PORT BASE_URL STACK

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} {sub(/\r$$/, "")} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST) \
	  | sed $(foreach name,$(HELP_NAMES),-e 's|$$($(name))|$($(name))|g')

.PHONY: names
names: ## Print the names this project uses (all derived from PROJECT, in .env)
	@$(foreach name,$(HELP_NAMES) DB_PORT DB_IMAGE,printf '%s=%s\n' $(name) '$($(name))';)
