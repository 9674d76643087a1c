#!/usr/bin/env python3
"""CLIENTS clients of ecivmd's service socket at once: each connects, sends
garbage (random bytes, half a JSON request, an oversized line, a valid
request it never reads the answer of) and disconnects mid-frame; ROUNDS
rounds.  Then a normal status request must still answer.  Prints counts and
ecivmd's fd/RSS before and after.  Usage: control-garbage.py SOCK PID [CLIENTS] [ROUNDS]"""
import json
import os
import random
import socket
import sys
import threading
import time

import soaklib

path, pid = sys.argv[1], int(sys.argv[2])
clients = int(sys.argv[3]) if len(sys.argv) > 3 else 100
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 10
KINDS = ["random", "half-json", "oversized", "unread-reply", "bad-utf8", "connect-only"]
counts = {k: 0 for k in KINDS}
errors = []
lock = threading.Lock()


def client(i, r):
    kind = KINDS[(i + r) % len(KINDS)]
    rnd = random.Random(i * 1000 + r)
    try:
        s = soaklib.connect(path, 10)
        if kind == "random":
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 4096))))
        elif kind == "half-json":
            line = json.dumps({"v": 1, "id": i, "method": "status"}).encode()
            s.sendall(line[: rnd.randint(1, len(line) - 1)])
        elif kind == "oversized":
            s.sendall(b"{" + b"x" * rnd.randint(70000, 200000))
        elif kind == "unread-reply":
            s.sendall(b'{"v":1,"id":1,"method":"logs","params":{"lines":1000}}\n' * 20)
        elif kind == "bad-utf8":
            s.sendall(b'{"v":1,"id":1,"method":"\xff\xfe"}\n{"v":1,')
        time.sleep(rnd.random() * 0.05)
        s.close()  # mid-frame, without reading
        with lock:
            counts[kind] += 1
    except OSError as e:
        # the daemon may hang up first on an oversized line: that is its answer
        with lock:
            if kind == "oversized" and isinstance(e, (BrokenPipeError, ConnectionResetError)):
                counts[kind] += 1
            else:
                errors.append("%s: %r" % (kind, e))


before = (soaklib.fds(pid), soaklib.rss_kib(pid))
t0 = time.monotonic()
for r in range(rounds):
    threads = [threading.Thread(target=client, args=(i, r)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
elapsed = time.monotonic() - t0
ok = False
for _ in range(50):  # let the daemon notice the last hang-ups
    time.sleep(0.2)
    if soaklib.fds(pid) <= before[0]:
        break
after = (soaklib.fds(pid), soaklib.rss_kib(pid))
s = soaklib.connect(path, 10)
s.sendall(b'{"v":1,"id":9,"method":"status"}\n')
reply = b""
while b"\n" not in reply:
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
status = json.loads(reply.split(b"\n")[0])
state = status.get("result", {}).get("state")
print("control-garbage: %d clients x %d rounds in %.1f s: %s; %d client errors" %
      (clients, rounds, elapsed, ", ".join("%s %d" % kv for kv in counts.items()), len(errors)))
for e in errors[:10]:
    print("  error: " + e)
print("ecivmd fds before %d after %d; RSS before %d KiB after %d KiB; status after: ok=%s state=%s" %
      (before[0], after[0], before[1], after[1], status.get("ok"), state))
sys.exit(0 if not errors and after[0] <= before[0] and status.get("ok") and state == "ready" else 1)
