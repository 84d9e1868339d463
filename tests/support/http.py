"""A local HTTP server for download tests: serves a dict of path -> bytes
on 127.0.0.1 and records the paths asked for."""

from __future__ import annotations

import http.server
import threading


class LocalServer:
    """``with LocalServer({"/a.bin": data}) as srv: fetch(srv.url + "/a.bin")``;
    an unknown path is a 404; ``srv.hits`` lists the paths asked for."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.hits: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                outer.hits.append(self.path)
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
