#!/bin/bash
# The service holds up against its own users (issue 22), on one booted VM:
# a non-root member of group ecivm holding many idle connections cannot lock
# root out (per-uid limit, slots kept for root, idle timeout); a forged log
# line in a method name stays on one escaped line, and refused requests do
# not grow the log unboundedly; a method with an embedded NUL is refused;
# memoryMiB above the launch plan's maximum is refused at `settings set`.
. "$(dirname "$0")/lib.sh"
require_image
PY=/usr/bin/python3 # the system one: the test user cannot run root's pyenv
[ -x "$PY" ] || bail "$PY missing"
[ "$(id -u)" -eq 0 ] || bail "run as root (the test switches to a throwaway user)"
groupadd -f ecivm || bail "groupadd ecivm"
id ecitest >/dev/null 2>&1 || useradd -M -N -G ecivm -s /usr/sbin/nologin ecitest || bail "useradd ecitest"
as_user() { setpriv --reuid=ecitest --regid="$(id -g ecitest)" --init-groups -- "$@"; }
vm_lock
chmod 711 "$T"
mkdir -p -m 711 "$ECIVM_RUN_DIR" # the group reaches the socket (under systemd: tmpfiles)
SOCK="$ECIVM_RUN_DIR/ecivmd.sock"

# client.py SOCKET send: one request line from stdin, prints the reply line.
# client.py SOCKET hold N SECONDS: opens N connections; prints "open refused
# first-refusal" after 2 s, then "closed-by-daemon" after SECONDS.
cat >"$T/client.py" <<'PY'
import socket, sys, time
path, mode = sys.argv[1], sys.argv[2]
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
def state(s):
    try:
        d = s.recv(65536, socket.MSG_DONTWAIT)
        return ("closed", d.decode(errors="replace").strip())
    except BlockingIOError:
        return ("open", "")
    except ConnectionResetError:
        return ("closed", "")
if mode == "flood":  # CLIENTS × N pipelined attest requests: "ok refused other"
    import threading
    clients, n = int(sys.argv[3]), int(sys.argv[4])
    counts = {"ok": 0, "refused": 0, "other": 0}
    lock = threading.Lock()
    def one():
        s = connect()
        s.settimeout(60)
        s.sendall(b"".join(b'{"v":1,"id":%d,"method":"attest"}\n' % i for i in range(n)))
        buf = b""
        try:
            while buf.count(b"\n") < n:
                d = s.recv(1 << 20)
                if not d:
                    break
                buf += d
        except socket.timeout:
            pass
        for l in buf.split(b"\n")[:-1]:
            k = "ok" if b'"ok":true' in l else "refused" if b'"code":"refused"' in l else "other"
            with lock:
                counts[k] += 1
    th = [threading.Thread(target=one) for _ in range(clients)]
    [t.start() for t in th]
    [t.join() for t in th]
    print(counts["ok"], counts["refused"], counts["other"])
elif mode == "send":
    s = connect()
    try:
        s.sendall(sys.stdin.buffer.read())
    except (BrokenPipeError, ConnectionResetError):
        pass  # a refused connection: its reply is waiting all the same
    buf = b""
    while b"\n" not in buf:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            break
        buf += d
    print(buf.decode(errors="replace").strip())
else:
    n, secs = int(sys.argv[3]), float(sys.argv[4])
    socks = []
    for _ in range(n):
        try:
            socks.append(connect())
        except OSError:
            pass
    time.sleep(2)
    st = [state(s) for s in socks]
    refusals = [m for k, m in st if k == "closed" and m]
    print(sum(1 for k, _ in st if k == "open"), len(socks) - sum(1 for k, _ in st if k == "open"),
          refusals[0] if refusals else "-", flush=True)
    time.sleep(secs)
    print(sum(1 for (k0, _), s in zip(st, socks) if k0 == "open" and state(s)[0] == "closed"), flush=True)
PY
chmod 644 "$T/client.py"

"$ECIVMD" --run-dir="$ECIVM_RUN_DIR" --state-dir="$ECIVM_STATE_DIR" --image-dir="$ECIVM_IMAGE_DIR" \
        --trusted-key="$ECIVM_TRUSTED_KEY" --accel=tcg --socket-group=ecivm >>"$T/ecivmd.log" 2>&1 &
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || bail "ecivmd did not start"
check "ecivm up reaches ready" "$ECIVM" up --accel=tcg

# -- log injection, NUL, oversized lines (from the group member, one connection at a time)
before=$(stat -c %s "$T/ecivmd.log")
out=$(as_user "$PY" "$T/client.py" "$SOCK" send <<<'{"v":1,"id":2,"method":"ping\n** Message: 00:00:00.000: vm: ready -> stopped: powered off by admin"}')
grep -q '"ok":false' <<<"$out" && ok "a method with a newline is refused" || not_ok "injection reply: $out"
sleep 0.5
lines=$(grep -c 'powered off by admin' "$T/ecivmd.log")
grep -q 'unknown method "ping\\x0a\*\* Message: 00:00:00.000: vm: ready -> stopped: powered off by admin"' "$T/ecivmd.log" &&
        [ "$lines" -eq 1 ] && ! grep -q '^\*\* Message: 00:00:00.000: vm: ready' "$T/ecivmd.log" &&
        ok "the injection attempt stays on one escaped log line" ||
        not_ok "injection in the log ($lines lines): $(grep 'powered off by admin' "$T/ecivmd.log" | head -3)"
out=$(as_user "$PY" "$T/client.py" "$SOCK" send <<<'{"v":1,"id":3,"method":"ping\u0000x"}')
grep -q '"ok":false' <<<"$out" && grep -q 'method: a string with an embedded NUL' <<<"$out" &&
        ok "a method with an embedded NUL is refused" || not_ok "NUL method: $out"
