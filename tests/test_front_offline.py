"""The front image's parts, offline: nginx's configuration as nginx reads it (the template
rendered with the image's envsubst and NGINX_ENVSUBST_FILTER, each request matched to its
location, with add_header's inheritance), the start-up check of BASE_URL, listen-on-80.sh in
namespaces of its own, and the two Dockerfiles as the engine reads them. The image: tests/images."""

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from kit import REPO, run

FRONT = REPO / "front"
HEADERS_FILE = "/etc/nginx/security-headers.conf"


# ---- the Dockerfiles, as the engine reads them ------------------------------------------


def instructions(path):
    """[(INSTRUCTION, arguments)] of a Dockerfile: comment lines dropped (within a
    continuation too, as the engine drops them), continuations joined."""
    lines = (REPO / path).read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def last(path, instruction):
    found = [rest for word, rest in instructions(path) if word == instruction]
    return found[-1] if found else None


def env_of(path):
    """The ENV the image sets (NAME=VALUE forms, as the two Dockerfiles write them)."""
    env = {}
    for word, rest in instructions(path):
        if word == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def final_stage(path):
    """The instructions of a Dockerfile's last stage: the image it builds."""
    found = instructions(path)
    return found[max(i for i, (word, _) in enumerate(found) if word == "FROM") :]


def copies(path):
    """{destination: [sources]} of the COPY lines of a Dockerfile's last stage."""
    found = {}
    for word, rest in final_stage(path):
        if word == "COPY":
            *sources, destination = rest.split()
            found.setdefault(destination, []).extend(sources)
    return found


@pytest.mark.parametrize(
    ("dockerfile", "user"), [("back/Dockerfile", "10001:10001"), ("front/Dockerfile", "101")]
)
def test_each_image_runs_as_its_non_root_user(dockerfile, user):
    """The last USER is the one the container runs as: a numeric uid other than 0 (so that
    Kubernetes' runAsNonRoot can check it), the one the manifests give."""
    assert last(dockerfile, "USER") == user
    assert all(part.isdigit() and int(part) != 0 for part in user.split(":"))
    later = [word for word, _ in instructions(dockerfile)]
    assert "RUN" not in later[later.index("USER") :], "a RUN after USER runs as the user"


def test_the_backend_image_runs_gunicorn_as_pid_1_on_the_port_it_exposes():
    """Exec form: gunicorn is PID 1 and gets docker stop's SIGTERM (a shell would not pass
    it on, and docker stop would wait 10 s then kill). gunicorn.conf.py, read with the
    image's ENV, binds the port the image EXPOSEs, which every stack publishes."""
    cmd = json.loads(last("back/Dockerfile", "CMD"))
    assert cmd == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert last("back/Dockerfile", "ENTRYPOINT") is None
    assert last("back/Dockerfile", "WORKDIR") == "/app" and copies("back/Dockerfile")["."] == ["."]
    env = env_of("back/Dockerfile")
    bind = "import runpy; s = runpy.run_path('gunicorn.conf.py'); print(s['bind'])"
    env = {"PATH": "/usr/bin:/bin", **{k: v for k, v in env.items() if k != "PATH"}}
    settings = run("python3", "-c", bind, cwd=REPO / "back", env=env)
    assert settings.returncode == 0, settings.stderr
    assert (
        settings.stdout.strip() == f"0.0.0.0:{last('back/Dockerfile', 'EXPOSE')}" == "0.0.0.0:3000"
    )
    assert env["PYTHONUNBUFFERED"] == "1"  # docker logs shows each line as it is written


