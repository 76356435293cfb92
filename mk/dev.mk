##@ Development loop: edit, save, see it

# The development loop (mk/dev.mk). `make dev` runs the stack of `make up` (same images,
# names, network and ports) with the code read from this folder: back/ and front/public/
# are bind-mounted read-only over what the images copied, and gunicorn's --reload (through
# GUNICORN_CMD_ARGS, which gunicorn reads) restarts its workers when a .py file changes.
# nginx reads the page from disk on every request. `make up` afterwards puts the built
# images back (make back and make front replace what runs under their names).
# The mounts are written as the database's init.sql mount is (mk/machine.mk).
comma := ,
DEV_MOUNT_OPTIONS := ro$(if $(RELABEL),$(comma)$(RELABEL))
ifneq ($(MOUNT_NOTES),)
  back-dev front-dev: mount-notes
endif
front-dev: not-beside-compose-or-swarm

.PHONY: dev back-dev front-dev compose-watch
dev: network db build build-front wait-db back-dev front-dev health ## Run the stack with the code mounted from here
	@echo "The app is up in development mode: http://localhost:$(FRONT_PORT)  (API: $(BASE_URL)/health)"
	@echo "Edit back/api/*.py: gunicorn reloads (make logs shows it). Edit front/public/: reload the page. make up returns to the built images."

back-dev: network ## $(BACK_NAME) with back/ mounted, gunicorn --reload
	@$(RUN) --port-var BACK_PORT --replace $(BACK_NAME) 'cd back && $(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm --network $(NETWORK) -e MYSQL_HOST=$(DB_NAME)$(BACK_ENV) -e GUNICORN_CMD_ARGS=--reload -v $(SHELL_PWD):/app:$(DEV_MOUNT_OPTIONS) -d $(BACK_IMAGE)'

front-dev: ## $(FRONT_NAME) serving front/public/ from here
	@$(RUN) --port-var FRONT_PORT --replace $(FRONT_NAME) 'cd front && $(DOCKER) run -p $(FRONT_PORT):8080 --name $(FRONT_NAME) --rm -e BASE_URL=$(BASE_URL)$(FRONT_ENV) -v $(SHELL_PWD)/public:/usr/share/nginx/html:$(DEV_MOUNT_OPTIONS) -d $(FRONT_IMAGE)'

# `docker compose watch` (Compose v2.22+) with the rules of compose.watch.yaml, in a file
# of its own so that plain `docker compose up` and docker-compose 1.29 never read them.
# It stays in the foreground; Ctrl+C ends the watch, and `make compose-down` the stack.
COMPOSE_WATCH = $(COMPOSE_ENV) $(DOCKER) compose -p $(PROJECT) -f compose.yaml -f compose.watch.yaml watch

compose-watch: $(if $(LESSON_PASSWORDS),,secrets) ## Compose, rebuilding on each save (Compose v2.22+)
ifeq ($(ENGINE),podman)
	@echo "make: watch needs Docker Compose v2.22 or newer (podman-compose has no watch): on Podman, make dev is the loop" >&2; exit 1
endif
	@version=$$($(DOCKER) compose version --short 2>/dev/null); case $${version#v} in \
	  '' | 1.* | 2.[0-9].* | 2.1[0-9].* | 2.2[01].*) echo "make: watch needs Compose v2.22 or newer ($${version:-only docker-compose 1.x here}): update Docker, or use make dev" >&2; exit 1 ;; esac
	@$(NOT_BESIDE_RUN_STACK) $(NETWORK)
	@$(RUN) '$(COMPOSE_WATCH)'
