#!/usr/bin/env python3
"""N create/start/wait/rm cycles of a busybox container through the Docker
API on ecivm's host socket (so through ecivm-runc), CONCURRENCY at a time.
No new cycle starts after MAX_SECONDS (0: no bound), so the run stays
bounded in time; the cycles done are printed.  Prints counts, failures and
the cycle rate; exit 1 on any failure.
Usage: eci-cycles.py DOCKER_SOCK [N] [CONCURRENCY] [MAX_SECONDS]"""
import sys
import threading
import time

import soaklib

sock = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
conc = int(sys.argv[3]) if len(sys.argv) > 3 else 4
max_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 0
lock = threading.Lock()
next_i = [0]
done, failures = [0], []


def cycle(i):
    st, _, body = soaklib.request(sock, "POST", "/v1.41/containers/create",
                                  {"Image": "bb", "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}})
    if st != 201:
        return "create %d: %s" % (st, body[:200])
    cid = soaklib.json.loads(body)["Id"]
    try:
        st, _, body = soaklib.request(sock, "POST", "/v1.41/containers/%s/start" % cid, b"")
        if st != 204:
            return "start %d: %s" % (st, body[:200])
        st, _, body = soaklib.request(sock, "POST", "/v1.41/containers/%s/wait" % cid, b"")
        if st != 200 or soaklib.json.loads(body).get("StatusCode") != 0:
            return "wait %d: %s" % (st, body[:200])
    finally:
        st, _, body = soaklib.request(sock, "DELETE", "/v1.41/containers/%s?force=1" % cid)
        if st != 204:
            return "rm %d: %s" % (st, body[:200])
    return None


def worker():
    while True:
        with lock:
            if next_i[0] >= total or (max_seconds and time.monotonic() - t0 > max_seconds):
                return
            i = next_i[0]
            next_i[0] += 1
        try:
            why = cycle(i)
        except Exception as e:
            why = repr(e)
        with lock:
            done[0] += 1
            if why:
                failures.append("cycle %d: %s" % (i, why))
            if done[0] % 100 == 0:
                print("  %d cycles, %d failures, %.1f s" % (done[0], len(failures), time.monotonic() - t0),
                      flush=True)


t0 = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - t0
print("eci-cycles: %d create/start/wait/rm cycles, concurrency %d, %.1f s (%.2f s/cycle, %.2f cycles/s): "
      "%d failures" % (done[0], conc, elapsed, elapsed / max(done[0], 1), done[0] / elapsed, len(failures)))
for f in failures[:10]:
    print("  failure: " + f)
sys.exit(1 if failures else 0)
