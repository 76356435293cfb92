"""A random GIF for a keyword from Giphy's search API, with urllib. Only Giphy's https media
hosts are fetched, each answer within a timeout and a byte limit; a failure is a 502 or a
504 (Giphy failed us, not the caller). The API key is in the URL: no URL is ever logged or
put in a message.
"""

import http.client
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from .storage import MAX_GIF_BYTES

MAX_SEARCH_BYTES = 2 * 2**20  # 50 results are about 0.5 MB
MEDIA_HOSTS = re.compile(r"(media\d*|i)\.giphy\.com")


class GiphyError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def random_gif(keyword, config):
    """The bytes of a random GIF among Giphy's results for `keyword`."""
    query = urllib.parse.urlencode(
        {"api_key": config.giphy_key, "q": keyword, "limit": 50, "rating": "g"}
    )
    answer = _fetch(f"{config.giphy_api}/v1/gifs/search?{query}", MAX_SEARCH_BYTES, config)
    try:
        originals = [item["images"]["original"] for item in json.loads(answer)["data"]]
        # Giphy says each file's size: only those within the limit.
        urls = [
            o["url"]
            for o in originals
            if int(o.get("size") or 0) <= MAX_GIF_BYTES and isinstance(o["url"], str)
        ]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise GiphyError(502, "Giphy's answer is not the search API's JSON.") from None
    if not urls:
        raise GiphyError(404, f"Giphy has no GIF for {keyword!r}.")
    data = _fetch(secrets.choice(urls), MAX_GIF_BYTES, config)
    if not data.startswith((b"GIF87a", b"GIF89a")):
        raise GiphyError(502, "Giphy's answer is not a GIF.")
    return data


def allowed(url, config):
    """Giphy's media hosts over https, or the API's own origin (Giphy's, or a stand-in's)."""
    parts = urllib.parse.urlsplit(url)
    api = urllib.parse.urlsplit(config.giphy_api)
    if (parts.scheme, parts.netloc) == (api.scheme, api.netloc):
        return True
    return parts.scheme == "https" and bool(MEDIA_HOSTS.fullmatch(parts.hostname or ""))


class _OnlyAllowedRedirects(urllib.request.HTTPRedirectHandler):
    """urllib follows redirects: this one follows only those to an allowed URL."""

    def __init__(self, config):
        self.config = config

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not allowed(newurl, self.config):
            raise GiphyError(502, "Giphy redirected to a host this API does not fetch from.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url, limit, config):
    """The body at `url`, at most `limit` bytes. The timeout bounds the connection and each
    wait for data; the whole answer gets 4 times that."""
    if not allowed(url, config):
        raise GiphyError(502, "Giphy's answer points at a host this API does not fetch from.")
    opener = urllib.request.build_opener(_OnlyAllowedRedirects(config))
    too_slow = GiphyError(504, f"Giphy did not answer within {config.giphy_timeout:g} s.")
    deadline = time.monotonic() + 4 * config.giphy_timeout
    try:
        with opener.open(url, timeout=config.giphy_timeout) as answer:
            body = bytearray()
            while chunk := answer.read1(65536):  # what has arrived, up to 64 KiB
                body += chunk
                if len(body) > limit:
                    raise GiphyError(502, f"Giphy's answer is over {limit // 2**20} MiB: cut off.")
                if time.monotonic() > deadline:
                    raise GiphyError(504, "Giphy's answer is too slow: cut off.")
            if len(body) < int(answer.headers.get("Content-Length") or 0):  # closed early
                raise GiphyError(502, f"Giphy's answer broke off after {len(body)} bytes.")
            return bytes(body)
    except urllib.error.HTTPError as exc:
        hint = ": check GIPHY, the API key" if exc.code in (401, 403) else ""
        raise GiphyError(502, f"Giphy answered HTTP {exc.code}{hint}.") from None
    except TimeoutError:  # waiting for data
        raise too_slow from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):  # waiting to connect
            raise too_slow from None
        raise GiphyError(502, f"Giphy cannot be reached: {exc.reason}.") from None
    except (OSError, http.client.HTTPException) as exc:  # the answer broke off
        raise GiphyError(502, f"Giphy's answer broke off: {exc!r}.") from None
