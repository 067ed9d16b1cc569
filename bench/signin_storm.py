#!/usr/bin/env python3
"""Sign-in cost, and what a storm of wrong passwords does to everyone else's chat.

First the time of one password sign-in (one Argon2id verification) on an idle server. Then a
bystander, bob, sends carol a message back to back and times each delivery, for a few seconds
in each of three conditions:
  idle      no attack;
  one-ip    100 attackers on one address keep guessing alice's password;
  many-ips  100 attackers on 100 loopback addresses (127.0.1.1 ...) keep guessing the passwords
            of 20 accounts, so the per-address limit does not hold them back.

    bench/signin_storm.py build/default/server/natter-server [--seconds 5]
"""
import argparse
import json
import multiprocessing
import socket
import statistics
import subprocess
import threading
import time

PASSWORD = "the right password"


def line(sock_file):
    text = sock_file.readline()
    if not text:
        raise ConnectionError("closed")
    return json.loads(text)


def until(sock_file, *types):
    while True:
        frame = line(sock_file)
        if frame["type"] in types:
            return frame


def connect(port, source="127.0.0.1"):
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock, sock.makefile()


def send(sock, frame):
    sock.sendall((json.dumps(frame) + "\n").encode())


def register(port, name):
    sock, f = connect(port)
    send(sock, {"type": "hello", "name": name})
    until(f, "welcome")
    send(sock, {"type": "register", "password": PASSWORD})
    until(f, "registered")
    send(sock, {"type": "quit"})
    sock.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def storm(port, attack, stop, results):
    """Runs in a process of its own, so the attackers' Python does not stall the bystander's."""
    outcomes = {}
    lock = threading.Lock()

    def attacker(source, account):
        while not stop.is_set():
            try:
                sock, f = connect(port, source)
                send(sock, {"type": "hello", "name": account, "password": "wrong guess"})
                code = until(f, "welcome", "error").get("code", "welcome")
                sock.close()
            except OSError:
                code = "connection"
            with lock:
                outcomes[code] = outcomes.get(code, 0) + 1

    threads = [threading.Thread(target=attacker, args=a, daemon=True) for a in attack]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(outcomes)


def measure(port, seconds, attack):
    """Bob-to-carol delivery times in ms while attack (a list of (source, account)) runs."""
    stop = multiprocessing.Event()
    results = multiprocessing.Queue()
    attackers = multiprocessing.Process(target=storm, args=(port, attack, stop, results))
    if attack:
        attackers.start()
        time.sleep(0.5)  # the storm is under way
    bob, bob_in = connect(port)
    carol, carol_in = connect(port)
    send(bob, {"type": "hello", "name": "bob"})
    until(bob_in, "welcome")
    send(carol, {"type": "hello", "name": "carol"})
    until(carol_in, "welcome")
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        send(bob, {"type": "say", "text": "ping"})
        until(carol_in, "message")
        times.append((time.monotonic() - start) * 1000)
        until(bob_in, "message")
    stop.set()
    outcomes = {}
    if attack:
        outcomes = results.get(timeout=60)
        attackers.join()
    bob.close()
    carol.close()
    return times, outcomes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the natter-server binary")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()

    server = subprocess.Popen(
        [args.server, "--bind", "127.0.0.1", "--port", "0", "--db", ":memory:",
         "--max-per-ip", "1000", "--max-clients", "5000",
         # The sign-in throttle is measured here, not the connection rate.
         "--connect-rate", "100000", "--connect-burst", "100000",
         "--network-connect-rate", "100000", "--network-connect-burst", "100000",
         "--rate", "100000", "--burst", "100000"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(server.stdout.readline().strip().rsplit(":", 1)[-1])
        accounts = [f"user{i}" for i in range(20)]
        for name in ["alice"] + accounts:
            register(port, name)

        signins = []
        for _ in range(10):
            sock, f = connect(port)
            start = time.monotonic()
            send(sock, {"type": "hello", "name": "alice", "password": PASSWORD})
            until(f, "welcome")
            signins.append((time.monotonic() - start) * 1000)
            send(sock, {"type": "quit"})
            sock.close()
        print(f"one sign-in (hello with password to welcome), 10 in a row: "
              f"median {statistics.median(signins):.1f} ms, min {min(signins):.1f} ms")

        conditions = [
            ("idle", []),
            ("one-ip", [("127.0.0.1", "alice")] * 100),
            ("many-ips", [(f"127.0.1.{i + 1}", accounts[i % 20]) for i in range(100)]),
        ]
        print(f"{'condition':<10} {'deliveries':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
              "  attempts answered")
        for name, attack in conditions:
            times, outcomes = measure(port, args.seconds, attack)
            answered = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "-"
            print(f"{name:<10} {len(times):>10} {percentile(times, 0.5):>8.2f} "
                  f"{percentile(times, 0.99):>8.2f} {max(times):>8.2f}  {answered}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
