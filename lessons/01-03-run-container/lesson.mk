##@ Lesson 3: a first container (lessons/01-03-run-container)

# The course's Node container (node -e "console.log(...)") is Python's here: the image the
# backend builds on, with python -c. Its hello.txt is written in this lesson's folder.
LESSON_3     := lessons/01-03-run-container
HELLO_NAME   ?= World
hello-world hello-file shell-in-app python-version hello-name db-alone db-with-rm db-with-init: | pull-lesson-3
.PHONY: hello-world hello-file shell-in-app python-version hello-name db-alone db-stop db-rm db-with-rm db-with-init
hello-world: ## docker run hello-world
	@$(RUN) '$(DOCKER) run hello-world'

hello-file: ## alpine reads hello.txt through -v $(pwd):/app
	@$(RUN) 'cd $(LESSON_3) && echo "Hello from the container" > hello.txt'
	@$(RUN) 'cd $(LESSON_3) && $(DOCKER) run -v $(SHELL_PWD):/app$(MOUNT_OPTIONS) $(ALPINE_IMAGE) cat /app/hello.txt'

shell-in-app: ## A shell in alpine, with this folder in /app
	@$(RUN) --tty 'cd $(LESSON_3) && $(DOCKER) run -it -v $(SHELL_PWD):/app$(MOUNT_OPTIONS) $(ALPINE_IMAGE) /bin/sh'

python-version: ## Python's version, in the image the backend builds on
	@$(RUN) '$(DOCKER) run $(PYTHON_IMAGE) python -c "import platform; print(platform.python_version())"'

hello-name: ## Hello World, from -e NAME=World (HELLO_NAME=Joel)
	@$(RUN) "$(DOCKER) run -e NAME=$(HELLO_NAME) $(PYTHON_IMAGE) python -c \"import os; print('Hello ' + os.environ['NAME'])\""

db-alone: ## MySQL alone: no --rm, no init.sql, no network
	@$(RUN) --port-var DB_PORT '$(DOCKER) run -p $(DB_PORT):3306 -d --name $(DB_NAME) -e MYSQL_USER=$(DB_USER) -e MYSQL_PASSWORD$(DB_PASSWORD_ARG) -e MYSQL_ROOT_PASSWORD$(ROOT_PASSWORD_ARG) $(DB_IMAGE)'

db-stop: ## docker stop $(DB_NAME)
	@$(RUN) --if-running $(DB_NAME) '$(DOCKER) stop $(DB_NAME)'

db-rm: ## docker rm $(DB_NAME): a stopped one keeps its name
	@$(RUN) '$(DOCKER) rm $(DB_NAME)'

db-with-rm: ## MySQL with --rm: gone once stopped
	@$(RUN) --port-var DB_PORT '$(DOCKER) run -p $(DB_PORT):3306 -d --name $(DB_NAME) -e MYSQL_USER=$(DB_USER) -e MYSQL_PASSWORD$(DB_PASSWORD_ARG) -e MYSQL_ROOT_PASSWORD$(ROOT_PASSWORD_ARG) --rm $(DB_IMAGE)'

db-with-init: ## MySQL with db/init.sql, on no network yet
	@$(RUN) --port-var DB_PORT 'cd db && $(DOCKER) run -p $(DB_PORT):3306 -d --name $(DB_NAME) -e MYSQL_USER=$(DB_USER) -e MYSQL_PASSWORD$(DB_PASSWORD_ARG) -e MYSQL_ROOT_PASSWORD$(ROOT_PASSWORD_ARG) --rm -v $(SHELL_PWD)/init.sql:/docker-entrypoint-initdb.d/init.sql$(MOUNT_OPTIONS) $(DB_IMAGE)'

# The images of this lesson (mk/images.mk pulls them, or builds stand-ins), make
# pull-images' too.
pull-images: pull-lesson-3
pull-lesson-3:
	@$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) hello-world $(ALPINE_IMAGE) $(PYTHON_IMAGE) $(DB_IMAGE),:)
