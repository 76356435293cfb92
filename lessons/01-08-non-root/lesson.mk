##@ Lesson 8: non-root images (lessons/01-08-non-root)

# Both images run as non-root users already (back: uid 10001; front: nginx, uid 101, on
# 8080): the lesson's Dockerfile changes are made, and README.md here says where. Its
# commands are targets of lessons 3, 5 and 7: make build-front, make build, make db-stop,
# make db, make front-stop, make front BACK_PORT=3001, make stop, make back BACK_PORT=3001
# (the port passed again, as the course types it); whoami in each container shows the user.
.PHONY: back-whoami
back-whoami: ## whoami in $(BACK_NAME), without a terminal
	@$(RUN) '$(DOCKER) exec $(BACK_NAME) whoami'
