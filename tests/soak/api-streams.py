#!/usr/bin/env python3
"""256 parallel Docker API streams through ecivm's host socket for N seconds.

Usage: api-streams.py DOCKER_SOCK ECIVMD_PID CONTAINER SINK [SECONDS] [STREAMS]
Each stream loops one kind of request on fresh connections: /_ping,
/containers/json, an attach stream (reads the running CONTAINER's output
until a line arrives) or a bulk upload (a 1 MiB tar into SINK's /tmp).
The uploads go to another container because dockerd 20.10 holds a
container's lock for the whole of an archive extraction (daemon/archive.go),
and attach takes that lock before it answers: 16 uploads in a loop into the
attached container kept every attach waiting for its 101 (seen on
2026-11-29: the request delivered to dockerd and credited back, not one
response byte), a dockerd queue, not a relay fault.
Prints per-kind counts, errors and ecivmd's fd/RSS samples; exit 1 on any
error."""
import io
import sys
import tarfile
import threading
import time

import soaklib

sock, pid, cid, sink = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 60
streams = int(sys.argv[6]) if len(sys.argv) > 6 else 256

tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w") as t:
    info = tarfile.TarInfo("soak-upload.bin")
    payload = bytes(range(256)) * 4096  # 1 MiB
    info.size = len(payload)
    t.addfile(info, io.BytesIO(payload))
TAR = tar.getvalue()


def ping():
    st, _, body = soaklib.request(sock, "GET", "/_ping")
    return st == 200 and body == b"OK"


def containers():
    st, _, body = soaklib.request(sock, "GET", "/v1.41/containers/json")
    return st == 200 and body.startswith(b"[")


class Failed(Exception):
    pass


def attach():
    s = soaklib.connect(sock, 60)
    phase = "sending the request"
    try:
        s.sendall(("POST /v1.41/containers/%s/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n"
                   "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % cid).encode())
        phase = "waiting for the response head"
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise Failed("EOF " + phase)
            buf += chunk
        if not (buf.startswith(b"HTTP/1.1 101") or buf.startswith(b"HTTP/1.1 200")):
            raise Failed("answered %r" % buf[:40])
        phase = "waiting for the container's output"
        rest = buf.partition(b"\r\n\r\n")[2]
        while b"tick" not in rest:
            chunk = s.recv(4096)
            if not chunk:
                raise Failed("EOF " + phase)
            rest += chunk
        return True
    except TimeoutError:
        raise Failed("timed out " + phase)
    finally:
        s.close()


def upload():
    st, _, _ = soaklib.request(sock, "PUT", "/v1.41/containers/%s/archive?path=/tmp" % sink, TAR,
                               ctype="application/x-tar")
    return st == 200


KINDS = [("ping", ping), ("containers/json", containers), ("attach", attach), ("upload", upload)]
# of 256 streams: 96 ping, 96 containers/json, 48 attach, 16 upload
MIX = [0] * 6 + [1] * 6 + [2] * 3 + [3] * 1
lock = threading.Lock()
counts = {k: 0 for k, _ in KINDS}
errors = {k: 0 for k, _ in KINDS}
first_errors = []
deadline = time.monotonic() + seconds


def worker(i):
    name, fn = KINDS[MIX[i % len(MIX)]]
    while time.monotonic() < deadline:
        try:
            good = fn()
            why = "bad response"
        except Exception as e:  # any failure of the stream counts
            good, why = False, repr(e)
        with lock:
            if good:
                counts[name] += 1
            else:
                errors[name] += 1
                if len(first_errors) < 10:
                    first_errors.append("%s: %s" % (name, why))


sampler = soaklib.Sampler(pid, 5)
sampler.sample()
sampler.start()
t0 = time.monotonic()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(streams)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - t0
time.sleep(2)  # let ecivmd close what the last streams left
sampler.sample()
sampler.stop.set()
total = sum(counts.values())
print("api-streams: %d streams, %.1f s: %d requests (%.1f/s), %d errors" %
      (streams, elapsed, total, total / elapsed, sum(errors.values())))
for name, _ in KINDS:
    print("  %-16s ok %6d  errors %d" % (name, counts[name], errors[name]))
for e in first_errors:
    print("  error: " + e)
sampler.report(sys.stdout)
s0, s1 = sampler.samples[0], sampler.samples[-1]
peak = max(sampler.samples, key=lambda x: x[1])
print("ecivmd fds: before %d, peak %d, after %d; RSS before %d KiB, after %d KiB, peak %d KiB" %
      (s0[1], peak[1], s1[1], s0[2], s1[2], max(x[2] for x in sampler.samples)))
sys.exit(1 if sum(errors.values()) else 0)
