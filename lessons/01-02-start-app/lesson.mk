##@ Lesson 2: the app on your machine (lessons/01-02-start-app)

# The course starts its Node app with npm; this app is Python: the backend runs from a
# virtualenv with gunicorn, the page from Python's own web server (README.md here).
.PHONY: back-on-host front-on-host curl-health
back-on-host: ## The backend on this machine: venv, pip, gunicorn
	@$(RUN) 'cd back && python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && .venv/bin/gunicorn -c gunicorn.conf.py "api:create_app()"'

front-on-host: ## The page on this machine, on port 8080
	@$(RUN) 'cd front/public && python3 -m http.server 8080'

curl-health: ## curl localhost:$(BACK_PORT)/health, once, as it answers
	@$(RUN) 'curl localhost:$(BACK_PORT)/health'
