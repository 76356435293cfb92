# Ports (mk/ports.mk): the targets follow the ports that the running backend and front
# really publish. After `make back BACK_PORT=3001`, a plain `make health` asks port 3001,
# `make front` gives the page BASE_URL=http://localhost:3001, and `make back` keeps the
# backend where it is. A port you set (BACK_PORT=..., FRONT_PORT=...) is never second-guessed.

# The host port that container $(1) publishes for its port $(2), if it runs.
published = $(shell $(DOCKER) port $(1) $(2)/tcp 2>/dev/null | sed -n '1s/.*://p')
# $(call follow,CONTAINER,PORT,VAR): the port CONTAINER publishes, said when it is not the
# default PORT; else PORT. Asked once, by the first target that uses VAR.
follow = $(foreach port,$(or $(call published,$(1),$(2)),$(2)),$(if $(filter-out $(2),$(port)),$(info notice: $(1) publishes port $(port), so $(3)=$(port) (set $(3) to choose)))$(port))
ifeq ($(origin BACK_PORT),file)
  BACK_PORT = $(eval BACK_PORT := $(call follow,$(BACK_NAME),3000,BACK_PORT))$(BACK_PORT)
endif
ifeq ($(origin FRONT_PORT),file)
  FRONT_PORT = $(eval FRONT_PORT := $(call follow,$(FRONT_NAME),8080,FRONT_PORT))$(FRONT_PORT)
endif

# The running front's page calls the API where its BASE_URL says: when make back moves the
# backend to another port, say so (make front follows the port the backend publishes).
FRONT_FOLLOWS = url=$$($(DOCKER) container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' $(FRONT_NAME) 2>/dev/null | sed -n 's/^BASE_URL=//p'); \
  if [ -n "$$url" ] && [ "$$url" != "$(BASE_URL)" ]; then \
    echo "notice: $(FRONT_NAME)'s page still calls the API at $$url: 'make front' points it at $(BASE_URL)"; fi
back: front-follows-back
front-follows-back:
	@$(FRONT_FOLLOWS)
