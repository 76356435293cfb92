"""Keep or replace, on the real engines: make back (and alpine, front) keeps a container
that runs as its command would start it, whatever form the command's flags take, and
replaces one that runs otherwise; make db keeps the database and says what differs.
The offline side (the probe's words for every form, both sides from recorded answers) is
tests/test_keep_or_replace_offline.py.

Each runs on Docker, then on Podman (the `engine` fixture).
"""

import pytest
from copies import learner_copy

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def clean_slate(engine):
    engine.make("down")
    yield
    engine.make("down")


def container_id(engine, name):
    return engine.cli("container", "inspect", "-f", "{{.Id}}", name).stdout.strip()


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