def test_the_front_image_starts_through_listen_on_80_then_nginxs_entrypoint():
    """ENTRYPOINT: listen-on-80.sh (copied from front/, executable), then the base image's
    /docker-entrypoint.sh, which runs /docker-entrypoint.d/*.sh (05-check-base-url.sh, copied
    there and executable) before it renders the templates into conf.d/, which the USER may
    write; CMD is the base image's. The page is what the first stage's build.sh built."""
    entrypoint = json.loads(last("front/Dockerfile", "ENTRYPOINT"))
    assert entrypoint[1:] == ["/docker-entrypoint.sh"]
    assert json.loads(last("front/Dockerfile", "CMD")) == ["nginx", "-g", "daemon off;"]
    copied = copies("front/Dockerfile")
    script = Path(entrypoint[0])
    assert "listen-on-80.sh" in copied[f"{script.parent}/"] and script.name == "listen-on-80.sh"
    assert "05-check-base-url.sh" in copied["/docker-entrypoint.d/"]
    assert copied["/etc/nginx/templates/"] == ["templates/"]
    assert copied["/usr/share/nginx/html/"] == ["--from=build", "/build/dist/"]
    build = instructions("front/Dockerfile")[: -len(final_stage("front/Dockerfile"))]
    assert ("FROM", "${NGINX_IMAGE} AS build") in build  # the same base: nothing more to pull
    assert ("RUN", "sh build.sh public dist") in build and ("WORKDIR", "/build") in build
    [run] = [rest for word, rest in final_stage("front/Dockerfile") if word == "RUN"]
    steps = [step.strip() for step in run.split("&&")]
    assert f"chmod 0755 /docker-entrypoint.d/05-check-base-url.sh {script}" in steps
    user = last("front/Dockerfile", "USER")
    assert f"chown {user}:{user} /etc/nginx/conf.d" in steps
    assert "rm -rf /etc/nginx/conf.d/default.conf /usr/share/nginx/html/*" in steps


def template_variables():
    return set(re.findall(r"\$\{(\w+)\}", (FRONT / "templates/default.conf.template").read_text()))


def test_the_images_defaults_pass_its_check_and_only_they_are_rendered():
    """The image's BASE_URL and APP_NAME pass 05-check-base-url.sh; NGINX_ENVSUBST_FILTER lets
    envsubst replace exactly the template's ${...} (nginx's own $variables and the rest of
    the environment stay as they are)."""
    env = env_of("front/Dockerfile")
    assert env["BASE_URL"] == "http://localhost:3000"  # the lesson's backend
    check = check_base_url(env["BASE_URL"], env["APP_NAME"])
    assert check.returncode == 0, check.stderr
    rendered = [n for n in ("BASE_URL", "APP_NAME", "PATH", "HOSTNAME", "HOME", "uri", "host")
                if re.search(env["NGINX_ENVSUBST_FILTER"], n)]  # fmt: skip
    assert set(rendered) == template_variables() == {"BASE_URL", "APP_NAME"}


# ---- front/05-check-base-url.sh: a bad BASE_URL stops the container, in one line ----------


def check_base_url(base_url, app_name=None):
    env = {"PATH": "/usr/bin:/bin", "BASE_URL": base_url}
    if app_name is not None:
        env["APP_NAME"] = app_name
    return run("sh", str(FRONT / "05-check-base-url.sh"), env=env, timeout=30)


# fmt: off
ACCEPTED = [
    "http://localhost:3000", "http://localhost:3001/", "https://api.example.com",
    "https://a-b.example.org:8443/api/v1", "http://10.0.0.5:30000", "http://localhost:65535",
    "https://api.k8scourse.localhost", "http://10.0.0.5:8080/api/v1",
    # A path on the page's own origin: the course's 02-09 sets BASE_URL=api.
    "api", "/api", "api/", "/api/", "api/v1", "api/v1/", "/api/v1/", "my_api-2", "~user",
]
LOOKS = ("must look like http(s)://host[:port][/path], or a path such as api or /api, without "
         "quotes or spaces, got")
REFUSED = {
    "": "is empty",
    "http://localhost:3000\nhttp://evil": "must be one line", "api\nv1": "must be one line",
    "http://localhost:65536": "has port 65536, outside 1-65535",
    "http://localhost:99999": "has port 99999, outside 1-65535",
    "http://localhost:0": "has port 0, outside 1-65535",
    **dict.fromkeys([
        'http://localhost:3000"}', "http://localhost:3000/$host", "http://localhost:3000;",
        "http://local host", "javascript:alert(1)", "ftp://localhost", "http://",
        "localhost:3000",  # a scheme, or it is a path named 'localhost:3000'
        "/", "//evil.example", "//evil.example/api", ".", "..", "./api", "../api", "api/../../x",
        "/api/../admin", "api//v1", "%2e%2e", "api?x=1", "api#top", "api v1", "'api'", '"api"',
        "api;", "$api"], LOOKS),
}
# fmt: on


