##@ Lesson 6: the front end in a container (lessons/01-06-containerize-front)

# The lesson builds the front (make build-front) and runs it on port 8888, nginx's 80
# inside; then the database and the backend of lesson 5 (make db, make back), and the
# backend moved to 3001 (make back BACK_PORT=3001), which the page does not call yet.
.PHONY: front-on-8888
front-on-8888: ## $(FRONT_NAME) on port 8888 (port 80 inside)
	@$(RUN) --replace $(FRONT_NAME) '$(DOCKER) run -d --rm --name $(FRONT_NAME) -p 8888:80 $(FRONT_IMAGE)'
