"""The README's picture of the networks says what the Makefile does."""

import re

from kit import REPO
from kit import offline_make as make  # a stub engine with nothing running, not this machine's


def names():
    """The lesson's names, as `make names` prints them (ports given: no engine asked)."""
    out = make("names", "BACK_PORT=3000", "FRONT_PORT=8080")
    found = dict(line.split("=", 1) for line in out.splitlines())
    makefile = (REPO / "Makefile").read_text()
    found["DEMO_NETWORK"] = re.search(r"^DEMO_NETWORK\s+\?= (\S+)$", makefile, re.M)[1]
    return found


def test_the_network_diagram_names_what_the_makefile_starts():
    readme = (REPO / "README.md").read_text()
    [diagram] = re.findall(r"```mermaid\n(.*?)```", readme, re.S)
    n = names()
    for expected in (
        f'subgraph alpinenet["{n["DEMO_NETWORK"]}: names resolve"]',
        f'subgraph projectnet["{n["NETWORK"]} network"]',
        f'back["{n["BACK_NAME"]} :3000"] -- "MYSQL_HOST={n["DB_NAME"]}, port 3306"',
        f'db[("{n["DB_NAME"]} :{n["DB_PORT"]}")]',
        f'front["{n["FRONT_NAME"]} :8080 (nginx, default bridge)"]',
        f'"localhost:{n["FRONT_PORT"]}: the page" --> front',
        f'"localhost:{n["BACK_PORT"]}: the API (BASE_URL)" --> back',
        f'"localhost:{n["DB_PORT"]} (-p {n["DB_PORT"]}:3306)"',
    ):
        assert expected in diagram, expected
    # front joins no network of the backend's: the Makefile's front command has no --network.
    front = make("-n", "front", "BACK_PORT=3000", "FRONT_PORT=8080")
    assert "--network" not in front.splitlines()[-1]
