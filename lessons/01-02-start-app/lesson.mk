##@ Lesson 2: the app on your machine (lessons/01-02-start-app)

# The course starts its Node app with npm; this app is Python: the backend runs from a
# virtualenv with gunicorn, the page from Python's own web server (README.md here).
.PHONY: back-on-host front-on-host curl-health gif caption save gallery
back-on-host: ## The backend on this machine: venv, pip, gunicorn
	@$(RUN) 'cd back && python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && .venv/bin/gunicorn -c gunicorn.conf.py "api:create_app()"'

front-on-host: ## The page on this machine, on port 8080
	@$(RUN) 'cd front/public && python3 -m http.server 8080'

curl-health: ## curl localhost:$(BACK_PORT)/health, once, as it answers
	@$(RUN) 'curl localhost:$(BACK_PORT)/health'

# What the page does, by hand: its generator (a GIF for a keyword, a caption drawn into
# it) and its gallery (the rows of the database), each a curl of the API (back/README.md).
# The values are typed into JSON strings as they are: no quote or backslash in them.
KEYWORD ?= cat
CAPTION ?= Hello from the course
GIF     ?=
JSON_TEXT = $(if $(findstring ",$(1))$(findstring ',$(1))$(findstring \,$(1)),$(error KEYWORD, CAPTION and GIF go into JSON as typed: leave quotes and backslashes out),$(1))
NEEDS_GIF = $(if $(GIF),:,echo "make: say which GIF: GIF=<the name make gif or make caption answered>, e.g. make $@ GIF=sun.gif" >&2; exit 1)
gif: ## The generator: a GIF for KEYWORD (POST /gifs)
	@$(RUN) "curl -sS localhost:$(BACK_PORT)/gifs -H 'Content-Type: application/json' -d '{\"keyword\": \"$(call JSON_TEXT,$(KEYWORD))\"}'"

caption: ## Captionize: CAPTION drawn into GIF, a new GIF
	@$(NEEDS_GIF)
	@$(RUN) "curl -sS localhost:$(BACK_PORT)/gifs/$(call JSON_TEXT,$(GIF))/captions -H 'Content-Type: application/json' -d '{\"caption\": \"$(call JSON_TEXT,$(CAPTION))\"}'"

save: ## Save to the gallery: GIF with CAPTION (POST /images)
	@$(NEEDS_GIF)
	@$(RUN) "curl -sS localhost:$(BACK_PORT)/images -H 'Content-Type: application/json' -d '{\"caption\": \"$(call JSON_TEXT,$(CAPTION))\", \"filename\": \"$(call JSON_TEXT,$(GIF))\"}'"

gallery: ## The gallery: the saved images, newest first
	@$(RUN) 'curl -sS localhost:$(BACK_PORT)/images'
