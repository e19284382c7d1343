#!/usr/bin/env python3
"""Opens COUNT idle TCP connections to HOST:PORT (at most IN_FLIGHT handshakes at a time), prints
"READY established=E failed=F", holds them HOLD seconds, then sends one GET on PROBE of them and prints
"PROBE ok=K total=T". Every wait is bounded; everything is closed on exit."""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time


def open_connections(host, port, count, in_flight, deadline):
    sel = selectors.DefaultSelector()
    established, failed, pending, started = [], 0, 0, 0
    while (started < count or pending) and time.monotonic() < deadline:
        while started < count and pending < in_flight:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((host, port))
            started += 1
            if rc in (0, errno.EINPROGRESS):
                sel.register(s, selectors.EVENT_WRITE)
                pending += 1
            else:
                s.close()
                failed += 1
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                established.append(s)
            else:
                s.close()
                failed += 1
    for key in list(sel.get_map().values()):  # handshakes still open at the deadline count as failed
        sel.unregister(key.fileobj)
        key.fileobj.close()
        failed += 1
    return established, failed


def alive_count(conns):
    """Connections the peer has not closed or reset while they sat idle (no data may be readable)."""
    alive = 0
    for s in conns:
        try:
            if s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                continue
        except BlockingIOError:
            alive += 1
        except OSError:
            continue
    return alive


def probe(conns, path, host, timeout):
    """One GET on each (index, connection) (then closed, as a client done with it would); returns (ok, failure reasons)."""
    ok, failures = 0, []
    for index, s in conns:
        started = time.monotonic()
        try:
            s.setblocking(True)
            s.settimeout(timeout)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while len(data) < 12:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
            if data.startswith(b"HTTP/1.1 200"):
                ok += 1
            else:
                failures.append(f"#{index} got {data[:20]!r}")
        except OSError as e:
            failures.append(f"#{index} {type(e).__name__} after {time.monotonic() - started:.1f} s")
        finally:
            s.close()
    return ok, failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--in-flight", type=int, default=128)
    p.add_argument("--connect-seconds", type=float, default=120)
    p.add_argument("--hold", type=float, default=10)
    p.add_argument("--probe", type=int, default=20)
    p.add_argument("--path", default="/health")
    a = p.parse_args()
    want = a.count + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
    conns, failed = open_connections(a.host, a.port, a.count, a.in_flight, time.monotonic() + a.connect_seconds)
    print(f"READY established={len(conns)} failed={failed}", flush=True)
    time.sleep(a.hold)
    alive = alive_count(conns)
    print(f"ALIVE alive={alive} total={len(conns)}", flush=True)
    step = max(1, len(conns) // max(1, a.probe))
    sample = list(enumerate(conns))[::step][: a.probe]  # (index in opening order, socket)
    ok, failures = probe(sample, a.path, a.host, 5.0)
    print(f"PROBE ok={ok} total={len(sample)}" + (f" failures: {'; '.join(failures)}" if failures else ""), flush=True)
    for s in conns:
        s.close()  # the probed ones again: harmless
    return 0


if __name__ == "__main__":
    sys.exit(main())
