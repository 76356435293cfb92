##@ Beyond docker run: Swarm

# Swarm (mk/swarm.mk): the three tiers as a stack of swarm/stack.yaml on a one-node swarm.
STACK           ?= $(PROJECT)
MORE_NAMES      += STACK
# Set when `docker swarm init` cannot choose an address by itself (several interfaces).
SWARM_ADVERTISE ?=
SWARM_STATE      = $(shell $(DOCKER) info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)
STACK_LEFT       = $(DOCKER) ps -aq --filter label=com.docker.stack.namespace=$(STACK); \
                   $(DOCKER) network ls -q --filter label=com.docker.stack.namespace=$(STACK)

ifeq ($(ENGINE),podman)
  ifneq ($(filter swarm-up swarm-update swarm-down,$(MAKECMDGOALS)),)
    $(error Swarm is Docker's own: Podman has no swarm mode; run the stack with make up, or on Kubernetes (k8s/))
  endif
endif

.PHONY: swarm-up swarm-update swarm-down
# Beside the docker run stack, swarm-up refuses before `swarm init`: a refused swarm-up
# leaves the node as it was.
swarm-up: $(if $(LESSON_PASSWORDS),,secrets) build build-front ## Deploy the tiers as a Swarm stack
	@$(NOT_BESIDE_RUN_STACK) ''
	@if [ "$(SWARM_STATE)" != active ]; then $(RUN) '$(DOCKER) swarm init$(if $(SWARM_ADVERTISE), --advertise-addr $(SWARM_ADVERTISE))'; fi
	@$(RUN) '$(COMPOSE_ENV) $(DOCKER) stack deploy --resolve-image never $(or $(STACK_FILES),-c swarm/stack.yaml) $(STACK)'
	@$(HEALTH) '' $(HEALTH_TIMEOUT) 'curl localhost:$(BACK_PORT)/health'
	@echo "The app is up on Swarm: http://localhost:$(FRONT_PORT)  ($(DOCKER) stack ps $(STACK))"

swarm-update: build ## Roll the backend onto the new image, no request lost
	@$(RUN) '$(DOCKER) service update --force --detach=false $(STACK)_back'

swarm-down: ## Remove the Swarm stack (the swarm stays)
	@if [ "$(SWARM_STATE)" = active ]; then $(RUN) '$(DOCKER) stack rm $(STACK)'; fi
	@for _ in $$(seq 1 60); do [ -z "$$($(STACK_LEFT))" ] && exit 0; sleep 1; done; \
	  echo "make: the stack $(STACK) is still being removed: check '$(DOCKER) stack ps $(STACK)'" >&2; exit 1
