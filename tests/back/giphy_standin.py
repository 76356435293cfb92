"""A stand-in for Giphy on loopback, the one part the tests cannot reach: its search API
and its media files, each path answering as a test says. The backend's own HTTP client
(api/giphy.py) talks to it as to Giphy."""

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Giphy:
    def __init__(self):
        self.answers = {}  # path -> answer(handler)
        self.asked = []  # (path, query) of each request, in order
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.giphy = self
        self.origin = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        # Polled every 10 ms: shutdown() waits for a poll, by default 0.5 s, in every test.
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def results(self, *urls, size=1000):
        """The search API answers with these media URLs (a path means one of ours)."""
        urls = [self.origin + u if u.startswith("/") else u for u in urls]
        self.answers["/v1/gifs/search"] = body(search_answer(*urls, size=size))


def search_answer(*urls, size=1000):
    """The search API's JSON with these media URLs, each of that size."""
    data = [{"images": {"original": {"url": url, "size": str(size)}}} for url in urls]
    return json.dumps({"data": data}).encode()


def body(data, status=200, length=True, delay=0.0, drip=0.0, headers=()):
    """An answer: `data` after `delay` s, with or without its Content-Length (without, the
    end of the connection ends it), all at once or a byte every `drip` s."""

    def answer(handler):
        time.sleep(delay)
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        if length:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if not drip:
            handler.wfile.write(data)
            return
        for i in range(len(data)):
            handler.wfile.write(data[i : i + 1])
            handler.wfile.flush()
            time.sleep(drip)

    return answer


def reset(handler):
    """An answer that breaks off: headers, a few bytes, then a reset (RST) of the connection."""
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b"GIF89a")
    handler.wfile.flush()
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def redirect(url):
    return body(b"", status=302, headers=[("Location", url)])


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        giphy = self.server.giphy
        parts = urlsplit(self.path)
        giphy.asked.append((parts.path, parse_qs(parts.query)))
        try:
            giphy.answers.get(parts.path, body(b"not here", status=404))(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cut the answer off, as it should

    do_POST = do_GET  # noqa: N815 (as a stand-in for another service, too)

    def log_message(self, format, *args):
        pass  # quiet
