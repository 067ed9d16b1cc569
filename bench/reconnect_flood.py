#!/usr/bin/env python3
"""Flood control against reconnecting, and the connection caps against many addresses.

reconnect: a bystander sits in general and counts the messages it receives, while a script
reconnects in a loop from one address for a few seconds: each connection says hello (a fresh
guest name), sends a burst of says and quits. Prints the connections made, how they ended,
and what reached the bystander.

spread: with --max-clients 100, connections are opened from 127.0.0.2 ... 127.0.0.9 (13 from
each, 104 in all) and held; then someone from another network (127.0.1.1) tries to get in.

    bench/reconnect_flood.py build/default/server/natter-server [--seconds 5] [extra options]
"""
import argparse
import json
import multiprocessing
import socket
import subprocess
import threading
import time


def connect(port, source="127.0.0.1"):
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def frame(kind, **fields):
    return (json.dumps({"type": kind, **fields}) + "\n").encode()


def first_frame(sock):
    """The first frame the server sends (a welcome, or the error of a refusal)."""
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return {"type": "closed"}
        data += chunk
    return json.loads(data.split(b"\n", 1)[0])


def looper(port, worker, says, stop, results):
    """One process of the reconnect loop."""
    outcomes = {}
    i = 0
    while not stop.is_set():
        i += 1
        try:
            sock = connect(port)
            burst = frame("hello", name=f"f{worker}x{i}")
            burst += b"".join(frame("say", text=f"spam {n}") for n in range(says))
            sock.sendall(burst + frame("quit"))
            sock.shutdown(socket.SHUT_WR)
            first = first_frame(sock)
            # The welcome comes through the store, the bye for quit straight away: anything but
            # an error means the connection was served.
            code = first["code"] if first["type"] == "error" else "served"
            while sock.recv(65536):
                pass
            sock.close()
        except OSError:
            code = "connection error"
        outcomes[code] = outcomes.get(code, 0) + 1
    results.put(outcomes)


def reconnect(port, seconds, workers, says):
    bystander = connect(port)
    bystander.sendall(frame("hello", name="bystander"))
    counts = {"messages": 0}
    done = threading.Event()

    def read():
        data = b""
        while not done.is_set():
            chunk = bystander.recv(1 << 20)
            if not chunk:
                return
            data += chunk
            lines = data.split(b"\n")
            data = lines.pop()
            counts["messages"] += sum(1 for line in lines if b'"type":"message"' in line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)
    stop = multiprocessing.Event()
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=looper, args=(port, w, says, stop, results))
             for w in range(workers)]
    start = time.monotonic()
    for proc in procs:
        proc.start()
    time.sleep(seconds)
    stop.set()
    outcomes = {}
    for _ in procs:
        for code, n in results.get(timeout=60).items():
            outcomes[code] = outcomes.get(code, 0) + n
    elapsed = time.monotonic() - start
    for proc in procs:
        proc.join()
    time.sleep(1.0)  # what was admitted reaches the bystander
    done.set()
    made = sum(outcomes.values())
    received = counts["messages"]
    print(f"reconnect loop: {made} connections in {elapsed:.1f} s ({made / elapsed:.0f}/s): "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"bystander received {received} messages, {received / elapsed:.0f} a second")


def spread(port):
    held = []
    outcomes = {}
    for host in range(2, 10):
        for _ in range(13):
            sock = connect(port, f"127.0.0.{host}")
            sock.sendall(frame("hello", name=f"h{host}x{len(held)}"))
            first = first_frame(sock)
            code = first.get("code", first["type"])
            outcomes[code] = outcomes.get(code, 0) + 1
            held.append(sock)
    sock = connect(port, "127.0.1.1")
    sock.sendall(frame("hello", name="outsider"))
    first = first_frame(sock)
    print(f"{len(held)} connections from 127.0.0.2-9: "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
          + f"; then one from 127.0.1.1: {first.get('code', first['type'])}")
    for s in held + [sock]:
        s.close()


def start_server(binary, extra):
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", "0", "--db", ":memory:"] + extra,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return server, int(server.stdout.readline().strip().rsplit(":", 1)[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the natter-server binary")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--says", type=int, default=20, help="says per connection")
    args, extra = parser.parse_known_args()

    server, port = start_server(args.server, extra)
    try:
        reconnect(port, args.seconds, args.workers, args.says)
    finally:
        server.terminate()
        server.wait()
    server, port = start_server(args.server, ["--max-clients", "100"] + extra)
    try:
        spread(port)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