@pytest.mark.parametrize("value", ACCEPTED)
def test_a_base_url_of_the_course_is_accepted(value):
    check = check_base_url(value)
    assert (check.returncode, check.stderr) == (0, "")


@pytest.mark.parametrize("value", REFUSED, ids=[repr(v) for v in REFUSED])
def test_a_base_url_that_would_break_the_page_stops_the_container_in_one_line(value):
    check = check_base_url(value)
    assert check.returncode == 1
    [line] = check.stderr.splitlines()
    assert line.startswith(f"05-check-base-url.sh: BASE_URL {REFUSED[value]}"), line
    assert line.endswith(", e.g. -e BASE_URL=http://localhost:3000"), line


@pytest.mark.parametrize(
    ("name", "ok"),
    [("photoshare", True), ("My App 2.0", True), ("a" * 40, True), ("a" * 41, False),
     ('a"b', False), ("$host", False), (" lead", False)],
)  # fmt: skip
def test_app_name_is_a_short_plain_name(name, ok):
    check = check_base_url("http://localhost:3000", name)
    assert check.returncode == (0 if ok else 1), check.stderr
    if not ok:
        assert check.stderr.startswith("05-check-base-url.sh: APP_NAME must be up to 40 ")


# ---- front/listen-on-80.sh: port 80 where a non-root nginx may bind it --------------------

# Run in namespaces of its own: a network namespace (its own ip_unprivileged_port_start, as a
# container has), and a mount namespace whose /etc is an overlay (conf.d writable, as the
# image makes it), so this machine's /etc is never touched. CHILD prints what nginx would
# get: its PATH, and the listen file.
CHILD = 'echo "PATH=$PATH"; cat /etc/nginx/conf.d/port-80.listen 2>/dev/null || echo "no file"'
NAMESPACE = """set -e
mount -t tmpfs tmpfs "$1"
mkdir "$1/upper" "$1/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
mkdir -p /etc/nginx/conf.d
[ -z "$LEFT" ] || echo "$LEFT" >/etc/nginx/conf.d/port-80.listen
echo "$PORT_START" >/proc/sys/net/ipv4/ip_unprivileged_port_start
shift
exec "$@"
"""


def listen_on_80(tmp_path, port_start, *setpriv, left="", quiet=False):
    folder = tmp_path / "ns"
    folder.mkdir()
    script = str(FRONT / "listen-on-80.sh")
    command = [*(["setpriv", *setpriv] if setpriv else []), script, "sh", "-c", CHILD]
    env = {"PATH": "/usr/bin:/bin", "PORT_START": str(port_start), "LEFT": left}
    if quiet:
        env["NGINX_ENTRYPOINT_QUIET_LOGS"] = "1"
    return run("unshare", "--mount", "--net", "sh", "-c", NAMESPACE, "-", folder, *command, env=env)


PLAIN = "PATH=/usr/bin:/bin"
WITH_CAPABILITY = "PATH=/usr/local/lib/nginx-port-80:/usr/bin:/bin"
SAID = (
    "listen-on-80.sh: port 80 cannot be bound by a non-root process in this container: nginx "
    "listens on 8080 only"
)
DROPPED = "--bounding-set=-net_bind_service"


