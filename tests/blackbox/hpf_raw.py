#!/usr/bin/env python3
"""Raw-socket hpfeeds checks against a running broker (127.0.0.1 only).

usage: hpf_raw.py PORT CASE...   Every case raises on failure.
The idents used are created by the calling shell script.
"""
import hashlib
import os
import resource
import selectors
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
PORT = 0
OP_ERROR, OP_INFO, OP_AUTH, OP_PUBLISH, OP_SUBSCRIBE, OP_UNSUBSCRIBE = range(6)
MAX_FRAME = 5 + 10 * 1024 * 1024


def s8(b):
    return bytes([len(b)]) + b


def frame(op, body):
    return struct.pack("!IB", 5 + len(body), op) + body


def auth(ident, secret, nonce):
    return frame(OP_AUTH, s8(ident) + hashlib.sha1(nonce + secret).digest())


def publish(ident, chan, payload):
    return frame(OP_PUBLISH, s8(ident) + s8(chan) + payload)


def subscribe(ident, chan):
    return frame(OP_SUBSCRIBE, s8(ident) + chan)


def unsubscribe(ident, chan):
    return frame(OP_UNSUBSCRIBE, s8(ident) + chan)


class Conn:
    def __init__(self, rcvbuf=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(30)
        self.s.connect((HOST, PORT))
        self.buf = bytearray()
        op, body = self.read()
        assert op == OP_INFO, op
        n = body[0]
        self.name = body[1:1 + n]
        self.nonce = body[1 + n:]
        assert len(self.nonce) == 4, self.nonce

    def send(self, b):
        self.s.sendall(b)

    def login(self, ident, secret):
        self.send(auth(ident, secret, self.nonce))

    def read(self, timeout=30):
        """One frame (op, body); None on EOF."""
        self.s.settimeout(timeout)
        while True:
            if len(self.buf) >= 5:
                n, op = struct.unpack("!IB", self.buf[:5])
                if len(self.buf) >= n:
                    body = bytes(self.buf[5:n])
                    del self.buf[:n]
                    return op, body
            d = self.s.recv(1 << 20)
            if not d:
                return None
            self.buf += d

    def read_pub(self, timeout=30):
        f = self.read(timeout)
        assert f is not None, "EOF instead of PUBLISH"
        op, body = f
        assert op == OP_PUBLISH, (op, body[:100])
        i = body[0]
        ident = body[1:1 + i]
        c = body[1 + i]
        chan = body[2 + i:2 + i + c]
        return ident, chan, body[2 + i + c:]

    def expect_error(self, text):
        f = self.read()
        assert f is not None, "EOF instead of OP_ERROR %r" % text
        assert f == (OP_ERROR, text), f
        assert self.read() is None, "no close after OP_ERROR"

    def expect_close_silently(self):
        """Closed with no OP_ERROR (or anything else)."""
        try:
            f = self.read()
        except ConnectionResetError:
            return
        assert f is None, "expected a silent close, got %r" % (f,)

    def expect_nothing(self, secs=0.5):
        self.s.settimeout(secs)
        try:
            d = self.s.recv(1)
        except socket.timeout:
            return
        raise AssertionError("broker sent %r" % d)

    def close(self):
        self.s.close()


def authed(ident=b"pub1", secret=b"pubsecret", subs=()):
    c = Conn()
    c.login(ident, secret)
    for ch in subs:
        c.send(subscribe(ident, ch))
    return c


def settle(c):
    """Round trip through the broker: a self-delivered publish on 'sync'
    proves everything sent before it has been processed.  Returns the
    payloads that arrived meanwhile."""
    tag = os.urandom(8)
    other = []
    c.send(subscribe(b"pub1", b"sync") + publish(b"pub1", b"sync", tag))
    while True:
        ident, chan, payload = c.read_pub()
        if chan == b"sync" and payload == tag:
            c.send(unsubscribe(b"pub1", b"sync"))
            return other
        other.append(payload)


# ---- cases ----

def case_info():
    a, b = Conn(), Conn()
    assert a.name == b"hpfeeds", a.name
    # 17 bytes on the wire: 00000011 01 07 "hpfeeds" + 4-byte nonce
    assert a.nonce != b.nonce or Conn().nonce != a.nonce, "nonce repeats"


def case_first_not_auth():
    c = Conn()
    c.send(subscribe(b"pub1", b"chan1"))
    c.expect_error(b"First message was not AUTH")


def case_bad_auth():
    c = Conn()
    c.login(b"pub1", b"wrong")
    c.expect_error(b"Authentication failed for pub1")
    c = Conn()
    c.login(b"nosuch", b"pubsecret")
    c.expect_error(b"Authentication failed for nosuch")
    c = Conn()  # short digest
    c.send(frame(OP_AUTH, s8(b"pub1") + b"0123456789"))
    c.expect_error(b"Authentication failed for pub1")


def case_silent_after_auth():
    c = authed()
    c.expect_nothing(0.5)
    c.close()


def case_pipelined():
    """AUTH + SUBSCRIBE + PUBLISH in one segment, handled in order;
    self_delivery (default yes) returns our own message."""
    c = Conn()
    c.send(auth(b"pub1", b"pubsecret", c.nonce) + subscribe(b"pub1", b"chan1")
           + publish(b"pub1", b"chan1", b"pipelined"))
    assert c.read_pub() == (b"pub1", b"chan1", b"pipelined")
    c.close()


def case_acl():
    c = authed()
    c.send(publish(b"other", b"chan1", b"x"))
    c.expect_error(b"Invalid authkey in message, ident=other")
    c = authed()
    c.send(publish(b"pub1", b"secret.chan", b"x"))
    c.expect_error(b"Authkey not allowed to pub here. ident=pub1, chan=secret.chan")
    c = authed()
    c.send(subscribe(b"pub1", b"secret.chan"))
    c.expect_error(b"Authkey not allowed to sub here. ident=pub1, chan=secret.chan")
    # SUBSCRIBE with another ident is accepted (ident ignored, as hpfeeds3)
    c = authed()
    c.send(subscribe(b"someone", b"chan1") + publish(b"pub1", b"chan1", b"ok"))
    assert c.read_pub() == (b"pub1", b"chan1", b"ok")
    # unsubscribing a channel never subscribed is ignored
    c.send(unsubscribe(b"pub1", b"never") + publish(b"pub1", b"chan1", b"ok2"))
    assert c.read_pub()[2] == b"ok2"
    # INFO from a client: silent close
    c.send(frame(OP_INFO, s8(b"x") + b"abcd"))
    c.expect_close_silently()


def case_duplicate_subscribe():
    s = authed(subs=[b"chan1", b"chan1"])
    p = authed()
    settle(s)
    p.send(publish(b"pub1", b"chan1", b"once"))
    assert s.read_pub()[2] == b"once"
    s.send(unsubscribe(b"pub1", b"chan1"))
    settle(s)
    p.send(publish(b"pub1", b"chan1", b"still"))
    assert s.read_pub()[2] == b"still", "one UNSUBSCRIBE must not be enough"
    s.send(unsubscribe(b"pub1", b"chan1"))
    settle(s)
    p.send(publish(b"pub1", b"chan1", b"gone"))
    settle(p)
    assert settle(s) == [], "delivered after two UNSUBSCRIBEs"


class Steady(threading.Thread):
    """A publisher and a subscriber exchanging messages non-stop; records
    the longest gap between deliveries."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sub = authed(subs=[b"chan2"])
        self.pub = authed()
        settle(self.sub)
        self.stop = False
        self.sent = self.got = 0
        self.max_gap = 0.0
        self.error = None

    def run(self):
        try:
            last = time.monotonic()
            while not self.stop:
                self.pub.send(publish(b"pub1", b"chan2", b"%d" % self.sent))
                self.sent += 1
                ident, chan, payload = self.sub.read_pub(timeout=10)
                assert payload == b"%d" % self.got, (payload, self.got)
                self.got += 1
                now = time.monotonic()
                self.max_gap = max(self.max_gap, now - last)
                last = now
                time.sleep(0.002)
        except Exception as e:  # reported by the main thread
            self.error = e


def case_malformed():
    """Every never-valid frame closes that connection only, without
    OP_ERROR, while another pair keeps publishing and receiving."""
    st = Steady()
    st.start()
    time.sleep(0.3)
    bad = [
        b"\x00\x00\x00\x00\x02",                       # length 0
        b"\x00\x00\x00\x04\x02",                       # length 4
        b"\x00\x00\x00\x00\x05\x07client1chan",        # len 0 + parsable body (hpfeeds3 spin)
        frame(9, b"hello"),                            # unknown opcode
        frame(OP_AUTH, b"\xc8" + b"short"),            # string overruns the frame
        struct.pack("!IB", 1 << 20, OP_AUTH),          # oversize control frame
    ]
    for b in bad:
        c = Conn()
        c.send(b)
        c.expect_close_silently()
    # after auth too
    after = [
        frame(OP_PUBLISH, s8(b"pub1") + b"\x50chan1"),  # channel overruns
        frame(OP_PUBLISH, b""),                        # empty body
        frame(OP_SUBSCRIBE, b"\x10ab"),                # ident overruns
        struct.pack("!IB", MAX_FRAME + 1, OP_PUBLISH),  # oversize publish
        struct.pack("!IB", 3, OP_PUBLISH),
        frame(7, b""),
    ]
    for b in after:
        c = authed()
        c.send(b)
        c.expect_close_silently()
    time.sleep(0.3)
    st.stop = True
    st.join(30)
    if st.error:
        raise st.error
    assert st.got >= 20, st.got
    assert st.max_gap < 2.0, "delivery paused for %.2f s" % st.max_gap


def case_streaming():
    """Header first, body over many writes (dionaea/kippo sendfile)."""
    s = authed(subs=[b"chan1"])
    settle(s)
    p = authed()
    body = os.urandom(300 * 1024)
    f = publish(b"pub1", b"chan1", body)
    p.send(f[:20])
    for i in range(20, len(f), 16384):
        time.sleep(0.005)
        p.send(f[i:i + 16384])
    assert s.read_pub() == (b"pub1", b"chan1", body)


def case_big():
    """The largest message the 10 MiB default allows arrives intact;
    one byte more closes the publisher."""
    s = authed(subs=[b"chan1"])
    settle(s)
    p = authed()
    over = 5 + 1 + 4 + 1 + 5
    body = os.urandom(MAX_FRAME - over)
    p.send(publish(b"pub1", b"chan1", body))
    got = s.read_pub(timeout=60)
    assert got[2] == body, "10 MiB payload corrupted (%d bytes)" % len(got[2])
    p.send(publish(b"pub1", b"chan1", body + b"x")[:64])
    p.expect_close_silently()


def case_auth_timeout():
    """auth_timeout (2 s in broker_raw.sh) is absolute: an idle client
    and one trickling an AUTH a byte at a time are both closed."""
    c = Conn()
    t0 = time.monotonic()
    c.expect_close_silently()
    dt = time.monotonic() - t0
    assert 1.0 <= dt < 20, dt
    c = Conn()
    f = auth(b"pub1", b"pubsecret", c.nonce)
    t0 = time.monotonic()
    for i in range(len(f) - 1):
        try:
            c.send(f[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(0.25)
        if time.monotonic() - t0 > 6:
            break
    c.expect_close_silently()
    dt = time.monotonic() - t0
    assert dt < 6, "trickling client kept for %.1f s" % dt


def case_slow_subscriber():
    """A subscriber that stops reading is cut with the backpressure error
    while a fast one gets everything and the publisher never waits.
    The broker runs with sub_soft_limit 1M, sub_hard_limit 4M,
    sub_soft_seconds 1, so 16 MB is well past what the kernel buffers
    plus the hard cap hold."""
    slow = Conn(rcvbuf=4096)
    slow.login(b"pub1", b"pubsecret")
    slow.send(subscribe(b"pub1", b"chan1"))
    fast = authed(subs=[b"chan1"])
    settle(fast)
    p = authed()
    payload = b"x" * 4096
    n = 0
    got = [0]

    def reader():
        while got[0] < n_total:
            assert fast.read_pub()[2] == payload
            got[0] += 1

    n_total = 4000
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    t0 = time.monotonic()
    for n in range(n_total):
        p.send(publish(b"pub1", b"chan1", payload))
        if n % 100 == 99:
            time.sleep(0.05)  # a pace the Python reader keeps up with
    pub_time = time.monotonic() - t0
    th.join(60)
    assert got[0] == n_total, "fast subscriber got %d/%d" % (got[0], n_total)
    assert pub_time < 30, pub_time
    # the slow one: whatever was queued, then the error, then EOF
    count = 0
    while True:
        f = slow.read(timeout=30)
        assert f is not None, "EOF without the backpressure error"
        if f[0] == OP_ERROR:
            assert f[1] == b"Backpressure deadline timer expired", f
            break
        count += 1
    assert count < n_total, "slow subscriber was never cut"
    assert slow.read() is None


def case_many_clients():
    """1,000 concurrent authenticated subscribers each get a message."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    n = 1000
    conns = []
    for i in range(n):
        c = Conn()
        c.login(b"pub1", b"pubsecret")
        c.send(subscribe(b"pub1", b"many"))
        conns.append(c)
    for c in conns:
        settle(c)
    p = authed()
    p.send(publish(b"pub1", b"many", b"to-all"))
    sel = selectors.DefaultSelector()
    for c in conns:
        c.s.setblocking(False)
        sel.register(c.s, selectors.EVENT_READ, c)
    want = frame(OP_PUBLISH, s8(b"pub1") + s8(b"many") + b"to-all")
    done = 0
    deadline = time.monotonic() + 60
    while done < n and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            c = key.data
            c.buf += c.s.recv(4096)
            if len(c.buf) >= len(want):
                assert c.buf == want, c.buf
                sel.unregister(c.s)
                done += 1
    assert done == n, "%d of %d clients got the message" % (done, n)
    for c in conns:
        c.close()


def main():
    global PORT
    PORT = int(sys.argv[1])
    for name in sys.argv[2:]:
        t0 = time.monotonic()
        globals()["case_" + name]()
        print("ok %s (%.2f s)" % (name, time.monotonic() - t0), flush=True)


if __name__ == "__main__":
    main()
