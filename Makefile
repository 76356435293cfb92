# k8scourse: Lesson 5 of the container course, "Networking in Docker", a target per step.
#
#   make help     the targets, by the lesson's parts      make lesson   walk the lesson
#   make up       the app: database, backend and front    make down     stop it all
#
# Each target prints the lesson's command, then runs it. With the defaults below the
# commands are the lesson's, word for word; only the engine, $(DOCKER), and the names
# that follow PROJECT can differ. Override any variable:
#   make up BACK_PORT=3001      make db DB_IMAGE=mysql:8.4      make up DOCKER=podman
#
# This file is the lesson. What the lesson leaves out lives in mk/, a file per concern
# (Podman, your machine, images, Compose, Swarm, Kubernetes, the development loop,
# the tests); the scripts behind the targets are in scripts/. Without mk/, this file and
# scripts/ still run the lesson on Docker (README: "Copy the Makefile").

SHELL := /bin/bash
.DEFAULT_GOAL := help

# ---- The names: each follows PROJECT, one line in .env (make rename NAME=... sets it) ----
ifeq ($(origin PROJECT),undefined)
  PROJECT := $(shell sed -n 's/^PROJECT=//p' .env 2>/dev/null | tr -d '\r ')
endif
$(if $(PROJECT),,$(error PROJECT is not set: keep .env (its line PROJECT=...) beside the Makefile, or run make PROJECT=yourname))
# The lesson's own project keeps the lesson's container names, back and front; any other
# project prefixes them (photoshare-back), so two stacks run side by side.
LESSON_PROJECT := k8scourse
APP_PREFIX     := $(if $(filter $(LESSON_PROJECT),$(PROJECT)),,$(PROJECT)-)

DOCKER           ?= docker
DEMO_NETWORK     ?= alpine-network
ALPINE_IMAGE     ?= alpine
NETWORK          ?= $(PROJECT)
DB_NAME          ?= $(PROJECT)-db
# mysql:5.7 exists for amd64 only: an ARM engine gets mysql:8.4 (mk/machine.mk asks it).
DB_IMAGE         ?= $(if $(ARM_ENGINE),mysql:8.4,mysql:5.7)
DB_PORT          ?= 3306
# db/init.sql grants its rights to 'user': change DB_USER and init.sql together.
DB_USER          ?= user
DB_PASSWORD      ?= mysql
DB_ROOT_PASSWORD ?= root
BACK_NAME        ?= $(APP_PREFIX)back
BACK_IMAGE       ?= $(PROJECT)-back
BACK_PORT        ?= 3000
FRONT_NAME       ?= $(APP_PREFIX)front
FRONT_IMAGE      ?= $(PROJECT)-front
FRONT_PORT       ?= 8080
# The page runs in the browser, and the browser calls the API: a host URL, not a container.
BASE_URL         ?= http://localhost:$(BACK_PORT)
HEALTH_TIMEOUT   ?= 90