out=$(as_user "$PY" "$T/client.py" "$SOCK" send <<<'{"v":1,"id":4,"method":"settings-set","params":{"key":"cpus\u0000x","value":"2"}}')
grep -q 'params.key: a string with an embedded NUL' <<<"$out" && ok "a settings key with an embedded NUL is refused" ||
        not_ok "NUL key: $out"
big=$(head -c 65000 /dev/zero | tr '\0' A)
mid=$(stat -c %s "$T/ecivmd.log")
for i in $(seq 100); do
        printf '{"v":1,"id":%d,"method":"%s"}\n' "$i" "$big" |
                as_user "$PY" "$T/client.py" "$SOCK" send >/dev/null 2>&1
done
grown=$(($(stat -c %s "$T/ecivmd.log") - mid))
[ "$grown" -lt 65536 ] && ok "100 refused 65 KB requests grow the log by $grown bytes" ||
        not_ok "100 refused 65 KB requests grew the log by $grown bytes"
out=$(head -c 70000 /dev/zero | tr '\0' A | as_user "$PY" "$T/client.py" "$SOCK" send)
grep -q 'line longer than 65536 bytes' <<<"$out" && ok "an oversized line: 'line longer than 65536 bytes'" ||
        not_ok "oversized line: ${out:0:200}"
diag "log grew by $(($(stat -c %s "$T/ecivmd.log") - before)) bytes in this section"

# -- connection limits: 130 idle connections from one group member
as_user "$PY" "$T/client.py" "$SOCK" hold 130 75 >"$T/hold.out" 2>&1 &
HOLDER=$!
for _ in $(seq 50); do [ -s "$T/hold.out" ] && break; sleep 0.2; done
read -r held refused first <"$T/hold.out"
diag "ecitest: $held connections held, ${refused:-?} refused: $first"
[ "${held:-0}" -ge 1 ] && [ "$held" -le 16 ] && ok "a non-root user holds at most 16 connections" ||
        not_ok "non-root user holds ${held:-?} connections: $(cat "$T/hold.out")"
grep -q 'too many connections from uid [0-9]*: at most 16 per user' "$T/hold.out" &&
        ok "the refusal names the per-user limit" || not_ok "refusal: $(cat "$T/hold.out")"
out=$(as_user "$ECIVM" status 2>&1)
grep -q '^ecivm: too many connections from uid [0-9]*: at most 16 per user' <<<"$out" &&
        ok "the user's next ecivm status says which limit" || not_ok "17th connection: $out"
check "root's ecivm status works while the user holds connections" "$ECIVM" status
# many root connections at once: the 8 kept for root are beyond the user's reach
pids=()
for i in $(seq 8); do "$ECIVM" status >"$T/st.$i" 2>&1 & pids+=($!); done
wait "${pids[@]}"
bad=$(grep -L 'ready' "$T"/st.* | wc -l)
[ "$bad" -eq 0 ] && ok "8 concurrent root status calls answered" || not_ok "$bad root status calls failed: $(cat "$T"/st.* | head -3)"

# -- an attest flood: bounded per connection, coalesced, the guest's heartbeats go first
lines0=$(wc -l <"$T/ecivmd.log")
read -r a_ok a_refused a_other < <("$PY" "$T/client.py" "$SOCK" flood 20 100)
diag "attest flood (20 clients x 100): $a_ok documents, $a_refused refused at once, $a_other other"
[ "${a_ok:-0}" -ge 20 ] && [ "${a_other:-1}" -eq 0 ] && [ $((a_ok + a_refused)) -eq 2000 ] &&
        ok "an attest flood is answered (documents, or refused at once over the bound)" ||
        not_ok "attest flood: ${a_ok:-?} ok, ${a_refused:-?} refused, ${a_other:-?} other"
grown=$(($(wc -l <"$T/ecivmd.log") - lines0))
[ "$grown" -lt 200 ] && ok "the flood added $grown log lines" || not_ok "the flood added $grown log lines"
grep -q 'guest hung' "$T/ecivmd.log" && not_ok "a guest hang was declared: $(grep 'guest hung' "$T/ecivmd.log" | head -1)" ||
        ok "no guest hang declared"
check "the VM is ready after the flood" "$ECIVM" status

# -- settings the launch plan could not boot
out=$("$ECIVM" settings set memoryMiB 65537 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q 'out of range 256..65536' <<<"$out" && ok "memoryMiB 65537 refused at settings set" ||
        not_ok "settings set memoryMiB 65537: $rc $out"
out=$("$ECIVM" settings set memoryMiB 1048576 2>&1); rc=$?
[ $rc -ne 0 ] && ok "memoryMiB 1048576 refused at settings set" || not_ok "settings set memoryMiB 1048576: $rc $out"
out=$("$ECIVM" settings set memoryMiB 0x400 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q 'not a decimal JSON number' <<<"$out" && ok "memoryMiB 0x400 refused" ||
        not_ok "settings set memoryMiB 0x400: $rc $out"

# -- idle connections are closed; the VM never noticed any of this
wait "$HOLDER"
closed=$(sed -n 2p "$T/hold.out")
[[ $closed =~ ^[0-9]+$ ]] && [ "$closed" = "$held" ] && ok "idle connections closed by the daemon within 75 s ($closed)" ||
        not_ok "idle connections closed: ${closed:-?} of ${held:-?}"
"$ECIVM" status >"$T/status.out" 2>&1
grep -q 'ready' "$T/status.out" && ok "the VM stayed ready" || not_ok "status: $(head -3 "$T/status.out")"
check "root's ecivm down works" "$ECIVM" down
finish
