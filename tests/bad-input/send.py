#!/usr/bin/env python3
"""One bad input to a live socket, the outcome as one line on stdout.

send.py ctl SOCKET DATA    ecivmd's JSON-lines service socket: prints
                           "<code>: <message>" of the error reply, exit 1
                           (exit 0 and "ok" when the request was accepted)
send.py http SOCKET DATA   the host Docker socket: prints "<status>: <message>"
                           of the response, exit 1 for a status >= 400

DATA is a Python bytes literal body (escapes allowed); "@N:X" repeats X N times.
"""
import json
import socket
import sys


def data_arg(text):
    if text.startswith("@"):
        count, chunk = text[1:].split(":", 1)
        return chunk.encode() * int(count)
    return text.encode().decode("unicode_escape").encode("latin-1")


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(path)
    return s


def send_all(s, data):
    try:
        s.sendall(data)
    except OSError:
        pass  # the peer may hang up on an oversized input before reading it all


def recv_until(s, done):
    buf = b""
    while not done(buf):
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buf += chunk
    return buf


def ctl(path, data):
    s = connect(path)
    send_all(s, data)
    line = recv_until(s, lambda b: b"\n" in b).split(b"\n")[0]
    if not line:
        print("no reply")
        return 3
    reply = json.loads(line)
    if reply.get("ok"):
        print("ok")
        return 0
    err = reply.get("error", {})
    print("%s: %s" % (err.get("code"), err.get("message")))
    return 1


def http(path, data):
    s = connect(path)
    send_all(s, data)
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    resp = recv_until(s, lambda b: False)
    if not resp:
        print("no reply")
        return 3
    head, _, body = resp.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    try:
        message = json.loads(body.strip().split(b"\r\n")[-1] if b"chunked" in head.lower() else body)["message"]
    except (ValueError, KeyError, TypeError):
        message = body[:200].decode("latin-1").strip()
    print("%d: %s" % (status, message))
    return 1 if status >= 400 else 0


if __name__ == "__main__":
    mode, path, text = sys.argv[1:4]
    sys.exit({"ctl": ctl, "http": http}[mode](path, data_arg(text)))
