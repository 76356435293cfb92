##@ The course's lesson 02-13: the captions in a service of their own

# The split (mk/split.mk). A caption takes a CPU for about a second; lesson 02-13 moves the
# captioning into a service of its own, which the backend asks (GIF_CAPTION_SVC=host:port).
# The backend's image runs it with another command (back/README.md), on the course's port
# 4000, under the course's name (microgifcap); both keep the GIFs on one named volume at
# IMAGE_PATH. make up runs without it: the backend draws captions itself.
CAPTION_NAME ?= $(PROJECT)-microgifcap
CAPTION_PORT ?= 4000
GIFS_VOLUME  ?= $(PROJECT)-gifs
# The image's IMAGE_PATH, owned by its user: a new named volume mounted there starts so.
GIFS_PATH    := /tmp/gifs
MORE_NAMES   += CAPTION_NAME CAPTION_PORT GIFS_VOLUME

# make down stops the service too, and removes the volume: the GIFs go with the rows they
# show, which the database container takes with it (--rm).
MORE_DOWN = @if $(DOCKER) container inspect $(CAPTION_NAME) >/dev/null 2>&1; then \
	  $(RUN) --if-running $(CAPTION_NAME) '$(DOCKER) stop $(CAPTION_NAME)'; fi; \
	if $(DOCKER) volume inspect $(GIFS_VOLUME) >/dev/null 2>&1; then \
	  $(RUN) '$(DOCKER) volume rm $(GIFS_VOLUME)'; fi

.PHONY: split captioner compose-split swarm-split
# The stack of make up, its backend run with two more flags (make back, as split runs it).
split: BACK_ENV := $(BACK_ENV) -e GIF_CAPTION_SVC=$(CAPTION_NAME):$(CAPTION_PORT) -v $(GIFS_VOLUME):$(GIFS_PATH)
split: ports captioner up ## make up, the captions drawn by $(CAPTION_NAME)
	@echo "Captions are drawn by $(CAPTION_NAME) ($(DOCKER) logs $(CAPTION_NAME)); make up draws them in $(BACK_NAME) again."

captioner: network build ## Start $(CAPTION_NAME), the captioning service
	@$(RUN) --replace $(CAPTION_NAME) '$(DOCKER) run --name $(CAPTION_NAME) --rm --network $(NETWORK) -e PORT=$(CAPTION_PORT) -v $(GIFS_VOLUME):$(GIFS_PATH) -d $(BACK_IMAGE) gunicorn -c gunicorn.conf.py "api:create_captioner()"'

# The same with Compose and Swarm: a second file laid over the first (make compose-down and
# make swarm-down stop it all; the volume stays, as these tools keep volumes).
compose-split: COMPOSE_FILES = -f compose.yaml -f compose.split.yaml
compose-split: compose-up ## Compose, with the captioning service (compose.split.yaml)

swarm-split: STACK_FILES = -c swarm/stack.yaml -c swarm/split.yaml
swarm-split: swarm-up ## Swarm, with the captioning service (swarm/split.yaml)
