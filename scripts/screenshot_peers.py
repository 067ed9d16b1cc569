"""Scripted people for scripts/screenshots.sh: joins the chat as bob, carol and dave, has a
short conversation, sends alice a private message, and plays quizzes for the leaderboard."""
import json
import socket
import sys
import time

port = int(sys.argv[1])


def connect(name):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall((json.dumps({"type": "hello", "name": name}) + "\n").encode())
    return s


def send(s, **frame):
    s.sendall((json.dumps(frame) + "\n").encode())


def play_quiz(s, wrong):
    """Answers every question, getting `wrong` of them wrong."""
    f = s.makefile("r", encoding="utf-8")
    send(s, type="quiz_start")
    asked = 0
    for line in f:
        frame = json.loads(line)
        if frame["type"] == "quiz_question":
            a, b, op = frame["a"], frame["b"], frame["op"]
            answer = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[op]
            asked += 1
            time.sleep(0.05)
            send(s, type="quiz_answer", n=frame["n"], answer=answer + (1 if asked <= wrong else 0))
        elif frame["type"] == "quiz_finished":
            return


bob, carol, dave = connect("bob"), connect("carol"), connect("dave")
time.sleep(0.3)
play_quiz(dave, 1)
play_quiz(carol, 3)
time.sleep(2.5)  # alice arrives
lines = [
    (bob, "morning everyone!"),
    (carol, "hi bob, hi alice 👋"),
    (bob, "the release notes are up at https://natter.example.org/releases/0.1"),
    (bob, "retro at 3pm in the small room, bring your questions"),
    (dave, "I'll be 5 minutes late, the build is still running. Long story: the integration "
           "suite now starts a real server for every test, which is exactly what we wanted."),
]
for who, text in lines:
    send(who, type="say", text=text)
    time.sleep(0.5)
send(carol, type="dm", to="alice", text="can you review my patch before the retro?")
time.sleep(60)
