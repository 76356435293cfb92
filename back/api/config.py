"""Settings, read once from the environment when the app is created. The defaults match the
lesson's database container: in Docker, `-e MYSQL_HOST=k8scourse-db` alone is enough.
"""

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting has a bad value; the message is one line meant for a human."""


@dataclass(frozen=True)
class Config:
    mysql_host: str = "localhost"
    mysql_port: int = 3306
    mysql_user: str = "user"
    mysql_password: str = field(default="mysql", repr=False)  # never printed
    mysql_database: str = "images"
    port: int = 3000
    cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://localhost:8888")
    notes: tuple[str, ...] = ()  # lines for the log at start
    # Beyond the basics: set by this file's last two functions.
    mysql_tls: ssl.SSLContext | None = field(default=None, repr=False)  # None: TLS off
    in_container: bool = False  # for /health's hints

    @classmethod
    def from_env(cls, env=None):
        env = _course_names(os.environ if env is None else env)
        origins = env.get("CORS_ORIGINS", ",".join(cls.cors_origins))
        return cls(
            mysql_host=env.get("MYSQL_HOST", "").strip() or "localhost",
            mysql_port=_int(env, "MYSQL_PORT", 3306),
            mysql_user=env.get("MYSQL_USER", "").strip() or "user",
            mysql_password=_password(env),
            mysql_database=env.get("MYSQL_DATABASE", "").strip() or "images",
            port=_int(env, "PORT", 3000),
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            notes=tuple(
                f"{name} is ignored: {why}" for name, why in IGNORED.items() if name in env
            ),
            mysql_tls=_tls_context(env),
            in_container=_in_container(env),
        )

    @property
    def db_address(self):
        return f"{self.mysql_host}:{self.mysql_port}/{self.mysql_database}"


# The course's names for ours. Set to two values, neither can be trusted: the server refuses
# to start.
COURSE_NAMES = {"MYSQL_PASS": "MYSQL_PASSWORD", "MYSQL_DB": "MYSQL_DATABASE"}
# The course's settings for what this API lacks: refusing them would stop its manifests.
IGNORED = {
    "IMAGE_PATH": "this API stores no image files",
    "GIF_CAPTION_SVC": "this API calls no GIF captioning service",
}


def _course_names(env):
    env = dict(env)
    for course, ours in COURSE_NAMES.items():
        if course in env:
            if env.get(ours, env[course]) != env[course]:
                raise ConfigError(f"{course} and {ours} are both set and differ: set only {ours}")
            env[ours] = env[course]
    return env


def _int(env, name, default, low=1, high=65535):
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env, name, default):
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/true/yes/on or 0/false/no/off, got {raw!r}")


def _password(env):
    # A mounted secret (Docker/Kubernetes) wins.
    path = env.get("MYSQL_PASSWORD_FILE", "").strip()
    if not path:
        return env.get("MYSQL_PASSWORD", "mysql")
    try:
        # A secret file often ends with a newline that is not part of the password.
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"MYSQL_PASSWORD_FILE {path!r} cannot be read: {exc.strerror}") from None


def _tls_context(env):
    """One context for the whole process: building one takes ~17 ms of CPU."""
    if not _bool(env, "MYSQL_SSL", False):
        return None
    ca = env.get("MYSQL_SSL_CA", "").strip()
    if not ca:
        # Encrypted but unverified, like the mysql client's --ssl-mode=REQUIRED:
        # servers usually present a self-signed certificate.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=ca)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"MYSQL_SSL_CA {ca!r} cannot be loaded: {exc}") from None


# Files that Docker and Podman create in every container.
CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")


def _in_container(env, markers=CONTAINER_MARKERS):
    # Tests and odd runtimes may say it.
    if env.get("RUNNING_IN_CONTAINER", "").strip():
        return _bool(env, "RUNNING_IN_CONTAINER", False)
    # Kubernetes (containerd, CRI-O) leaves no marker file, but sets this in every pod.
    if env.get("KUBERNETES_SERVICE_HOST"):
        return True
    return any(Path(marker).exists() for marker in markers)
