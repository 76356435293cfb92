##@ Lesson 7: the API's address at start (lessons/01-07-env-variables)

# Here BASE_URL is read when the container starts (front/README.md): the course's sed and
# envsubst steps in the Dockerfile have nothing to do. The front is already non-root
# (lesson 8's point): whoami says nginx, not root.
.PHONY: front-stop front-port-80 front-shell front-whoami
front-stop: ## docker stop $(FRONT_NAME)
	@$(RUN) --if-running $(FRONT_NAME) '$(DOCKER) stop $(FRONT_NAME)'

front-port-80: ## $(FRONT_NAME) on $(FRONT_PORT) (80 inside), BASE_URL set
	@$(RUN) --port-var FRONT_PORT --replace $(FRONT_NAME) '$(DOCKER) run -p $(FRONT_PORT):80 --name $(FRONT_NAME) --rm -e BASE_URL=$(BASE_URL) -d $(FRONT_IMAGE)'

front-shell: ## A shell in $(FRONT_NAME) (a terminal; try whoami)
	@$(RUN) --tty '$(DOCKER) exec -it $(FRONT_NAME) /bin/bash'

front-whoami: ## whoami in $(FRONT_NAME), without a terminal
	@$(RUN) '$(DOCKER) exec $(FRONT_NAME) whoami'