@pytest.mark.parametrize(
    ("port_start", "setpriv", "left", "lines"),
    [
        # Docker sets the sysctl to 0 in every container: the plain nginx binds 80.
        (0, (), "", [PLAIN, "listen 80;"]),
        # Podman leaves 1024: the copy of nginx with the file capability, where exec grants it.
        (1024, (), "", [WITH_CAPABILITY, "listen 80;"]),
        # Kubernetes' allowPrivilegeEscalation: false (no_new_privs): 8080 only, said.
        (1024, ("--no-new-privs",), "", [SAID, PLAIN, "no file"]),
        # drop: [ALL]: the capability is not in the bounding set.
        (1024, (DROPPED,), "", [SAID, PLAIN, "no file"]),
        # Restarted where 80 is not allowed: the old listen file goes (said not, as asked by
        # NGINX_ENTRYPOINT_QUIET_LOGS).
        (1024, ("--no-new-privs",), "listen 80;", [PLAIN, "no file"]),
    ],
    ids=["docker", "podman", "no-new-privs", "capability-dropped", "restarted-quiet"],
)  # fmt: skip
def test_port_80_is_added_where_a_non_root_nginx_may_bind_it(
    port_start, setpriv, left, lines, tmp_path
):
    ran = listen_on_80(tmp_path, port_start, *setpriv, left=left, quiet=bool(left))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == lines


# ---- nginx's configuration: each request's location, and the headers it answers with ----


def tokens(text):
    """nginx's tokens: words and quoted strings, `{`, `}`, `;`; comments dropped."""
    pattern = r"""#[^\n]*|"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([{};])|([^\s{};"'#]+)"""
    for match in re.finditer(pattern, text):
        if match[0].startswith("#"):
            continue
        double, single, punct, word = match.groups()
        quoted = double if double is not None else single
        yield punct or (quoted if quoted is not None else word)


def parse(text):
    """[(name, [args], children or None)] of an nginx configuration, includes of
    security-headers.conf read in (the only file the front's configuration includes)."""

    def block(stream):
        found, words = [], []
        for token in stream:
            if token == "}":
                return found
            if token == ";":
                name, *args = words
                if name == "include" and args[0] == HEADERS_FILE:
                    found.extend(parse((FRONT / "security-headers.conf").read_text()))
                else:
                    found.append((name, args, None))
                words = []
            elif token == "{":
                name, *args = words
                found.append((name, args, block(stream)))
                words = []
            else:
                words.append(token)
        return found

    return block(iter(tokens(text)))


def render(base_url, app_name="k8scourse"):
    """The template as the image's 20-envsubst-on-templates.sh renders it (envsubst with
    the variables NGINX_ENVSUBST_FILTER lets through)."""
    names = " ".join(f"${{{n}}}" for n in sorted(template_variables()))
    env = {"BASE_URL": base_url, "APP_NAME": app_name, "PATH": "/usr/bin:/bin"}
    template = (FRONT / "templates/default.conf.template").read_text()
    rendered = run("envsubst", names, input=template, env=env)
    assert rendered.returncode == 0, rendered.stderr
    return parse(rendered.stdout)


class Server:
    """The server block of the rendered default.conf, and the map's $api_origin."""

    def __init__(self, base_url, app_name="k8scourse"):
        conf = render(base_url, app_name)
        [(_, (source, variable), entries)] = [d for d in conf if d[0] == "map"]
        value = dict((key, args[0]) for key, args, _ in entries)["default"]
        for key, (origin,), _ in entries:
            # PCRE's (?<name>...) is Python's (?P<name>...)
            match = re.match(key.removeprefix("~").replace("(?<", "(?P<"), source)
            if key != "default" and match:
                value = origin.replace("$origin", match["origin"])
                break
        self.variables = {variable: value}
        [(_, _, self.block)] = [d for d in conf if d[0] == "server"]

    def location(self, path):
        """The location nginx picks for path: `=` first, then regular expressions in their
        order, else the longest prefix."""
        locations = [(args, body) for name, args, body in self.block if name == "location"]
        for args, body in locations:
            if args[0] == "=" and args[1] == path:
                return body
        for args, body in locations:
            if args[0] in ("~", "~*") and re.search(args[1], path, re.I if args[0] == "~*" else 0):
                return body
        prefixes = [(args[0], body) for args, body in locations if len(args) == 1]
        return max((p for p in prefixes if path.startswith(p[0])), key=lambda p: len(p[0]))[1]

    def headers(self, path):
        """The add_header lines that answer path: the location's own, or, only where it has
        none, the server's (nginx's inheritance); the $api_origin of the map filled in."""
        own = [args for name, args, _ in self.location(path) if name == "add_header"]
        lines = own or [args for name, args, _ in self.block if name == "add_header"]
        headers = {}
        for name, value, *always in lines:
            for variable, text in self.variables.items():
                value = value.replace(variable, text)
            headers[name] = (value, always == ["always"])
        return headers

    def body(self, path):
        [(code, body)] = [args for name, args, _ in self.location(path) if name == "return"]
        return int(code), body.encode().decode("unicode_escape")


