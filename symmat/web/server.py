"""`symmat serve`: the page and its JSON API over the standard library's http.server.

The handler is a thin layer, as `cli.py` is over the command line: it serves
the page's static files, reads a request's fields, hands them to a job
(`jobs`) running in a worker process (`worker`) and writes back the JSON the
job answers. It decides only what HTTP decides:

- GET `/` (the page, whatever its query: the state lives in the URL) and
  GET `/static/…` (files shipped in the package); POST `/api/derive`,
  `/api/check`, `/api/verify`. Any other path is 404, any other method on a
  known path 405, any other method 501.
- A body longer than the input limit allows is refused (413) unread.
- Bound to a loopback address, it answers only requests addressed to that
  address (the Host header), and a POST only from its own page (the Origin
  header): a web site open in the same browser cannot use it.
- Every response forbids the page to load anything from elsewhere (CSP).
"""

import json
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from . import jobs
from .adapter import Limits, SymmatError
from .worker import Crashed, Overrun, Pool

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8",
         ".woff2": "font/woff2", ".png": "image/png", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
ENDPOINTS = {"/api/derive": "derive", "/api/check": "check", "/api/verify": "verify"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
GRACE = 5.0   # seconds a worker may run past the in-process deadlines before it is killed


class Settings(dict):
    """The limits of SPEC §1.4, plus the verification's (the command line's defaults)."""

    DEFAULTS = {"max_chars": Limits.max_chars, "max_depth": Limits.max_depth, "max_power": Limits.max_power,
                "max_rewrites": Limits.max_rewrites, "derive_timeout": Limits.derive_timeout,
                "verify_timeout": 60.0, "max_size": 6}

    def __init__(self, **kw):
        super().__init__(self.DEFAULTS)
        self.update({k: v for k, v in kw.items() if v is not None})

    @property
    def max_body(self):
        """The largest request body: three fields at the character limit, 4 bytes a character."""
        return 12 * self["max_chars"] + 4096

    def hard_limit(self, endpoint, fields):
        """Seconds after which a worker is killed: its own deadlines, and some grace."""
        n = max(1, len([w for w in fields["wrt"].split(",") if w.strip()]))
        derive, verify = self["derive_timeout"], self["verify_timeout"]
        seconds = {"derive": n * derive, "verify": n * (derive + verify), "check": derive + verify}[endpoint]
        return seconds + GRACE

    def overrun_message(self, endpoint):
        """The limit's message for a worker that was killed (the same words as the library's)."""
        if endpoint == "derive":
            return (f"the derivation took more than {self['derive_timeout']:g} s and was stopped "
                    f"(raise the limit with --derive-timeout)")
        what = "checking" if endpoint == "check" else "verification"
        return (f"{what} took longer than the limit of {self['verify_timeout']:g} s and was stopped "
                f"(raise it with --verify-timeout)")


class Server(ThreadingHTTPServer):
    """The HTTP server: one thread per request, each waiting on its worker."""

    daemon_threads = True

    def __init__(self, host="127.0.0.1", port=8000, settings=None, quiet=False, workers=4):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.settings = settings or Settings()
        self.quiet = quiet
        self.pool = Pool(workers)
        self.host = host
        super().__init__((host, port), Handler)

    @property
    def url(self):
        """The page's address, with the port actually bound (port 0 picks a free one)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.server_address[1]}/"

    def allowed_hosts(self):
        """Host header values this server answers to (None: any, when not on loopback)."""
        if self.host not in LOOPBACK:
            return None
        port = self.server_address[1]
        return {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}

    def warm(self):
        """Start the workers' fork server in the background (it imports NumPy and SymPy)."""
        threading.Thread(target=self.pool.warm, daemon=True).start()

    def server_close(self):
        self.pool.close()
        super().server_close()

    def handle_error(self, request, client_address):
        """A client that hung up before its answer was written is no error of ours: nothing is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):   # BrokenPipe, ConnectionReset, …
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """GET the page and its files, POST the API; nothing else."""

    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "symmat"

    # ------------------------------------------------------------- GET

    def do_GET(self):
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        if path in ENDPOINTS:
            return self._error(HTTPStatus.METHOD_NOT_ALLOWED, "use POST for the API", allow="POST")
        if path == "/":
            return self._file(STATIC / "index.html", cache=False)
        if path.startswith("/static/"):
            target = self._static(path[len("/static/"):])
            if target is not None:
                return self._file(target, cache=path.startswith("/static/katex/"))
        self._error(HTTPStatus.NOT_FOUND, "not found")

    def _static(self, rel):
        """The shipped file at `rel` under static/, or None (never a path outside it)."""
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p for p in parts):
            return None
        target = STATIC.joinpath(*parts)
        if target.suffix not in TYPES or not target.is_file():
            return None
        return target

    def _file(self, path, cache):
        body = path.read_bytes()
        self._send(HTTPStatus.OK, body, TYPES[path.suffix],
                   {"Cache-Control": "max-age=86400" if cache else "no-cache"})

    # ------------------------------------------------------------- POST

    def do_POST(self):
        if not self._host_ok() or not self._origin_ok():
            return
        path = urlsplit(self.path).path
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            allow = "GET" if path == "/" or path.startswith("/static/") else None
            if allow:
                return self._error(HTTPStatus.METHOD_NOT_ALLOWED, "the page is read with GET", allow=allow)
            return self._error(HTTPStatus.NOT_FOUND, "not found")
        try:
            fields = jobs.clean(self._fields())
        except jobs.BadRequest as e:
            return self._error(getattr(e, "status", HTTPStatus.BAD_REQUEST), str(e))
        settings = self.server.settings
        try:
            status, body = self.server.pool.run(jobs.run, (endpoint, fields, dict(settings)),
                                                settings.hard_limit(endpoint, fields))
        except Overrun:
            status, body = 400, {"error": settings.overrun_message(endpoint), "type": "LimitError"}
        except Crashed as e:
            status, body = 500, {"error": f"internal error ({e}); please report it", "type": "InternalError"}
        self._json(status, body)

    def _fields(self):
        """The request's fields, from a JSON object or a urlencoded form (refused when too long)."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise _bad(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length") from None
        limit = self.server.settings.max_body
        if length < 0 or length > limit:
            self.close_connection = True
            raise _bad(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       f"the request is {length:,} bytes long, above the limit of {limit:,} "
                       f"(raise it with --max-chars)")
        raw = self.rfile.read(length)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _bad(HTTPStatus.BAD_REQUEST, f"the request is not valid UTF-8 (byte {e.start + 1})") from None
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return dict(parse_qsl(text, keep_blank_values=True))
        if kind != "application/json":
            raise _bad(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                       "send the fields as application/json (or a urlencoded form)")
        try:
            return json.loads(text)
        except ValueError as e:
            raise _bad(HTTPStatus.BAD_REQUEST, f"the request is not valid JSON ({e})") from None

    # ------------------------------------------------------------- checks and answers

    def _host_ok(self):
        allowed = self.server.allowed_hosts()
        if allowed is None or self.headers.get("Host", "") in allowed:
            return True
        self._error(HTTPStatus.FORBIDDEN, "this server answers only requests addressed to "
                                          + self.server.url)
        return False

    def _origin_ok(self):
        origin = self.headers.get("Origin")
        if origin is None or urlsplit(origin).netloc == self.headers.get("Host", ""):
            return True
        self._error(HTTPStatus.FORBIDDEN, "the API answers only its own page")
        return False

    def _json(self, status, body, headers=()):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self._send(status, data, "application/json; charset=utf-8", {"Cache-Control": "no-store", **dict(headers)})

    def _error(self, status, message, allow=None):
        self.close_connection = True      # a body may be left unread: start afresh
        self._json(status, {"error": message, "type": "HTTPError"}, {"Allow": allow} if allow else {})

    def _send(self, status, body, content_type, headers=()):
        self.send_response(int(status))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in dict(headers).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        if not self.server.quiet:
            sys.stderr.write(f"symmat serve: {self.address_string()} {format % args}\n")


def _bad(status, message):
    """A BadRequest answered with `status`."""
    e = jobs.BadRequest(message)
    e.status = status
    return e


# ----------------------------------------------------------------- the command

def serve(host="127.0.0.1", port=8000, open_browser=False, settings=None, quiet=False, ready=None):
    """Serve until interrupted; prints the URL (with the port actually bound) first."""
    if not 0 <= port <= 65535:
        raise SymmatError(f"the port must be a number from 0 to 65535 (0 picks a free one), not {port}")
    try:
        server = Server(host, port, settings=settings, quiet=quiet)
    except OSError as e:
        raise SymmatError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None
    print(f"symmat: serving the page on {server.url}  (Ctrl+C to stop)", flush=True)
    server.warm()
    if open_browser:
        import webbrowser  # only with --open
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    if ready is not None:
        ready(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("symmat: stopped", flush=True)
    finally:
        server.server_close()
    return 0


def command(args):
    """`symmat serve` from its parsed command-line options."""
    settings = Settings(max_chars=args.max_chars, max_depth=args.max_depth, max_power=args.max_power,
                        max_rewrites=args.max_rewrites, derive_timeout=args.derive_timeout,
                        verify_timeout=args.verify_timeout, max_size=args.max_size)
    return serve(args.host, args.port, open_browser=args.open, settings=settings, quiet=args.quiet)
