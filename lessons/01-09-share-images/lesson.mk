##@ Lesson 9: share images (lessons/01-09-share-images)

# REGISTRY says where the images go, as the lesson's joellord/ does: your Docker Hub user
# (REGISTRY=yourname), or a registry and a path (REGISTRY=ghcr.io/you, 127.0.0.1:5000/you).
# VERSION is the tag of make push-version (the lesson's :1).
REGISTRY ?=
VERSION  ?= 1
# The registry's host: the first part of REGISTRY when it names one (a dot or a port in
# it, or localhost), else Docker Hub.
REGISTRY_FIRST = $(firstword $(subst /, ,$(REGISTRY)))
REGISTRY_HOST  = $(if $(findstring .,$(REGISTRY_FIRST))$(findstring :,$(REGISTRY_FIRST))$(filter localhost,$(REGISTRY_FIRST)),$(REGISTRY_FIRST),docker.io)
NEEDS_REGISTRY = $(if $(REGISTRY),,echo "make: say where the images go: REGISTRY=yourname (your Docker Hub user) or REGISTRY=host/path, e.g. make push REGISTRY=127.0.0.1:5000/you" >&2; exit 1)
.PHONY: login tag push pull push-version
login: ## docker login to REGISTRY's host (Docker Hub's by default)
	@$(RUN) '$(DOCKER) login $(REGISTRY_HOST)'

tag: ## Name both images for REGISTRY
	@$(NEEDS_REGISTRY)
	@$(RUN) '$(DOCKER) tag $(FRONT_IMAGE) $(REGISTRY)/$(FRONT_IMAGE)'
	@$(RUN) '$(DOCKER) tag $(BACK_IMAGE) $(REGISTRY)/$(BACK_IMAGE)'

push: tag ## Push both images to REGISTRY
	@$(RUN) '$(DOCKER) push $(REGISTRY)/$(FRONT_IMAGE)'
	@$(RUN) '$(DOCKER) push $(REGISTRY)/$(BACK_IMAGE)'

pull: ## Pull both images from REGISTRY
	@$(NEEDS_REGISTRY)
	@$(RUN) '$(DOCKER) pull $(REGISTRY)/$(FRONT_IMAGE)'
	@$(RUN) '$(DOCKER) pull $(REGISTRY)/$(BACK_IMAGE)'

push-version: tag ## Tag both :1 and push them (VERSION=2: :2)
	@$(RUN) '$(DOCKER) tag $(REGISTRY)/$(FRONT_IMAGE) $(REGISTRY)/$(FRONT_IMAGE):$(VERSION)'
	@$(RUN) '$(DOCKER) tag $(REGISTRY)/$(BACK_IMAGE) $(REGISTRY)/$(BACK_IMAGE):$(VERSION)'
	@$(RUN) '$(DOCKER) push $(REGISTRY)/$(FRONT_IMAGE):$(VERSION)'
	@$(RUN) '$(DOCKER) push $(REGISTRY)/$(BACK_IMAGE):$(VERSION)'
