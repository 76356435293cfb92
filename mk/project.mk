# The project's name (mk/project.mk): PROJECT, in .env, names every part of the stack.
#
# It names images, a Compose project and a Kubernetes namespace: all three must accept it.
NAME_PATTERN := [a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?
ifneq ($(shell printf '%s' '$(PROJECT)' | grep -Ex '$(NAME_PATTERN)'),$(PROJECT))
  $(error PROJECT=$(PROJECT): use lowercase letters, digits and dashes (up to 40), e.g. make PROJECT=photoshare)
endif

# make rename NAME=photoshare: the copy's own name, on the lines that carry it (.env for
# make and Compose; for kubectl, which reads no .env, k8s/base/kustomization.yaml's
# namespace and namePrefix). Containers already running keep the names they were started
# with: where this folder's stack runs, the last line says how to stop it by its old name.
.PHONY: rename
rename: ## Rename the project: make rename NAME=photoshare
	@[ -n "$(NAME)" ] || { echo "make: say the new name: make rename NAME=photoshare" >&2; exit 1; }
	@printf '%s' '$(NAME)' | grep -Eqx '$(NAME_PATTERN)' || \
	  { echo "make: NAME=$(NAME): use lowercase letters, digits and dashes (up to 40), e.g. NAME=photo-share" >&2; exit 1; }
	@sed 's/^PROJECT=.*/PROJECT=$(NAME)/' .env >.env.new && mv .env.new .env
	@if [ -f k8s/base/kustomization.yaml ]; then \
	  sed -e 's/^namespace: .*/namespace: $(NAME)/' -e 's/^namePrefix: .*/namePrefix: $(NAME)-/' \
	    k8s/base/kustomization.yaml >k8s/base/kustomization.yaml.new && \
	  mv k8s/base/kustomization.yaml.new k8s/base/kustomization.yaml; fi
	@echo "This project is now $(NAME): .env$(if $(wildcard k8s/base/kustomization.yaml), and k8s/base/kustomization.yaml) say so; make names lists its names."
	@source=$$($(DOCKER) container inspect -f '{{range .Mounts}}{{if eq .Destination "/docker-entrypoint-initdb.d/init.sql"}}{{.Source}}{{end}}{{end}}' $(DB_NAME) 2>/dev/null); \
	  if [ "$$source" = "$(CURDIR)/db/init.sql" ]; then echo "notice: this folder's stack still runs as $(PROJECT): make down PROJECT=$(PROJECT) stops it"; fi
