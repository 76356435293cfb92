"""Settings, read once from the environment when the app is created. The defaults match the
lesson's database container: in Docker, `-e MYSQL_HOST=k8scourse-db` alone is enough.
"""

import os
import re
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting has a bad value; the message is one line meant for a human."""


# A host name, an IPv4 address or an IPv6 one in brackets, and maybe a port.
HOST_PORT = re.compile(r"(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(?P<port>\d{1,5}))?")
# Debian's DejaVu Sans Bold (package fonts-dejavu-core), which the image installs.
DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Config:
    mysql_host: str = "localhost"
    mysql_port: int = 3306
    mysql_user: str = "user"
    mysql_password: str = field(default="mysql", repr=False)  # never printed
    mysql_database: str = "images"
    port: int = 3000
    cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://localhost:8888")
    # The GIFs: where they are stored (/tmp/gifs on Linux and in the image), Giphy's key
    # (none: the GIFs the API ships), and the captioning service (none: captions drawn here).
    image_path: Path = Path(tempfile.gettempdir()) / "gifs"
    giphy_key: str = field(default="", repr=False)  # never printed
    caption_service: str | None = None  # host:port
    caption_font: str = DEFAULT_FONT
    notes: tuple[str, ...] = ()  # lines for the log at start
    # Beyond the basics: set by this file's last two functions.
    mysql_tls: ssl.SSLContext | None = field(default=None, repr=False)  # None: TLS off
    in_container: bool = False  # for /health's hints
    # Not read from the environment: tests point these at stand-ins on this machine.
    giphy_api: str = "https://api.giphy.com"
    giphy_timeout: float = 5.0  # seconds: to connect, and between two reads
    caption_timeout: float = 60.0  # seconds the captioning service may take

    @classmethod
    def from_env(cls, env=None):
        env = _course_names(os.environ if env is None else env)
        origins = env.get("CORS_ORIGINS", ",".join(cls.cors_origins))
        caption_service = _host_port(env, "GIF_CAPTION_SVC")
        font = env.get("CAPTION_FONT", "").strip() or DEFAULT_FONT
        notes = ()
        if caption_service is None and not Path(font).is_file():
            notes = (
                f"CAPTION_FONT {font} is not a file: captions are drawn in Pillow's own font, "
                "which has basic Latin letters only (A to Z)",
            )
        return cls(
            mysql_host=env.get("MYSQL_HOST", "").strip() or "localhost",
            mysql_port=_int(env, "MYSQL_PORT", 3306),
            mysql_user=env.get("MYSQL_USER", "").strip() or "user",
            mysql_password=_secret(env, "MYSQL_PASSWORD", "MYSQL_PASSWORD_FILE", "mysql"),
            mysql_database=env.get("MYSQL_DATABASE", "").strip() or "images",
            port=_int(env, "PORT", 3000),
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            image_path=Path(env.get("IMAGE_PATH", "").strip() or cls.image_path).absolute(),
            giphy_key=_secret(env, "GIPHY", "GIPHY_FILE", "").strip(),
            caption_service=caption_service,
            caption_font=font,
            notes=notes,
            mysql_tls=_tls_context(env),
            in_container=_in_container(env),
        )

    @property
    def db_address(self):
        return f"{self.mysql_host}:{self.mysql_port}/{self.mysql_database}"


# The course's names for ours. Set to two values, neither can be trusted: the server refuses
# to start.
COURSE_NAMES = {"MYSQL_PASS": "MYSQL_PASSWORD", "MYSQL_DB": "MYSQL_DATABASE"}


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


def _secret(env, name, file_name, default):
    # A mounted secret (Docker/Kubernetes), file_name, wins over name.
    path = env.get(file_name, "").strip()
    if not path:
        return env.get(name, default)
    try:
        # A secret file often ends with a newline that is not part of the secret.
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"{file_name} {path!r} cannot be read: {exc.strerror}") from None


def _host_port(env, name):
    """host or host:port (port 80 if none, a Kubernetes Service's), as host:port; None if
    unset or blank. An http:// before it is allowed."""
    raw = env.get(name, "").strip().removeprefix("http://").rstrip("/")
    if not raw:
        return None
    match = HOST_PORT.fullmatch(raw)
    port = int(match["port"] or 80) if match else 0
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be host or host:port, e.g. gifcaptioner:4000, got {raw!r}")
    return f"{match['host']}:{port}"


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
