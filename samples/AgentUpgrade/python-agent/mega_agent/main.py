"""A tiny agent: serves GET /health ("ok <version>") and GET /version on --bind:--port until terminated.

A release whose folder holds a file named BROKEN answers /health with 503 (the samples' unhealthy version).
"""
import argparse
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mega_agent import __version__


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/health":
            broken = os.path.exists("BROKEN")
            self._answer(503 if broken else 200, ("broken " if broken else "ok ") + __version__ + "\n")
        elif self.path == "/version":
            self._answer(200, __version__ + "\n")
        else:
            self._answer(404, "not found\n")

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass

    def _answer(self, status, text):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description="mega_agent sample")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.bind, args.port), Handler)
    print(f"mega_agent {__version__} on {args.bind}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
