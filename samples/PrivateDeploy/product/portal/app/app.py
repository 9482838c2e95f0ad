"""A small real service: serves /health (200 'ok NAME VERSION') and / (its config keys) on bind:port from the config file."""
import http.server
import sys

config = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            config[key] = value


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = f"ok {config['name']} {config['version']}\n"
        elif self.path == "/":
            body = "".join(f"{k}\n" for k in sorted(config) if k != "db_password")
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((config["bind"], int(config["port"])), Handler).serve_forever()
