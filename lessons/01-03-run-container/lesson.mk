##@ Lesson 3: a first container (lessons/01-03-run-container)

# The course's Node container (node -e "console.log(...)") is Python's here: the image the
# backend builds on, with python -c. Its hello.txt is written in this lesson's folder.
# Each step first makes sure of its image (mk/images.mk: pulled, or a stand-in where no
# registry answers; standins/pull-or-build says which, before the step).
LESSON_3     := lessons/01-03-run-container
HELLO_NAME   ?= World
# The named volume that keeps the database's files (make db-with-volume).
DB_VOLUME    ?= $(DB_NAME)-data
MORE_NAMES   += DB_VOLUME
hello-world: pull-hello-world
hello-file shell-in-app: pull-alpine
python-version hello-name: pull-python
db-alone db-with-rm db-with-init db-with-volume: pull-db
.PHONY: hello-world hello-file shell-in-app python-version hello-name db-alone db-stop db-rm db-with-rm db-with-init db-with-volume pull-hello-world
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

# Not in the course (its Part 2 keeps the data on a volume): the files of the database in
# a named volume, which outlives the container; init.sql runs only while it is empty.
db-with-volume: ## MySQL with init.sql, its data in volume $(DB_VOLUME)
	@$(RUN) --port-var DB_PORT 'cd db && $(DOCKER) run -p $(DB_PORT):3306 -d --name $(DB_NAME) -e MYSQL_USER=$(DB_USER) -e MYSQL_PASSWORD$(DB_PASSWORD_ARG) -e MYSQL_ROOT_PASSWORD$(ROOT_PASSWORD_ARG) --rm -v $(SHELL_PWD)/init.sql:/docker-entrypoint-initdb.d/init.sql$(MOUNT_OPTIONS) -v $(DB_VOLUME):/var/lib/mysql $(DB_IMAGE)'

pull-images: pull-hello-world
pull-hello-world:
	@$(if $(PULL_OR_BUILD),$(PULL_OR_BUILD) hello-world,:)
