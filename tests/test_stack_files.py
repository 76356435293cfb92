"""compose.yaml and swarm/stack.yaml as their engines read them, offline: start order by
health, every health check probing what it says (the backend's against the real app), Swarm's
edge passing each published port to its tier, the split's files laid over them. On a real
engine: tests/e2e/test_compose.py and tests/e2e/test_swarm.py."""

import json
import os
import re
import sys
from pathlib import Path

import pytest
import yaml
from kit import REPO, free_port, make, run, serving

from api import create_app, create_captioner
from api.config import Config

FRONT_TEMPLATE = REPO / "front" / "templates" / "default.conf.template"


def stack(path):
    return yaml.safe_load((REPO / path).read_text(encoding="utf-8"))


def dockerfile_healthcheck(path):
    """The command of a Dockerfile's last HEALTHCHECK, as the engine runs it (exec form:
    the JSON array; shell form: /bin/sh -c); None without one, or with HEALTHCHECK NONE."""
    text = re.sub(r"\\\n", " ", (REPO / path).read_text(encoding="utf-8"))
    found = re.findall(r"^HEALTHCHECK\s+(.*)$", text, re.M)
    if not found or found[-1].strip() == "NONE":
        return None
    command = re.search(r"\bCMD\s+(.*)$", found[-1])[1].strip()
    return json.loads(command) if command.startswith("[") else ["/bin/sh", "-c", command]


def image_name(image):
    """An image as written in a stack file, its ${PROJECT...} as PROJECT (the files word
    their error messages differently)."""
    return re.sub(r"\$\{PROJECT[^}]*\}", "PROJECT", image)


def built_from():
    """{image as compose.yaml names it: the folder it is built from}; swarm/stack.yaml runs
    the same images (make swarm-up builds them from the same folders)."""
    services = stack("compose.yaml")["services"].values()
    return {image_name(s["image"]): s["build"] for s in services if "build" in s}


def health_check(services, name):
    """The test the container of service `name` runs: its healthcheck's own test, else its
    image's HEALTHCHECK; None when it has none, or it is disabled."""
    check = services[name].get("healthcheck") or {}
    if check.get("disable") or check.get("test") in (["NONE"], "NONE"):
        return None
    if "test" in check:
        return check["test"]
    folder = built_from().get(image_name(services[name]["image"]))
    return dockerfile_healthcheck(Path(folder) / "Dockerfile") if folder else None


@pytest.mark.parametrize(("tier", "needs"), [("back", "db"), ("front", "back")])
def test_compose_starts_a_tier_once_the_one_it_needs_is_healthy(tier, needs):
    """The database's health check is a real query, which passes only once init.sql has run:
    it orders the start only where depends_on waits for it (service_started does not)."""
    services = stack("compose.yaml")["services"]
    assert services[tier]["depends_on"][needs] == {"condition": "service_healthy"}
    assert health_check(services, needs), f"{needs} has no health check: {tier} would never start"


def test_swarm_keeps_the_health_checks_of_compose():
    """Swarm replaces a task whose check fails, and `make swarm-update` (order: start-first)
    stops an old replica only once the new one is healthy: the same check as in Compose."""
    compose, swarm = stack("compose.yaml")["services"], stack("swarm/stack.yaml")["services"]
    for name in ("db", "back", "front"):
        check = health_check(swarm, name)
        assert check, f"swarm/stack.yaml: {name} has no health check"
        assert check == health_check(compose, name), name
    assert swarm["back"]["deploy"]["update_config"]["order"] == "start-first"


def test_the_backends_health_check_passes_with_the_database_down():
    """back/Dockerfile's HEALTHCHECK, run against the real app: liveness, not the database's
    health (an outage must not get the backend replaced), on the port the app serves (PORT,
    which the image sets). With nothing on that port, it fails."""
    command = dockerfile_healthcheck("back/Dockerfile")
    app = create_app(Config(mysql_host="127.0.0.1", mysql_port=free_port()))
    with serving(app) as port:
        with app.test_client() as client:
            assert client.get("/health").status_code == 503  # the database is down indeed
        up = run(*command, env={**os.environ, "PORT": str(port)}, timeout=30)
    assert up.returncode == 0, up.stderr
    down = run(*command, env={**os.environ, "PORT": str(free_port())}, timeout=30)
    assert down.returncode != 0


def test_the_fronts_health_check_asks_nginx_where_it_listens():
    """front/Dockerfile's HEALTHCHECK asks a location the page's nginx answers by itself, on
    the port it listens on (the image runs as a non-root user: not 80)."""
    [command] = [c for c in dockerfile_healthcheck("front/Dockerfile") if "://" in c]
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\S*)", command)
    assert url, command
    template = FRONT_TEMPLATE.read_text(encoding="utf-8")
    assert re.findall(r"^\s*listen\s+(\d+)\s*;", template, re.M) == [url[1]]
    location = re.search(rf"location\s+=\s+{re.escape(url[2])}\s*\{{([^}}]*)\}}", template)
    assert location, f"nginx has no location = {url[2]}"
    assert re.search(r"^\s*return\s+200\b", location[1], re.M), location[1]


