"""`fairspec explore RUN`: serve the frontier page on 127.0.0.1 and record adoptions made there.

Only the loopback interface is bound. Every adoption must carry the random token embedded in the
page (so another site open in the same browser cannot adopt a point by posting to localhost), be
JSON, and name a reason; it then goes through `select_point`, like `fairspec select`.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fairspec.errors import FairspecError
from fairspec.frontier.page import render_page
from fairspec.frontier.select import select_point
from fairspec.frontier.store import read_frontier

MAX_BODY_BYTES = 64 * 1024


class ExploreServer:
    """A local server for one frontier run. `start()` serves in a thread; `stop()` ends it."""

    def __init__(self, run_dir: str | Path, *, port: int = 0, ledger: str | Path | None = None,
                 who: str | None = None) -> None:
        self.run_dir = Path(run_dir)
        read_frontier(self.run_dir)                   # refuse a folder that is not a frontier run
        self.ledger, self.who = ledger, who
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def page(self) -> str:
        frontier, meta = read_frontier(self.run_dir)
        return render_page(frontier.to_json(), f"{meta['policy']['name']}: {frontier.objective} "
                                               f"(run {meta['run_id']})", self.token)

    def adopt(self, body: dict[str, Any]) -> dict[str, Any]:
        if not secrets.compare_digest(str(body.get("token", "")), self.token):
            raise PermissionError("the page's token is missing or wrong")
        point = body.get("point")
        if not isinstance(point, int) or isinstance(point, bool):
            raise FairspecError("pick a point first")
        with self.lock:                               # one adoption at a time
            return select_point(self.run_dir, point, str(body.get("because", "")), who=self.who,
                                ledger=self.ledger)

    def start(self) -> "ExploreServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join()


def _handler(server: ExploreServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path not in ("/", "/index.html"):
                self._send(404, "text/plain", b"not found")
                return
            self._send(200, "text/html; charset=utf-8", server.page().encode("utf-8"))

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/adopt":
                self._send(404, "text/plain", b"not found")
                return
            try:
                body = self._json_body()
                self._reply(200, {"adopted": server.adopt(body)})
            except PermissionError as exc:
                self._reply(403, {"error": str(exc)})
            except FairspecError as exc:
                self._reply(400, {"error": exc.message})

        def _json_body(self) -> dict[str, Any]:
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                raise FairspecError("adoptions are posted as JSON")
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY_BYTES:
                raise FairspecError("the request body is empty or too large")
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError as exc:
                raise FairspecError(f"the request body is not JSON: {exc}") from exc
            if not isinstance(body, dict):
                raise FairspecError("the request body must be a JSON object")
            return body

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, "application/json", json.dumps(payload).encode("utf-8"))

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:   # keep the terminal quiet
            pass

    return Handler
