# The project's name (mk/project.mk): PROJECT, in .env, names every part of the stack.
#
# It names images, a Compose project and a Kubernetes namespace: all three must accept it.
NAME_PATTERN := [a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?
ifneq ($(shell printf '%s' '$(PROJECT)' | grep -Ex '$(NAME_PATTERN)'),$(PROJECT))
  $(error PROJECT=$(PROJECT): use lowercase letters, digits and dashes (up to 40), e.g. make PROJECT=photoshare)
endif

# make rename NAME=photoshare: the copy's own name, on the lines that carry it (.env for
# make and Compose; for kubectl, which reads no .env, k8s/base/kustomization.yaml's
# namespace and namePrefix). Refused while this project's containers run: they would
# keep the old name, with no make target left that knows them.
.PHONY: rename
rename: ## Rename the project: make rename NAME=photoshare
	@[ -n "$(NAME)" ] || { echo "make: say the new name: make rename NAME=photoshare" >&2; exit 1; }
	@printf '%s' '$(NAME)' | grep -Eqx '$(NAME_PATTERN)' || \
	  { echo "make: NAME=$(NAME): use lowercase letters, digits and dashes (up to 40), e.g. NAME=photo-share" >&2; exit 1; }
	@for name in $(DB_NAME) $(BACK_NAME) $(FRONT_NAME); do \
	  if [ "$$($(DOCKER) container inspect -f '{{.State.Running}}' $$name 2>/dev/null)" = true ]; then \
	    echo "make: $$name runs under the name $(PROJECT): stop it first (make down), then rename" >&2; exit 1; fi; done
	@sed 's/^PROJECT=.*/PROJECT=$(NAME)/' .env >.env.new && mv .env.new .env
	@if [ -f k8s/base/kustomization.yaml ]; then \
	  sed -e 's/^namespace: .*/namespace: $(NAME)/' -e 's/^namePrefix: .*/namePrefix: $(NAME)-/' \
	    k8s/base/kustomization.yaml >k8s/base/kustomization.yaml.new && \
	  mv k8s/base/kustomization.yaml.new k8s/base/kustomization.yaml; fi
	@echo "This project is now $(NAME): .env$(if $(wildcard k8s/base/kustomization.yaml), and k8s/base/kustomization.yaml) say so; make names lists its names."
