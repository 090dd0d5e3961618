#!/usr/bin/python3
"""Loopback test receivers for alert notifiers.

  sinks.py http PORTFILE OUTFILE   records each POST: {"t": time, "path", "body"}
  sinks.py smtp PORTFILE OUTFILE   a tiny SMTP server; records each message

Both bind 127.0.0.1 port 0 and write the port to PORTFILE; each exits by
itself after 120 s so a failed test never leaves it behind.
"""
import http.server
import json
import socketserver
import sys
import threading
import time


def record(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        t = time.time()
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        record(OUT, {"t": t, "path": self.path, "body": body,
                     "ctype": self.headers.get("Content-Type")})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


class Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        w = self.wfile.write
        w(b"220 sink ESMTP\r\n")
        mail = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                w(b"250-sink\r\n250 8BITMIME\r\n")
            elif up.startswith("MAIL FROM:"):
                mail["from"] = cmd[10:]
                w(b"250 ok\r\n")
            elif up.startswith("RCPT TO:"):
                mail["rcpt"].append(cmd[8:])
                w(b"250 ok\r\n")
            elif up == "DATA":
                w(b"354 go\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                mail["data"] = data[:-5].decode("utf-8", "replace")
                mail["t"] = time.time()
                record(OUT, mail)
                mail = {"rcpt": []}
                w(b"250 queued\r\n")
            elif up == "QUIT":
                w(b"221 bye\r\n")
                return
            else:
                w(b"500 what\r\n")


class TS(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


kind, portfile, OUT = sys.argv[1:4]
if kind == "http":
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
else:
    srv = TS(("127.0.0.1", 0), Smtp)
threading.Thread(target=srv.serve_forever, daemon=True).start()
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
time.sleep(120)