def edge_servers():
    """{port the edge listens on: (service, port) it passes requests to} (swarm/edge.conf)."""
    servers = {}
    conf = (REPO / "swarm" / "edge.conf").read_text(encoding="utf-8")
    for server in re.split(r"^\s*server\s*\{", conf, flags=re.M)[1:]:
        listen = re.search(r"^\s*listen\s+(\d+)\s*;", server, re.M)
        upstream = re.search(r"http://tasks\.([\w-]+):(\d+)\s*;", server)
        assert listen and upstream, server
        servers[int(listen[1])] = (upstream[1], int(upstream[2]))
    return servers


def test_swarms_edge_passes_each_published_port_to_its_tier():
    """The edge is published on BACK_PORT and FRONT_PORT (the Makefile's, 3000 and 8080 by
    default): each lands on an edge server that passes it to the right tier, on the port that
    tier serves."""
    services = stack("swarm/stack.yaml")["services"]
    servers = edge_servers()
    template = FRONT_TEMPLATE.read_text(encoding="utf-8")
    served = {
        "back": Config.from_env({}).port,
        "front": int(re.search(r"^\s*listen\s+(\d+)\s*;", template, re.M)[1]),
    }
    published = {
        re.fullmatch(r"\$\{(\w+):-\d+\}", str(p["published"]))[1]: p["target"]
        for p in services["edge"]["ports"]
    }
    assert published.keys() == {"BACK_PORT", "FRONT_PORT"}
    assert set(published.values()) == set(servers), "a published port no edge server listens on"
    for variable, tier in (("BACK_PORT", "back"), ("FRONT_PORT", "front")):
        assert tier in services
        assert servers[published[variable]] == (tier, served[tier]), variable


def interpolated(path, **env):
    """A stack file as Compose (or `docker stack deploy`) reads it with the environment env:
    ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message} filled in, $$ left as $."""

    def value(match):
        name, op, word = match["name"], match["op"], match["word"]
        if name is None:
            return "$"
        if op in (":-", ":?"):
            return env.get(name) or ("" if op == ":?" else word)
        if op == "-":
            return env.get(name, word)
        return env.get(name, "")

    pattern = r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|:\?|-)(?P<word>[^}]*))?\}"
    text = re.sub(pattern, value, (REPO / path).read_text(encoding="utf-8"))
    return yaml.safe_load(text)


CHOSEN = {"PROJECT": "photoshare", "BACK_PORT": "3001", "FRONT_PORT": "8081"}
SPLITS = {"compose.yaml": "compose.split.yaml", "swarm/stack.yaml": "swarm/split.yaml"}


@pytest.mark.parametrize("path", ["compose.yaml", "swarm/stack.yaml"])
def test_every_secret_file_a_service_reads_is_one_it_is_given(path):
    """A *_FILE under /run/secrets/ that the service was not given: the backend cannot read
    its password (MYSQL_PASSWORD_FILE), the database never starts."""
    services = interpolated(path, **CHOSEN)["services"]
    read = 0
    for name, service in services.items():
        for variable, value in (service.get("environment") or {}).items():
            if variable.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in service.get("secrets", []), (
                    f"{path}: {name} reads {value}, a secret it is not given"
                )
                read += 1
    assert read == 3  # db: the app's and root's passwords; back: the app's


def published(service):
    """{container port: host port} of a service's published ports, in either syntax."""
    ports = {}
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports[int(port["target"])] = int(port["published"])
        else:
            host, container = str(port).rsplit(":", 1)
            ports[int(container)] = int(host.rsplit(":", 1)[-1])
    return ports


@pytest.mark.parametrize("path", ["compose.yaml", "swarm/stack.yaml"])
def test_the_page_calls_the_api_where_it_is_published_and_the_api_lets_it(path):
    """Ports chosen as the README shows (make compose-up BACK_PORT=3001 FRONT_PORT=8081): the
    browser calls the API at BASE_URL, the host's address of the published API (never a
    container's name: the browser is not on the stack's network), and the API's CORS_ORIGINS
    is the page's published address; the backend finds the database by its alias."""
    services = interpolated(path, **CHOSEN)["services"]
    entry = services["edge"] if "edge" in services else None
    back_port = published(entry or services["back"])[3000]
    front_port = published(entry or services["front"])[8080]
    assert (back_port, front_port) == (3001, 8081)
    assert services["front"]["environment"]["BASE_URL"] == f"http://localhost:{back_port}"
    origins = services["back"]["environment"]["CORS_ORIGINS"].split(",")
    assert f"http://localhost:{front_port}" in origins
    aliases = services["db"]["networks"]["default"]["aliases"]
    assert aliases == ["photoshare-db"]
    assert services["back"]["environment"]["MYSQL_HOST"] == "photoshare-db"


