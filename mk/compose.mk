##@ Beyond docker run: Compose

# Compose (mk/compose.mk): the same three tiers from compose.yaml. Compose v2
# (`docker compose`) where it is installed, else Debian's docker-compose 1.29.
COMPOSE = $(shell $(DOCKER) compose version >/dev/null 2>&1 && echo "$(DOCKER) compose" || echo docker-compose)
# Compose and Swarm read the passwords from files (*_FILE). The lesson's public defaults
# are committed in db/lesson-passwords/, so `docker compose up` works on a fresh clone;
# any other password is written to .secrets/$(PROJECT)/ (never committed, never printed)
# and the stack files are pointed there with DB_SECRETS.
LESSON_PASSWORDS = $(and $(DB_PASSWORD_ARG),$(ROOT_PASSWORD_ARG))
SECRETS_DIR      = .secrets/$(PROJECT)
# Compose and Swarm start mysql:8.4 unless DB_IMAGE is set (compose.yaml, swarm/stack.yaml):
# it exists for amd64 and arm64, so a plain `docker compose up -d` runs on every machine.
STACK_DB_IMAGE = $(if $(filter command line environment,$(origin DB_IMAGE)),$(DB_IMAGE),mysql:8.4)
# REGISTRY (lesson 9's make push) runs the images pushed there, tagged VERSION, unbuilt.
COMPOSE_ENV = PROJECT=$(PROJECT) DB_IMAGE=$(STACK_DB_IMAGE) BACK_PORT=$(BACK_PORT) FRONT_PORT=$(FRONT_PORT)$(if $(LESSON_PASSWORDS),, DB_SECRETS="$(CURDIR)/$(SECRETS_DIR)")$(if $(REGISTRY), IMAGE_PREFIX=$(REGISTRY)/ IMAGE_TAG=:$(or $(VERSION),latest))
# The docker run stack and the Compose or Swarm stack of one project share names and
# ports: the targets that start the one refuse while the other is up.
NOT_BESIDE_RUN_STACK = scripts/check-stacks --no-run-stack '$(BACK_NAME) $(DB_NAME) $(FRONT_NAME)'
network ports front: not-beside-compose-or-swarm
not-beside-compose-or-swarm:
	@scripts/check-stacks --no-compose-or-swarm $(PROJECT) $(STACK)

ifeq ($(ENGINE),podman)
  ifneq ($(filter compose-up compose-down,$(MAKECMDGOALS)),)
    $(error make compose-up/compose-down drive Docker Compose: on Podman run the stack with make up, or see the README (Podman) for podman-compose)
  endif
endif

.PHONY: secrets compose-up compose-down
secrets: ## Write your DB_PASSWORD for Compose and Swarm
	@mkdir -p -m 700 .secrets $(SECRETS_DIR)
	@umask 022 && $(PASSWORDS) sh -c 'printf %s "$$MYSQL_PASSWORD" >$(SECRETS_DIR)/password && printf %s "$$MYSQL_ROOT_PASSWORD" >$(SECRETS_DIR)/root-password'

compose-up: $(if $(LESSON_PASSWORDS),,secrets) ## Run the three tiers with Compose (compose.yaml)
	@$(NOT_BESIDE_RUN_STACK) $(NETWORK)
	@$(RUN) '$(COMPOSE_ENV) $(COMPOSE) -p $(PROJECT)$(if $(COMPOSE_FILES), $(COMPOSE_FILES)) up -d $(if $(REGISTRY),--no-build,--build)'
	@$(HEALTH) '' $(HEALTH_TIMEOUT) 'curl localhost:$(BACK_PORT)/health'
	@echo "The app is up with Compose: http://localhost:$(FRONT_PORT)"

compose-down: ## Stop and remove the Compose stack (a named volume stays)
	@$(RUN) '$(COMPOSE_ENV) $(COMPOSE) -p $(PROJECT) down --remove-orphans'
