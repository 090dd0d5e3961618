#!/usr/bin/env python3
"""Load generator for the no-loss test: opens TCP connections to
127.0.0.1:PORT at a steady pace, sends a few bytes, half-closes and waits
for the honeypot to close (one session = connect + data + disconnect
events).  Refused connections (the sensor is being restarted) are retried
later.  Prints the number of completed sessions."""
import socket, sys, threading, time

port, target, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
threads = 16
done = 0
lock = threading.Lock()
start = time.monotonic()
deadline = start + secs + 240  # hard bound: never run away


def worker(k):
    global done
    i = 0
    while True:
        with lock:
            if done >= target:
                return
            n = done
        if time.monotonic() > deadline:
            return
        # pace: session n is due at start + secs * n / target
        due = start + secs * n / target
        now = time.monotonic()
        if due > now:
            time.sleep(min(due - now, 0.05))
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"noloss %d %d\r\n" % (k, i))
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
            s.close()
            with lock:
                done += 1
        except OSError:
            time.sleep(0.2)
        i += 1


ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(done)