def test_the_database_runs_this_repositorys_init_sql():
    """The mysql image runs /docker-entrypoint-initdb.d/init.sql once, on an empty data
    directory: Compose mounts db/init.sql there (read-only; z relabels it where SELinux
    enforces), Swarm gives it as a config (paths relative to the stack file)."""
    target = "/docker-entrypoint-initdb.d/init.sql"
    compose = stack("compose.yaml")["services"]["db"]
    mounts = [v.split(":") for v in compose["volumes"] if v.split(":")[1] == target]
    [(source, _, options)] = mounts
    assert (REPO / source).resolve() == REPO / "db" / "init.sql"
    assert set(options.split(",")) == {"ro", "z"}
    swarm = stack("swarm/stack.yaml")
    [config] = [c for c in swarm["services"]["db"]["configs"] if c["target"] == target]
    file = swarm["configs"][config["source"]]["file"]
    assert (REPO / "swarm" / file).resolve() == REPO / "db" / "init.sql"


def seconds(duration):
    return float(re.fullmatch(r"(\d+(?:\.\d+)?)s", duration)[1])


def test_swarm_lets_a_stopping_backend_finish_and_only_its_edge_reach_out():
    """A replica told to stop (an update, a scale-down) answers what it has begun within
    gunicorn's graceful_timeout: Swarm must wait longer before it kills it. Only the edge,
    whose ports are published, is on a network with a way out (docs/reliability.md)."""
    swarm = stack("swarm/stack.yaml")
    grace = "import runpy; print(runpy.run_path('gunicorn.conf.py')['graceful_timeout'])"
    gunicorn = run(sys.executable, "-c", grace, cwd=REPO / "back").stdout
    assert seconds(swarm["services"]["back"]["stop_grace_period"]) > float(gunicorn)
    assert swarm["networks"]["default"]["internal"] is True
    for name, service in swarm["services"].items():
        assert ("outside" in service.get("networks", [])) == (name == "edge"), name


def test_swarms_edge_follows_replicas_that_come_and_go_and_never_repeats_a_write():
    """The edge resolves tasks.<service> at request time, its answers kept 1 s: Swarm takes a
    stopping replica out of its DNS 2 s before it stops it. A request that meets a gone
    replica goes to the next one, a POST only when nothing of it was sent."""
    conf = (REPO / "swarm" / "edge.conf").read_text(encoding="utf-8")
    code = re.sub(r"#[^\n]*", "", conf)
    [resolver] = re.findall(r"^\s*resolver\s+([^;]*);", code, re.M)
    assert resolver.split()[0] == "127.0.0.11"  # Docker's embedded DNS
    valid = re.search(r"\bvalid=(\d+)s\b", resolver)
    assert valid and int(valid[1]) < 2, resolver
    [retry] = re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", code, re.M)
    assert "error" in retry.split() and "non_idempotent" not in retry.split()
    assert re.findall(r"^\s*proxy_pass\s+(\S+);", code, re.M) == ["$back", "$front"]


def test_the_split_files_run_the_captioner_the_backend_asks_on_the_volume_both_mount():
    """compose.split.yaml and swarm/split.yaml: the backend's image runs create_captioner()
    on the port and under the name (make names' CAPTION_NAME) of the backend's
    GIF_CAPTION_SVC; both mount one named volume at the image's IMAGE_PATH; the captioner's
    health check asks its /livez (it has no /health), and passes against the real app.
    Without the split's file, the backend draws its captions itself."""
    names = dict(line.split("=", 1) for line in make("names", "PROJECT=photoshare").stdout.split())
    image_path = re.search(r"IMAGE_PATH=(\S+)", (REPO / "back/Dockerfile").read_text())[1]
    checks = []
    for base, split in SPLITS.items():
        alone, laid = interpolated(base, **CHOSEN)["services"], interpolated(split, **CHOSEN)
        captioner, back = laid["services"]["microgifcap"], laid["services"]["back"]
        assert "GIF_CAPTION_SVC" not in alone["back"]["environment"]
        assert captioner["image"] == alone["back"]["image"]
        assert captioner["command"][-1] == "api:create_captioner()"
        host, port = back["environment"]["GIF_CAPTION_SVC"].split(":")
        assert captioner["networks"]["default"]["aliases"] == [host] == [names["CAPTION_NAME"]]
        assert captioner["environment"]["PORT"] == port == names["CAPTION_PORT"]
        assert back["volumes"] == captioner["volumes"] == [f"gifs:{image_path}"]
        assert "gifs" in laid["volumes"]
        checks.append(captioner["healthcheck"]["test"])
    assert checks[0] == checks[1] and f"127.0.0.1:{port}/livez" in checks[0][-1]
    with serving(create_captioner(Config())) as served:
        command = [*checks[0][1:-1], checks[0][-1].replace(f":{port}/", f":{served}/")]
        assert run(*command, timeout=30).returncode == 0
