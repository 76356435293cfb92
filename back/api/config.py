"""Settings, read once from the environment. The defaults match the lesson's database
container: in Docker, `-e MYSQL_HOST=k8scourse-db` alone is enough.
"""

import os
import re
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Debian's DejaVu Sans Bold (fonts-dejavu-core), which the image installs.
DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
# A host name, an IPv4 address or an IPv6 one in brackets, and maybe a port.
HOST_PORT = re.compile(r"(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(?P<port>\d{1,5}))?")
# The course's names for ours. Set to two values, neither can be trusted: refused.
COURSE_NAMES = {"MYSQL_PASS": "MYSQL_PASSWORD", "MYSQL_DB": "MYSQL_DATABASE"}


class ConfigError(ValueError):
    """A bad setting; the message is one line for a human."""


@dataclass(frozen=True)
class Config:
    mysql_host: str = "localhost"
    mysql_port: int = 3306
    mysql_user: str = "user"
    mysql_password: str = field(default="mysql", repr=False)
    mysql_database: str = "images"
    mysql_tls: ssl.SSLContext | None = field(default=None, repr=False)
    port: int = 3000
    cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://localhost:8888")
    image_path: Path = Path(tempfile.gettempdir()) / "gifs"
    giphy_key: str = field(default="", repr=False)
    caption_service: str | None = None  # host:port
    caption_font: str = DEFAULT_FONT
    notes: tuple[str, ...] = ()  # warnings for the log at start
    in_container: bool = False  # for /health's hints
    # Not read from the environment: tests point these at stand-ins.
    giphy_api: str = "https://api.giphy.com"
    giphy_timeout: float = 5.0  # seconds to connect, and between two reads
    caption_timeout: float = 60.0

    @classmethod
    def from_env(cls, env=None):
        env = dict(os.environ if env is None else env)
        for course, ours in COURSE_NAMES.items():
            if course in env and env.setdefault(ours, env[course]) != env[course]:
                raise ConfigError(f"{course} and {ours} are both set and differ: set only {ours}")
        origins = env.get("CORS_ORIGINS", ",".join(cls.cors_origins))
        caption_service = _host_port(env, "GIF_CAPTION_SVC")
        font = _text(env, "CAPTION_FONT", DEFAULT_FONT)
        notes = ()
        if caption_service is None and not Path(font).is_file():
            notes = (
                f"CAPTION_FONT {font} is not a file: captions are drawn in Pillow's own font, "
                "which has basic Latin letters only (A to Z)",
            )
        return cls(
            mysql_host=_text(env, "MYSQL_HOST", "localhost"),
            mysql_port=_int(env, "MYSQL_PORT", 3306),
            mysql_user=_text(env, "MYSQL_USER", "user"),
            mysql_password=_secret(env, "MYSQL_PASSWORD", "MYSQL_PASSWORD_FILE", "mysql"),
            mysql_database=_text(env, "MYSQL_DATABASE", "images"),
            mysql_tls=_tls_context(env),
            port=_int(env, "PORT", 3000),
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            image_path=Path(_text(env, "IMAGE_PATH", cls.image_path)).absolute(),
            giphy_key=_secret(env, "GIPHY", "GIPHY_FILE", "").strip(),
            caption_service=caption_service,
            caption_font=font,
            notes=notes,
            in_container=_in_container(env),
        )

    @property
    def db_address(self):
        return f"{self.mysql_host}:{self.mysql_port}/{self.mysql_database}"


def _text(env, name, default):
    return env.get(name, "").strip() or default


def _int(env, name, default):
    raw = _text(env, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not 1 <= value <= 65535:
        raise ConfigError(f"{name} must be between 1 and 65535, got {value}")
    return value


def _bool(env, name):
    """True, False, or None when unset."""
    raw = env.get(name, "").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    if raw:
        raise ConfigError(f"{name} must be 1/true/yes/on or 0/false/no/off, got {raw!r}")
    return None


def _secret(env, name, file_name, default):
    """A mounted secret (Docker, Kubernetes), file_name, wins over name."""
    path = env.get(file_name, "").strip()
    if not path:
        return env.get(name, default)
    try:
        # A secret file often ends with a newline that is not part of the secret.
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"{file_name} {path!r} cannot be read: {exc.strerror}") from None


def _host_port(env, name):
    """host or host:port (port 80 if none, a Kubernetes Service's), maybe after http://."""
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
    if not _bool(env, "MYSQL_SSL"):
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


def _in_container(env, markers=("/.dockerenv", "/run/.containerenv")):
    """Said by RUNNING_IN_CONTAINER (tests, odd runtimes); else Docker's and Podman's marker
    files, or Kubernetes' variable, set in every pod (containerd and CRI-O leave no file)."""
    said = _bool(env, "RUNNING_IN_CONTAINER")
    if said is not None:
        return said
    return bool(env.get("KUBERNETES_SERVICE_HOST")) or any(map(os.path.exists, markers))
