"""Shared by the soak drivers: raw HTTP over the Docker unix socket and
ecivmd's fd/RSS samples."""
import json
import os
import socket
import threading
import time


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class Sampler(threading.Thread):
    """Samples ecivmd's fd count and RSS every PERIOD seconds."""

    def __init__(self, pid, period=5.0):
        super().__init__(daemon=True)
        self.pid, self.period, self.samples = pid, period, []
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    def sample(self):
        self.samples.append((time.monotonic() - self.t0, fds(self.pid), rss_kib(self.pid)))

    def run(self):
        while not self.stop.wait(self.period):
            self.sample()

    def report(self, out):
        for t, f, r in self.samples:
            print("ecivmd t=%6.1fs fds=%4d rss=%6d KiB" % (t, f, r), file=out)


def connect(path, timeout=60):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_response(s, method="GET"):
    """Reads one HTTP/1.1 response (Content-Length, chunked or to EOF);
    returns (status, headers dict, body bytes)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise IOError("EOF in response head")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if method == "HEAD" or status in (101, 204, 304):
        return status, headers, b""
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n:
            chunk = s.recv(65536)
            if not chunk:
                raise IOError("EOF in body")
            rest += chunk
        return status, headers, rest[:n]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                chunk = s.recv(65536)
                if not chunk:
                    raise IOError("EOF in chunk size")
                rest += chunk
            size_line, _, rest = rest.partition(b"\r\n")
            n = int(size_line.split(b";")[0], 16)
            while len(rest) < n + 2:
                chunk = s.recv(65536)
                if not chunk:
                    raise IOError("EOF in chunk")
                rest += chunk
            body += rest[:n]
            rest = rest[n + 2:]
            if n == 0:
                return status, headers, body
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return status, headers, rest
        rest += chunk


def request(path, method, target, body=None, ctype="application/json", timeout=120):
    s = connect(path, timeout)
    try:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        head = "%s %s HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n" % (method, target)
        if data is not None:
            head += "Content-Type: %s\r\nContent-Length: %d\r\n" % (ctype, len(data))
        s.sendall(head.encode() + b"\r\n" + (data or b""))
        return read_response(s, method)
    finally:
        s.close()
