#!/usr/bin/env python3
"""Drive an interactive ssh session (sshpass + ssh -tt) line by line and
print, for each marker, the seconds between sending a line and the marker
appearing: used by ssh_shell_features.sh to see that `sleep` really waits
and that ^C interrupts it.  Usage: shell_timing.py PORT SCRIPT_FILE
where each SCRIPT line is "send TEXT", "ctrl-c", "expect MARKER" (prints
"MARKER SECONDS"; \n and \r escapes allowed; pick markers the echo of
the typed line does not contain) or "pause SECONDS".  All output goes to stderr too."""
import os, select, subprocess, sys, time

port, script = sys.argv[1], sys.argv[2]
p = subprocess.Popen(
    ["sshpass", "-p", "x", "ssh", "-tt", "-p", port,
     "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
     "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20", "root@127.0.0.1"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
seen = b""
sent_at = time.monotonic()


def read_until(marker, timeout=40):
    global seen
    end = time.monotonic() + timeout
    while marker not in seen:
        left = end - time.monotonic()
        if left <= 0:
            sys.stderr.write(seen.decode("utf-8", "replace"))
            sys.exit("timed out waiting for %r" % marker)
        r, _, _ = select.select([p.stdout], [], [], left)
        if r:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                sys.exit("session ended before %r" % marker)
            seen += chunk
    return time.monotonic()


read_until(b"# ")  # the first prompt
for line in open(script):
    verb, _, arg = line.rstrip("\n").partition(" ")
    if verb == "send":
        seen = b""
        sent_at = time.monotonic()
        p.stdin.write(arg.encode() + b"\r")
        p.stdin.flush()
    elif verb == "ctrl-c":
        p.stdin.write(b"\x03")
        p.stdin.flush()
    elif verb == "pause":
        time.sleep(float(arg))
    elif verb == "expect":
        t = read_until(arg.encode().decode("unicode_escape").encode("latin-1"))
        print("%s %.2f" % (arg, t - sent_at), flush=True)
p.stdin.write(b"exit\r")
p.stdin.flush()
try:
    p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
