##@ Lesson 4: the backend in a container (lessons/01-04-containerize-back)

# The lesson builds the backend's image (make build), runs it alone, then in the
# foreground. Without the database (lesson 5 adds it) /health answers 503 with a hint,
# where the course's Node backend crashes: README.md here says why. make curl-health
# (lesson 2's) asks it once.
.PHONY: back-alone back-attached
back-alone: ## $(BACK_NAME) alone, on no network of its own
	@$(RUN) --port-var BACK_PORT --replace $(BACK_NAME) '$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) -d --rm $(BACK_IMAGE)'

back-attached: ## $(BACK_NAME) in the foreground (Ctrl+C stops it)
	@$(RUN) --port-var BACK_PORT '$(DOCKER) run -p $(BACK_PORT):3000 --name $(BACK_NAME) --rm $(BACK_IMAGE)'
