# The engine (mk/engine.mk): Docker, or Podman, which the course offers on Linux
# (`alias docker=podman`, which make does not see). DOCKER=podman runs every target on
# Podman. The README's "On Podman" has the why.
ifeq ($(origin DOCKER)$(shell command -v docker),file)
  ifneq ($(shell command -v podman),)
    $(error docker is not installed, podman is: run make DOCKER=podman, or export DOCKER=podman once in this shell)
  endif
endif
# What DOCKER really runs (podman-docker's `docker` is Podman too); the scripts take it.
ENGINE_VERSION := $(shell $(DOCKER) --version 2>/dev/null)
ENGINE := $(if $(findstring podman,$(ENGINE_VERSION)),podman,docker)
export ENGINE

ifeq ($(ENGINE),podman)
  # Podman, unlike Docker, drops NET_RAW, and busybox's ping opens a raw socket: without
  # it, `ping two` says "permission denied (are you root?)".
  ALPINE_FLAGS := --cap-add=NET_RAW
  alpine alpine-network: net-raw-note
endif
net-raw-note:
	@echo '# --cap-add=NET_RAW: ping needs the NET_RAW capability (busybox opens a raw socket), which Podman drops by default and Docker keeps'

# Podman lists a network's containers in `network inspect` from version 5 on only.
ifneq ($(and $(filter podman,$(ENGINE)),$(filter 1.% 2.% 3.% 4.%,$(lastword $(ENGINE_VERSION)))),)
inspect::
	@echo '# Podman 4 lists no containers in network inspect: $(DOCKER) ps --filter network=$(DEMO_NETWORK) shows them'
	@$(RUN) '$(DOCKER) ps --filter network=$(DEMO_NETWORK)'
endif
