#!/usr/bin/env python3
"""Rewrite tests/fuzz/corpus/http/ from the API filter's golden create, update
and volume-create cases: the goldens are LF-ended heads that the unit test
completes, so as fuzz seeds they stop at the head parser; these copies are
CRLF requests with a Content-Length, which reach the body checks."""
import glob
import os

src = os.path.join(os.path.dirname(__file__), '..')
out = os.path.join(src, 'fuzz', 'corpus', 'http')
for old in glob.glob(os.path.join(out, '*.http')):
    os.unlink(old)
for path in sorted(glob.glob(os.path.join(src, 'unit', 'golden', 'api-filter', '*.http'))):
    name = os.path.basename(path)
    if not any(k in name for k in ('-create-', '-update-', '-volume-')):
        continue
    text = open(path, 'rb').read()
    if text.startswith(b'#policy') or b'\r' in text or b'Transfer-Encoding' in text:
        continue
    head, _, body = text.partition(b'\n\n')
    lines = [line for line in head.split(b'\n') if line]
    with open(os.path.join(out, name), 'wb') as f:
        f.write(b''.join(line + b'\r\n' for line in lines))
        f.write(b'Content-Length: %d\r\n\r\n' % len(body) + body)
