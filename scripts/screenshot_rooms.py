"""Scripted people for scripts/screenshots.sh rooms: `setup` makes alice an account in a few
rooms (one private, with a topic); `talk` has bob, carol and dave join them and talk while alice
looks at general, so her sidebar shows unread rooms, a mention and a private message."""
import json
import socket
import sys
import time

port = int(sys.argv[1])


class Person:
    def __init__(self, name, password=None):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("r", encoding="utf-8")
        self.send(type="hello", name=name)
        self.wait("welcome")
        if password:
            self.send(type="register", password=password)
            self.wait("registered")

    def send(self, **frame):
        self.s.sendall((json.dumps(frame) + "\n").encode())

    def wait(self, kind):
        for line in self.f:
            frame = json.loads(line)
            if frame["type"] in (kind, "error"):
                return frame


if sys.argv[2] == "setup":
    alice = Person("alice", "alice's password")
    for room in ("dev", "design", "random"):
        alice.send(type="join", room=room)
        alice.wait("room")
    alice.send(type="topic", room="dev", topic="builds, reviews and releases")
    alice.send(type="create", room="ops", private=True, topic="on call this week: alice")
    alice.wait("room")
    alice.send(type="topic", room="general", topic="everything else")
    alice.send(type="quit")
    alice.wait("bye")
    sys.exit(0)

bob, carol, dave = Person("bob"), Person("carol"), Person("dave")
for who, rooms in ((bob, ("dev", "random")), (carol, ("dev", "design")), (dave, ("dev",))):
    for room in rooms:
        who.send(type="join", room=room)
        who.wait("room")
time.sleep(float(sys.argv[3]))  # alice arrives
lines = [
    (bob, "general", "morning everyone!"),
    (carol, "general", "hi bob 👋"),
    (bob, "dev", "the nightly build is green again"),
    (dave, "dev", "nice, the flaky resume test was a real race after all"),
    (carol, "dev", "alice, can you tag 0.2 once the release notes are in?"),
    (carol, "design", "new icons are up for review"),
    (carol, "design", "dark mode too"),
    (bob, "random", "who took the last coffee?"),
]
for who, room, text in lines:
    who.send(type="say", room=room, text=text)
    time.sleep(0.3)
carol.send(type="dm", to="alice", text="can you review my patch before the retro?")
time.sleep(60)
