#!/usr/bin/python3
"""Loopback test receivers for alert notifiers.

  sinks.py http PORTFILE OUTFILE   records each POST: {"t": time, "path", "body"}
  sinks.py smtp PORTFILE OUTFILE   a tiny SMTP server; records each message
  sinks.py smtp-starttls PORTFILE OUTFILE CERT KEY
                                   the same, offering STARTTLS (RFC 3207);
                                   each record says whether it came over TLS

Both bind 127.0.0.1 port 0 and write the port to PORTFILE; each exits by
itself after 120 s so a failed test never leaves it behind.
"""
import http.server
import json
import ssl
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
                if CTX is not None and not mail.get("tls"):
                    w(b"250-sink\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
                else:
                    w(b"250-sink\r\n250 8BITMIME\r\n")
            elif up == "STARTTLS" and CTX is not None and not mail.get("tls"):
                w(b"220 go ahead\r\n")
                self.request = CTX.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb", buffering=0)
                w = self.wfile.write
                mail = {"rcpt": [], "tls": True}
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
                mail = {"rcpt": [], "tls": mail.get("tls", False)}
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
CTX = None
if kind == "smtp-starttls":
    CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    CTX.load_cert_chain(sys.argv[4], sys.argv[5])
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
