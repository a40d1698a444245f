#!/usr/bin/env python3
"""A bounded TCP transfer to measure a link: `serve ADDR PORT BYTES` receives exactly BYTES and exits;
`send ADDR PORT BYTES` sends them and prints JSON {"bytes", "seconds", "mbit_per_s"}. Both stop by
themselves (a 60 s socket timeout), so a broken link cannot hang a test."""
import json, socket, sys, time

def serve(addr, port, total):
    with socket.create_server((addr, port)) as srv:
        srv.settimeout(60)
        conn, _ = srv.accept()
        conn.settimeout(60)
        got = 0
        with conn:
            while got < total:
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                got += len(chunk)
            conn.sendall(b"k")
    sys.exit(0 if got == total else 1)

def send(addr, port, total):
    block = b"\0" * (1 << 16)
    for _ in range(100):  # the server may still be starting
        try:
            conn = socket.create_connection((addr, port), timeout=60)
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("no server at %s:%d" % (addr, port))
    with conn:
        start = time.perf_counter()
        sent = 0
        while sent < total:
            n = min(len(block), total - sent)
            conn.sendall(block[:n])
            sent += n
        conn.recv(1)  # the server has everything
        seconds = time.perf_counter() - start
    print(json.dumps({"bytes": total, "seconds": seconds, "mbit_per_s": total * 8 / seconds / 1e6}))

if __name__ == "__main__":
    mode, addr, port, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    (serve if mode == "serve" else send)(addr, port, total)
