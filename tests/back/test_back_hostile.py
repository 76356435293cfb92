"""Hostile input against the API as the image serves it (gunicorn over the real MariaDB):
whatever a client sends, the answer is the API's JSON, never a 5xx. Schema-driven fuzzing
(schemathesis: over 1,000 requests from the API's own /openapi.json, valid, invalid and its
boundaries, each answer checked against it), and generated captions, stored exactly or
refused with a reason. The hand-written cases of each rule are test_back_http.py's and
test_back_integration.py's; requests gunicorn itself refuses, test_back_gunicorn.py's."""

import json
import os
import random
import time
from collections import Counter

import pytest
import requests
from kit import in_ci

from mariadb_server import APP_PASSWORD, APP_USER
from test_back_gunicorn import run_gunicorn, stop

pytestmark = pytest.mark.integration

API = None  # the base URL of the module's gunicorn (the `api` fixture)
JSON = {"Content-Type": "application/json"}

# Fuzzing budget: examples per operation and mode, and a wall-clock bound for the whole run.
MIN_REQUESTS = 1000
FUZZ_SECONDS = 80.0
REQUEST_TIMEOUT = 5.0
EXAMPLES = {"POST /images": 600, "GET /images": 300}  # the operations that take input
EXAMPLES_BY_ID = 150  # GET and DELETE /images/{image_id}
EXAMPLES_OTHER = 10  # /livez, /health, /readyz, /openapi.json: no input at all


@pytest.fixture(scope="module", autouse=True)
def api(mariadb, tmp_path_factory):
    """gunicorn serving the API, for this module, over a database of its own on the shared
    MariaDB: what fuzzing writes and deletes touches no other test's rows."""
    global API
    with mariadb.root() as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE hostile")
        cur.execute("CREATE TABLE hostile.images LIKE images.images")
        cur.execute(f"GRANT SELECT, INSERT, DELETE ON hostile.* TO {APP_USER}@'%'")
    process, API, _, _ = run_gunicorn(
        tmp_path_factory.mktemp("hostile"), MYSQL_HOST="127.0.0.1", MYSQL_PORT=str(mariadb.port),
        MYSQL_PASSWORD=APP_PASSWORD, MYSQL_DATABASE="hostile",
    )  # fmt: skip
    yield API
    stop(process)
    with mariadb.root() as conn, conn.cursor() as cur:
        cur.execute("DROP DATABASE hostile")


def refused_by_gunicorn(status, headers):
    """gunicorn's own answer to a request it could not parse (back/README.md), before the
    app: HTML, no Date, and no Vary: Origin, which the app's CORS hook adds to every answer."""
    fields = {name.lower(): values for name, values in headers.items()}  # a list per name
    content_type = fields.get("content-type", [""])[0]
    return (
        status in (400, 414, 431)
        and content_type.startswith("text/html")
        and "date" not in fields
        and "vary" not in fields
    )


# --- schema-driven fuzzing ----------------------------------------------------------------------