BUILT = "/app.3f2a9c0b1d4e.js"  # a name build.sh gives: app.<12 hex digits of its hash>.js
PAGES = ["/", "/index.html", BUILT, "/config.json"]
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize("path", PAGES)
def test_everything_the_browser_loads_has_the_security_headers_on_every_answer(path):
    headers = Server("http://localhost:3001").headers(path)
    for name, value in SECURITY.items():
        assert headers.get(name) == (value, True), (path, name, headers)
    assert headers["Content-Security-Policy"][1] is True


@pytest.mark.parametrize(
    ("base_url", "connect"),
    [
        ("http://localhost:3001", "'self' http://localhost:3001"),
        ("https://api.example.com/v1", "'self' https://api.example.com"),
        ("api", "'self'"),
    ],
)
def test_the_page_may_fetch_only_its_origin_and_the_apis(base_url, connect):
    """fetch() and pictures (the API's GIFs) from the page's origin and the API's. A CSP
    source with a path matches that one path only: the API's origin, not its URL.
    Nothing else: no inline script, no other origin, no framing."""
    csp, _ = Server(base_url).headers("/index.html")["Content-Security-Policy"]
    policy = {d.split()[0]: " ".join(d.split()[1:]) for d in csp.split("; ")}
    assert policy["connect-src"].strip() == policy["img-src"].strip() == connect
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert "*" not in csp and "unsafe" not in csp


IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("path", "cache", "always"),
    [
        ("/config.json", "no-store", True),  # a new BASE_URL is read on the next load
        ("/index.html", "no-cache", True),  # a release is seen at once (304s stay cheap)
        ("/app.js", "no-cache", True),  # make dev's unhashed files: each save seen at once
        # A name that holds its content's hash never gets other content; a 404 (an asset
        # asked of an old replica during a rolling update) is not kept: no `always`.
        (BUILT, IMMUTABLE, False),
    ],
)
def test_each_answer_is_cached_as_long_as_it_may_be(path, cache, always):
    assert Server("http://localhost:3001").headers(path)["Cache-Control"] == (cache, always)


def test_what_build_sh_names_nginx_keeps_a_year(tmp_path):
    """front/build.sh (as the image's first stage runs it) and nginx's locations agree:
    each file it names by its content is kept a year, index.html is asked on each load."""
    command = ["sh", str(FRONT / "build.sh"), str(FRONT / "public"), str(tmp_path)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    server = Server("http://localhost:3001")
    for path in tmp_path.iterdir():
        cache = "no-cache" if path.name == "index.html" else IMMUTABLE
        assert server.headers(f"/{path.name}")["Cache-Control"][0] == cache, path.name


@pytest.mark.parametrize(
    "base_url", ["http://localhost:3001", "https://api.example.com/v1", "/api"]
)
def test_config_json_is_the_json_the_page_reads(base_url):
    code, body = Server(base_url, "My App").body("/config.json")
    assert code == 200
    assert json.loads(body) == {"baseUrl": base_url, "name": "My App"}
    location = Server(base_url).location("/config.json")
    assert ["application/json"] in [args for name, args, _ in location if name == "default_type"]


def test_text_is_served_as_utf_8():
    """The page, its script and its JSON name their charset (a caption in any script)."""
    server = Server("http://localhost:3001")
    directives = {name: args for name, args, _ in server.block}
    assert directives["charset"] == ["utf-8"]
    assert {"application/javascript", "text/javascript", "application/json"} <= set(
        directives["charset_types"]
    )