# The lesson's alpine, after the flags the engine must be given (mk/engine.mk: Podman's).
ALPINE      = $(strip $(ALPINE_FLAGS) $(ALPINE_IMAGE))
# The lesson's $(pwd), quoted where this folder's path has a space (the shell would split it).
SHELL_PWD  := $(if $(word 2,$(CURDIR)),"$$(pwd)",$$(pwd))
# A password is printed while it is the lesson's public default; any other reaches the
# container through the environment (-e NAME without a value), and is never printed.
DB_PASSWORD_ARG   = $(if $(filter mysql,$(DB_PASSWORD)),=mysql)
ROOT_PASSWORD_ARG = $(if $(filter root,$(DB_ROOT_PASSWORD)),=root)
PASSWORDS  = MYSQL_PASSWORD='$(DB_PASSWORD)' MYSQL_ROOT_PASSWORD='$(DB_ROOT_PASSWORD)'
# What the backend and the front need beyond the lesson's flags (nothing, with its names).
BACK_ENV  = $(if $(filter-out user,$(DB_USER)), -e MYSQL_USER=$(DB_USER))$(if $(DB_PASSWORD_ARG),, -e MYSQL_PASSWORD)$(if $(filter-out 8080 8888,$(FRONT_PORT)), -e CORS_ORIGINS=http://localhost:$(FRONT_PORT))
FRONT_ENV = $(if $(APP_PREFIX), -e APP_NAME=$(PROJECT))

# The scripts are told the names; none is written in them. RUN prints a command, runs it,
# and turns the engine's classic refusals into one line that names the fix.
export DOCKER
RUN    = PROJECT=$(PROJECT) LESSON_PROJECT=$(LESSON_PROJECT) BACK_IMAGE=$(BACK_IMAGE) FRONT_IMAGE=$(FRONT_IMAGE) $(PASSWORDS) scripts/run-step
HEALTH = DB_NAME=$(DB_NAME) NETWORK=$(NETWORK) scripts/check-health

##@ Part 1: containers are isolated

.PHONY: alpine shell ls ping alpine-stop
alpine: ## Start alpine containers "one" and "two" (default bridge)
	@$(RUN) --replace one '$(DOCKER) run -it -d --rm --name one $(ALPINE) /bin/sh'
	@$(RUN) --replace two '$(DOCKER) run -it -d --rm --name two $(ALPINE) /bin/sh'

shell: ## Open a shell in "one" (a terminal; try ls, ping two, exit)
	@$(RUN) --tty --needs one $(DEMO_NETWORK) --lesson-failure one alpine-network '$(DOCKER) exec -it one /bin/sh'

ls: ## Show the file system inside "one", without a terminal
	@$(RUN) --needs one $(DEMO_NETWORK) '$(DOCKER) exec one ls'

# The lesson types `ping two` in one's shell, and stops it with Ctrl+C: here it runs without
# a terminal, so it must end by itself.
ping: ## From "one", ping "two" (fails on the default bridge)
	@echo '# ping two, as the lesson types it in one, with -c 1 (one packet, then it ends: no Ctrl+C) and -W 2 (2 s at most for the answer)'
	@$(RUN) --needs one $(DEMO_NETWORK) --lesson-failure one alpine-network '$(DOCKER) exec one ping -c 1 -W 2 two'

# /bin/sh as PID 1 ignores SIGTERM: each stop waits 10 s, then kills. Both at once.
alpine-stop: ## Stop "one" and "two" (10 s: a shell as PID 1)
	@$(RUN) --if-running one '$(DOCKER) stop one' & $(RUN) --if-running two '$(DOCKER) stop two' & wait

##@ Part 2: a network lets containers find each other by name

.PHONY: alpine-network inspect
alpine-network: ## Create alpine-network; start "one" and "two" on it
	@$(RUN) --unless-network $(DEMO_NETWORK) '$(DOCKER) network create $(DEMO_NETWORK)'
	@$(RUN) --replace one '$(DOCKER) run -it -d --rm --name one --network $(DEMO_NETWORK) $(ALPINE) /bin/sh'
	@$(RUN) --replace two '$(DOCKER) run -it -d --rm --name two --network $(DEMO_NETWORK) $(ALPINE) /bin/sh'

inspect:: ## Show alpine-network: its containers, their addresses
	@$(RUN) '$(DOCKER) network inspect $(DEMO_NETWORK)'

##@ Part 3: the database and the backend on the $(NETWORK) network

.PHONY: network db wait-db build back-broken back health ps logs stop
network: ## Create the $(NETWORK) network
	@$(RUN) --unless-network $(NETWORK) '$(DOCKER) network create $(NETWORK)'

# --keep: the database holds the data, and --rm deletes it with the container.
db: network ## Start MySQL as $(DB_NAME), loading db/init.sql
	@$(RUN) --port-var DB_PORT --keep $(DB_NAME) 'cd db && $(DOCKER) run -p $(DB_PORT):3306 -d --name $(DB_NAME) -e MYSQL_USER=$(DB_USER) -e MYSQL_PASSWORD$(DB_PASSWORD_ARG) -e MYSQL_ROOT_PASSWORD$(ROOT_PASSWORD_ARG) --rm -v $(SHELL_PWD)/init.sql:/docker-entrypoint-initdb.d/init.sql$(MOUNT_OPTIONS) --network $(NETWORK) $(DB_IMAGE)'

wait-db: ## Wait until the database answers a query over TCP
	@$(PASSWORDS) scripts/wait-for-db $(DB_NAME) $(DB_USER) $(HEALTH_TIMEOUT)

build: ## Build the backend image $(BACK_IMAGE) from back/
	@$(RUN) 'cd back && $(DOCKER) build -t $(BACK_IMAGE) .'

back-broken: network ## The first try: $(BACK_NAME) without MYSQL_HOST
	@$(RUN) --port-var BACK_PORT --replace $(BACK_NAME) '$(DOCKER) run -p $(BACK_PORT):3000 -d --name $(BACK_NAME) --rm --network $(NETWORK) $(BACK_IMAGE)'

back: network ## The fix: $(BACK_NAME) with -e MYSQL_HOST=$(DB_NAME)
	@$(RUN) --port-var BACK_PORT --replace $(BACK_NAME) '$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm --network $(NETWORK) -e MYSQL_HOST=$(DB_NAME)$(BACK_ENV) -d $(BACK_IMAGE)'

health: ## curl localhost:$(BACK_PORT)/health, while the db starts
	@$(HEALTH) '$(BACK_NAME)' $(HEALTH_TIMEOUT) 'curl localhost:$(BACK_PORT)/health'

ps: ## List the running containers
	@$(RUN) '$(DOCKER) ps'

logs: ## Show the backend's logs
	@$(RUN) '$(DOCKER) logs $(BACK_NAME)'

stop: ## Stop the backend
	@$(RUN) --if-running $(BACK_NAME) '$(DOCKER) stop $(BACK_NAME)'

##@ Part 4: the front end, served by nginx (lesson 8's commands)

.PHONY: build-front front open
build-front: ## Build the front image $(FRONT_IMAGE) from front/
	@$(RUN) 'cd front && $(DOCKER) build -t $(FRONT_IMAGE) .'

front: ## Start $(FRONT_NAME) on port $(FRONT_PORT)
	@$(RUN) --port-var FRONT_PORT --replace $(FRONT_NAME) '$(DOCKER) run -p $(FRONT_PORT):8080 --name $(FRONT_NAME) --rm -e BASE_URL=$(BASE_URL)$(FRONT_ENV) -d $(FRONT_IMAGE)'

open: ## Print the app's address, and open it in a browser
	@scripts/open-page http://localhost:$(FRONT_PORT) '$(BASE_URL)/health'

##@ The whole stack

.PHONY: ports up down clean lesson
ports: ## Check that the ports make up publishes are free
	@PROJECT=$(PROJECT) LESSON_PROJECT=$(LESSON_PROJECT) scripts/check-ports 'make up$(if $(APP_PREFIX), PROJECT=$(PROJECT))' '$(DB_NAME) DB_PORT $(DB_PORT)' '$(BACK_NAME) BACK_PORT $(BACK_PORT)' '$(FRONT_NAME) FRONT_PORT $(FRONT_PORT)'

up: ports network db build build-front wait-db back front health ## Run the app, until /health is 200
	@echo "The app is up: http://localhost:$(FRONT_PORT)  (API: $(BASE_URL)/health)"

down: ## Stop this project's containers, remove its networks
	@$(RUN) --if-running $(FRONT_NAME) '$(DOCKER) stop $(FRONT_NAME)'
	@$(RUN) --if-running $(BACK_NAME) '$(DOCKER) stop $(BACK_NAME)'
	@$(RUN) --if-running $(DB_NAME) '$(DOCKER) stop $(DB_NAME)'
	$(MORE_DOWN)
ifeq ($(PROJECT),$(LESSON_PROJECT))
	@$(RUN) --if-running one '$(DOCKER) kill one'
	@$(RUN) --if-running two '$(DOCKER) kill two'
	@$(RUN) --if-network $(DEMO_NETWORK) '$(DOCKER) network rm $(DEMO_NETWORK)'
endif
	@$(RUN) --if-network $(NETWORK) '$(DOCKER) network rm $(NETWORK)'

clean: down ## down, then remove this project's images
	@for image in $(BACK_IMAGE) $(FRONT_IMAGE); do \
	  if $(DOCKER) image inspect $$image >/dev/null 2>&1; then $(RUN) "$(DOCKER) rmi $$image"; fi; done

lesson: ## Walk lesson 5, checking each step (make lesson 6: 6)
	@PROJECT=$(PROJECT) scripts/walk-lesson $(LESSON)

# ---- The rest, a file per concern (each optional: a copy without mk/ runs the lesson) ----
-include mk/project.mk mk/images.mk mk/engine.mk mk/machine.mk
-include mk/compose.mk mk/dev.mk mk/swarm.mk mk/split.mk mk/k8s.mk mk/cluster.mk mk/backup.mk mk/tests.mk mk/course.mk

.PHONY: help names
# Descriptions say $(NAME): help prints this project's value in its place.
NAMES := PROJECT NETWORK DB_NAME BACK_NAME BACK_IMAGE BACK_PORT FRONT_NAME FRONT_IMAGE FRONT_PORT BASE_URL
help: ## List the targets
	@awk 'BEGIN {FS = ":+.*## "} {sub(/\r$$/, "")} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST) \
	  | sed $(foreach name,$(NAMES) $(MORE_NAMES),-e 's|$$($(name))|$($(name))|g')

names: ## Print the names this project uses (from PROJECT)
	@$(foreach name,$(NAMES) $(MORE_NAMES) DB_PORT DB_IMAGE,printf '%s=%s\n' $(name) '$($(name))';)
