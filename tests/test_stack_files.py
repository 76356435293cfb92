"""compose.yaml and swarm/stack.yaml as their engines read them, offline: a tier starts only
once the one it needs is healthy, every health check probes what it says (the images'
HEALTHCHECKs included, the backend's run against the real app), and Swarm's edge passes
each port it publishes on to the tier behind it. The stacks on a real engine:
tests/e2e/test_compose.py and tests/e2e/test_swarm.py."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from kit import REPO, free_port, serving

from api import create_app
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
        up = subprocess.run(
            command, env={**os.environ, "PORT": str(port)}, capture_output=True, timeout=30
        )
    assert up.returncode == 0, up.stderr
    down = subprocess.run(
        command, env={**os.environ, "PORT": str(free_port())}, capture_output=True, timeout=30
    )
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
