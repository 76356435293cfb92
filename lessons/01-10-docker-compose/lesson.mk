##@ Lesson 10: Docker Compose (lessons/01-10-docker-compose)

# The lesson's own docker-compose.yaml (in its folder), running the images lesson 9 pushed
# to REGISTRY. Docker's Compose v2 where it is installed, else docker-compose 1.29; on
# Podman, podman-compose. The repository's compose.yaml is the other way (README.md here
# compares the two).
LESSON_10      := lessons/01-10-docker-compose
LESSON_COMPOSE  = $(if $(filter podman,$(ENGINE)),podman-compose,$(COMPOSE))
# The database image make db would choose (mysql:8.4 on an ARM engine, mk/machine.mk),
# passed where it is not the file's default, mysql:5.7.
LESSON_10_DB    = $(if $(filter-out mysql:5.7,$(DB_IMAGE)),DB_IMAGE=$(DB_IMAGE) )
ifeq ($(origin DB_IMAGE),file)
  lesson10-up: arm-note
endif
.PHONY: lesson10-up lesson10-down
lesson10-up: ## docker-compose up -d, with the lesson's file
	@$(if $(REGISTRY),:,echo "make: say where lesson 9 pushed the images: REGISTRY=yourname or REGISTRY=host/path" >&2; exit 1)
	@$(NOT_BESIDE_RUN_STACK) $(NETWORK)
	@echo '# $(LESSON_10)/docker-compose.yaml, the only Compose file of its folder: docker compose (v2) and docker-compose (1.29) both run it. At the root, beside compose.yaml, v2 would run compose.yaml (README.md here)'
	@$(RUN) 'cd $(LESSON_10) && $(LESSON_10_DB)$(LESSON_COMPOSE) up -d'

# down pulls nothing, but Compose reads the whole file first, images included: a name
# for REGISTRY where none is given, so that down works in any later shell.
lesson10-down: export REGISTRY := $(or $(REGISTRY),lesson9-registry)
lesson10-down: ## docker-compose down, with the lesson's file
	@$(RUN) 'cd $(LESSON_10) && $(LESSON_COMPOSE) down'
