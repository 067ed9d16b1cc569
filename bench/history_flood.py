#!/usr/bin/env python3
"""The history-flood attack as a measurement: the server's memory and a bystander's ping.

A seeder posts 200 messages of 2,000 characters. An attacker with a 4 KiB receive buffer then
sends 1,000 {"type":"history","limit":200} requests in one write and never reads. For 10 s a
bystander pings the server back to back; the server's RSS is sampled between pings.

    bench/history_flood.py build/default/server/natter-server [--worker-threads 1]
"""
import argparse
import json
import socket
import subprocess
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the natter-server binary")
    parser.add_argument("--worker-threads", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    server = subprocess.Popen(
        [args.server, "--bind", "127.0.0.1", "--port", "0", "--db", ":memory:",
         "--rate", "1000", "--burst", "1000", "--worker-threads", str(args.worker_threads)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(server.stdout.readline().strip().rsplit(":", 1)[-1])

        def rss_kib():
            with open(f"/proc/{server.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS"):
                        return int(line.split()[1])
            return 0

        def join(name, receive_buffer=None):
            sock = socket.socket()
            if receive_buffer:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            sock.connect(("127.0.0.1", port))
            sock.sendall((json.dumps({"type": "hello", "name": name}) + "\n").encode())
            return sock, sock.makefile()

        seeder, seeder_in = join("seeder")
        seeder.sendall(("".join(json.dumps({"type": "say", "text": "x" * 2000}) + "\n"
                                for _ in range(200))).encode())
        seen = 0
        while seen < 200:
            seen += json.loads(seeder_in.readline())["type"] == "message"
        bystander, bystander_in = join("bystander")
        bystander_in.readline()  # welcome
        attacker, _ = join("attacker", 4096)
        time.sleep(0.5)

        baseline = peak = rss_kib()
        attacker.sendall(b'{"type":"history","limit":200}\n' * 1000)
        pings = []
        start = time.monotonic()
        while time.monotonic() - start < args.seconds:
            sent = time.monotonic()
            bystander.sendall(b'{"type":"ping"}\n')
            while json.loads(bystander_in.readline())["type"] != "pong":
                pass
            pings.append((time.monotonic() - sent) * 1000)
            peak = max(peak, rss_kib())
        pings.sort()
        print(f"worker threads {args.worker_threads}: RSS {baseline / 1024:.1f} MiB before, "
              f"peak +{(peak - baseline) / 1024:.1f} MiB; bystander ping p50 "
              f"{pings[len(pings) // 2]:.1f} ms, max {pings[-1]:.1f} ms ({len(pings)} pings)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
