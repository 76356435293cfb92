"""Keep or replace, on the real engines: make back (and alpine, front) keeps a container
that runs as its command would start it, whatever form the command's flags take, and
replaces one that runs otherwise; make db keeps the database and says what differs.
The offline side (the probe's words for every form, both sides from recorded answers) is
tests/test_keep_or_replace_offline.py.

The tests that take `engine` run on Docker, then on Podman; the other on Docker only.
"""

import json

import pytest
from copies import learner_copy
from real_engines import docker, make

pytestmark = pytest.mark.e2e

COPY = "PROJECT=photoshare"  # the README's renamed copy, run from the lesson's folder


# On Docker only: before the tests that take `engine` (conftest.py's docker_clean_slate).


@pytest.mark.usefixtures("docker_clean_slate")
def test_a_changed_db_port_says_so_and_keeps_the_database():
    assert make("db", COPY, "DB_PORT=3407").returncode == 0
    volumes = set(docker("volume", "ls", "-q").stdout.split())

    again = make("db", COPY, "DB_PORT=3406")

    assert again.returncode == 0, again.output
    assert (
        "# photoshare-db runs with another published port than this command: kept, because "
        "it holds the data (it runs with --rm: stopping it deletes what was added); to apply "
        "the change anyway: 'docker stop photoshare-db', then run this make again"
    ) in again.stdout.splitlines()
    assert "$ docker stop" not in again.stdout
    assert docker("port", "photoshare-db", "3306/tcp").stdout.split()[0].endswith(":3407")
    assert "# photoshare-db is already running" in make("db", COPY, "DB_PORT=3407").stdout
    # The comparison's probe declares the image's anonymous volume: it goes with the probe.
    assert set(docker("volume", "ls", "-q").stdout.split()) == volumes


# On Docker, then on Podman.


def container_id(engine, name):
    return engine.cli("container", "inspect", "-f", "{{.Id}}", name).stdout.strip()


@pytest.mark.usefixtures("clean_slate")
def test_recipes_edited_to_the_equals_forms_keep_the_running_containers(engine, tmp_path):
    """Every recipe's `--network NAME` edited to `--network=NAME` (a form the docker run
    reference allows): a second make back, front and alpine-network keep what runs, on the
    network. A parser that read `--network=k8scourse` as no network replaced them each time."""
    copy = learner_copy(tmp_path / "k8scourse")
    makefile = copy / "Makefile"
    text = makefile.read_text()
    assert text.count("--network $(") >= 4
    makefile.write_text(text.replace("--network $(", "--network=$("))
    env = engine.env()

    def make(*targets):
        result = engine.make(*targets, cwd=copy, env=env, timeout=600)
        assert result.returncode == 0, result.output
        return result

    make("network", "db", "build", "back", "alpine-network")
    started = {name: container_id(engine, name) for name in ("back", "one", "two")}
    assert "--network=k8scourse -e MYSQL_HOST=k8scourse-db" in make("-n", "back").stdout

    again = make("back", "alpine-network")

    assert "# back is already running" in again.stdout
    assert "# one is already running" in again.stdout
    assert "# two is already running" in again.stdout
    assert "replacing" not in again.stdout
    assert {name: container_id(engine, name) for name in started} == started
    template = "{{range $net, $_ := .NetworkSettings.Networks}}{{$net}}{{end}}"
    networks = engine.cli("container", "inspect", "-f", template, "back")
    assert networks.stdout.strip() == "k8scourse"
    engine.make("down", cwd=copy, env=env)


@pytest.mark.usefixtures("clean_slate")
@pytest.mark.parametrize(
    "differs, by_hand, args",
    [
        pytest.param(
            "published port",
            "-p 3002:3000 --network k8scourse -e MYSQL_HOST=k8scourse-db k8scourse-back",
            ["BACK_PORT=3000"],  # asked for; without it, make follows the running back's port
            id="port",
        ),
        pytest.param(
            "environment",
            "-p 3000:3000 --network k8scourse -e MYSQL_HOST=k8scourse-db "
            "-e CORS_ORIGINS=http://localhost:9999 k8scourse-back",
            [],
            id="environment",
        ),
        pytest.param(
            "image",
            "-p 3000:3000 --network k8scourse -e MYSQL_HOST=k8scourse-db k8scourse-front",
            [],
            id="image",
        ),
    ],
)
def test_make_back_replaces_a_back_that_differs_from_its_command(engine, differs, by_hand, args):
    assert engine.make("network", "build", "build-front").returncode == 0
    assert engine.cli("run", "-d", "--rm", "--name", "back", *by_hand.split()).returncode == 0

    back = engine.make("back", *args)

    assert back.returncode == 0, back.output
    assert f"# back runs with another {differs} than this command: replacing it" in back.stdout
    started = json.loads(engine.cli("inspect", "back").stdout)[0]
    assert engine.cli("port", "back", "3000/tcp").stdout.split()[0].endswith(":3000")
    assert list(started["NetworkSettings"]["Networks"]) == ["k8scourse"]
    assert "MYSQL_HOST=k8scourse-db" in started["Config"]["Env"]
    assert not any(v.startswith("CORS_ORIGINS=") for v in started["Config"]["Env"])
    image = engine.cli("image", "inspect", "-f", "{{.Id}}", "k8scourse-back").stdout.strip()
    assert started["Image"] == image