class Fuzzer:
    """Sends generated cases; collects failures instead of raising, so nothing is shrunk."""

    def __init__(self, deadline):
        from schemathesis.checks import not_a_server_error
        from schemathesis.specs.openapi.checks import (
            content_type_conformance,
            negative_data_rejection,
            response_schema_conformance,
            status_code_conformance,
        )

        self.checks = [
            not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance, negative_data_rejection,
        ]  # fmt: skip
        self.deadline = deadline
        self.session = requests.Session()
        self.refused_by_gunicorn = 0
        self.per_operation, self.statuses = Counter(), Counter()
        self.failures = {}  # one example per distinct failure

    def send(self, case):
        from schemathesis.core.failures import FailureGroup

        if time.monotonic() > self.deadline:
            return  # out of time: the count assertion tells if too few were sent
        label = case.operation.label
        try:
            response = case.call(base_url=API, session=self.session, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            self._fail(label, f"no answer: {type(exc).__name__}", case, str(exc))
            return
        status = response.status_code
        self.per_operation[label] += 1
        self.statuses[status] += 1
        if refused_by_gunicorn(status, response.headers):
            # A generated query string can make the request line longer than gunicorn takes:
            # gunicorn's own answer, before the app, and not part of the API.
            self.refused_by_gunicorn += 1
            return
        # Every error is documented as the Error object (JSON), or the missing picture: the
        # checks fail an undocumented status, content type or body.
        try:
            case.validate_response(response, checks=self.checks)
        except FailureGroup as group:
            for failure in group.exceptions:
                self._fail(label, f"{type(failure).__name__} {status}", case, str(failure))

    def _fail(self, label, kind, case, detail):
        key = (label, kind)
        if key not in self.failures:
            self.failures[key] = f"{label}: {kind}\n{case.as_curl_command()}\n{detail[:1500]}"


# K8SCOURSE_FUZZ_SEED replays a run; CI's is fixed (a red CI run is not a roll of the dice);
# elsewhere a fresh seed each run (more inputs over time). Printed, and named in every failure.
SEED = int(os.environ.get("K8SCOURSE_FUZZ_SEED") or (20 if in_ci() else random.randrange(2**32)))
REPLAY = f"seed {SEED}: replay with K8SCOURSE_FUZZ_SEED={SEED}"


def fuzz_operation(fuzzer, operation, mode, examples, seed):
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    @fixed_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,  # the wall-clock budget and the request timeout bound the run instead
        database=None,  # nothing written to the tree; the printed seed replays a run
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
        derandomize=False,
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        fuzzer.send(case)

    run()


def test_schema_driven_fuzzing_finds_no_5xx_and_only_json_errors():
    import schemathesis
    from schemathesis import GenerationMode

    print(f"schemathesis {schemathesis.__version__}, {REPLAY}")
    schema = schemathesis.openapi.from_url(f"{API}/openapi.json", timeout=REQUEST_TIMEOUT)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert set(EXAMPLES) | {"GET /images/{image_id}", "DELETE /images/{image_id}"} <= labels

    started = time.monotonic()
    fuzzer = Fuzzer(deadline=started + FUZZ_SECONDS)
    for operation in operations:
        # Boundary cases first: the schema's own limits, just inside and just outside.
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        config = schema.config.generation_for(operation=operation, phase="coverage")
        for case in schema.iter_coverage_cases(
            operation, generation_modes=modes, generation_config=config
        ):
            fuzzer.send(case)
        # Random cases: invalid ones only where there is input to get wrong.
        parts = ("path_parameters", "query", "headers", "cookies", "body")
        takes_input = any(len(getattr(operation, part)) for part in parts)
        for mode in modes if takes_input else [GenerationMode.POSITIVE]:
            label = operation.label
            examples = EXAMPLES_BY_ID if "{image_id}" in label else EXAMPLES_OTHER
            fuzz_operation(fuzzer, operation, mode, EXAMPLES.get(label, examples), SEED)
    elapsed = time.monotonic() - started

    sent = fuzzer.statuses.total()
    print(f"{sent} requests in {elapsed:.1f} s; by operation {dict(fuzzer.per_operation)}")
    print(f"statuses {dict(sorted(fuzzer.statuses.items()))}")
    print(f"{fuzzer.refused_by_gunicorn} refused by gunicorn itself (not the app's answers)")
    assert not fuzzer.failures, "\n\n".join([REPLAY, *fuzzer.failures.values()])
    assert sent >= MIN_REQUESTS, f"only {sent} requests in {elapsed:.0f} s"


CAPTION_MESSAGES = (
    "caption must be a string of 1 to 100 characters.",
    "caption must be Unicode text: it holds an unpaired surrogate.",
)


def test_any_caption_is_stored_exactly_or_refused():
    """Property: any text, surrogates and NULs included, is either stored as sent (trimmed)
    and read back so, or refused with a 400 that says why: never lost, changed or a 5xx.
    (Which of the two, for the cases that matter: test_back_http.py's and
    test_back_integration.py's tables.)"""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fixed_seed
    from hypothesis import strategies as st

    print(REPLAY)
    # Every code point, lone surrogates too: JSON can carry them as \\uXXXX escapes.
    text = st.text(st.characters(codec=None, exclude_categories=()), max_size=120)

    @fixed_seed(SEED)
    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(caption=text | st.text(max_size=3).map(lambda c: c + "\ud800"))
    def stored_or_refused(caption):
        raw = json.dumps({"caption": caption, "filename": "any.gif"}).encode("ascii")
        answer = requests.post(f"{API}/images", data=raw, headers=JSON, timeout=10)
        # Schemathesis silences Hypothesis' printing of the failing example: name it here.
        said = f"{caption!r}: {answer.status_code} {answer.content[:200]!r} ({REPLAY})"
        assert answer.status_code in (201, 400), said
        assert answer.headers["Content-Type"] == "application/json", said
        body = answer.json()
        if answer.status_code == 400:
            assert isinstance(body["error"], str) and body["message"] in CAPTION_MESSAGES, said
        else:
            stored = requests.get(f"{API}/images/{body['id']}", timeout=10).json()["caption"]
            assert stored == caption.strip(), f"sent {caption!r}, read back {stored!r} ({REPLAY})"

    stored_or_refused()
