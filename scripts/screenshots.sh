#!/usr/bin/env bash
# Takes the README's screenshots of the real client under Xvfb: a server, a few scripted
# people chatting, and `natter` connected to it. Writes docs/screenshots/{chat,quiz,time}.png
# and, for accounts, connect-dialog.png (a sign-in refused), account-menu.png and
# change-password.png; for rooms, rooms.png (unread rooms, a mention, a private message),
# direct.png (a private conversation) and join-room.png.
# Usage: scripts/screenshots.sh [all|chat|accounts|rooms]   (default: all)
# Needs the build (scripts/build.sh; NATTER_BUILD=build/<dir> uses that one instead of building
# build/default) and installs its own tools (Xvfb, openbox, xdotool, imagemagick, an emoji font).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
case $mode in all | chat | accounts | rooms) ;;
*) echo "usage: $0 [all|chat|accounts|rooms]" >&2; exit 2 ;;
esac
scripts/deps.sh xvfb xauth openbox xdotool x11-utils imagemagick fonts-noto-color-emoji \
    fonts-dejavu-core
build=${NATTER_BUILD:-build/default}
if [ -z "${NATTER_BUILD:-}" ]; then
    scripts/build.sh default >/dev/null
fi

port=19990
out=docs/screenshots
mkdir -p "$out"
# No session bus: the client keeps sign-ins in its file, and the dialog says so. The data and
# settings folders are fresh, so nothing is kept yet.
export DISPLAY=:77 XDG_CONFIG_HOME XDG_DATA_HOME DBUS_SESSION_BUS_ADDRESS=disabled:
XDG_CONFIG_HOME=$(mktemp -d)
XDG_DATA_HOME=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT

Xvfb "$DISPLAY" -screen 0 1280x860x24 >/dev/null 2>&1 & pids+=($!)
sleep 1
openbox >/dev/null 2>&1 & pids+=($!)
# Yesterday's conversation, so the shots show history and a date line: the server makes the
# database, then the messages go in while it is stopped.
db=$(mktemp -d)/natter.db
"$build"/server/natter-server --port 0 --db "$db" >/dev/null 2>&1 & server=$!
sleep 1; kill $server; wait $server || true
python3 - "$db" <<'PY'
import sqlite3, sys, time
yesterday = (int(time.time()) - 86400) * 1000
lines = [("bob", "Morning! Is the retro still on for tomorrow?"),
         ("carol", "Yes, 10:00 in the big room."),
         ("dave", "I'll bring the sticky notes.")]
with sqlite3.connect(sys.argv[1]) as db:
    for i, (name, text) in enumerate(lines, 1):
        db.execute("INSERT INTO messages (id, sender, text, ts, room) VALUES (?, ?, ?, ?, ?)",
                   (i, name, text, yesterday + i * 60000, "general"))
PY
"$build"/server/natter-server --bind 127.0.0.1 --port $port --quiz-seed 11 --db "$db" \
    >/dev/null 2>&1 & pids+=($!)
sleep 0.5

# A window with its frame and whatever is open over it, such as a menu (a grab of the window
# alone has a black hole there): that part of the screen.
shot_area() {
    local x y w h
    read -r x y w h < <(xwininfo -frame -id "$2" | awk '/Absolute upper-left X/ {x = $4}
        /Absolute upper-left Y/ {y = $4} /Width:/ {w = $2} /Height:/ {h = $2}
        END {print x, y, w, h}')
    import -window root -crop "${w}x${h}+${x}+${y}" +repage "$out/$1.png"
}

# The main window ($window), with its frame.
shot() { import -window "$window" -frame "$out/$1.png"; }

if [ "$mode" = all ] || [ "$mode" = chat ]; then

# Three people who were there first; the quiz players put scores on the leaderboard.
python3 scripts/screenshot_peers.py $port & pids+=($!)
peers=$!
sleep 1.5
"$build"/client/natter --host 127.0.0.1 --port $port --name alice & pids+=($!)
alice=$!
sleep 1.5
window=$(xdotool search --sync --onlyvisible --class natter | tail -1)
xdotool windowsize "$window" 980 640 windowmove "$window" 40 40
sleep 6 # the peers' conversation plays out

xdotool windowactivate --sync "$window"
xdotool type --delay 40 "Sounds good, see you all at the retro"
xdotool key Return
sleep 0.3
xdotool key alt+m # Smile
sleep 1
shot chat

xdotool key ctrl+2
sleep 0.5
xdotool key alt+s # Start quiz: 3-2-1, then questions
sleep 4.5
for answer in 7 12 3; do
    xdotool type --delay 60 "$answer"; xdotool key Return; sleep 0.6
done
shot quiz

xdotool key ctrl+3
sleep 0.5
xdotool key alt+i # Time
sleep 1
shot time
kill $alice $peers # their names are free again for the other scenes
sleep 0.5
fi

if [ "$mode" = all ] || [ "$mode" = accounts ]; then
# erin has an account; her password is "erin's password".
python3 - $port <<'PY'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("r", encoding="utf-8")
def send(**frame):
    s.sendall((json.dumps(frame) + "\n").encode())
def wait(kind):
    for line in f:
        frame = json.loads(line)
        if frame["type"] in (kind, "error"):
            return frame
send(type="hello", name="erin")
wait("welcome")
send(type="register", password="erin's password")
assert wait("registered")["type"] == "registered"
send(type="quit")
PY
# The first start of the client: nothing is kept, so it asks (the name comes from $USER).
# Its own home, so the file it keeps the sign-in in shows where it would be.
erin_home=$(mktemp -d)
HOME=$erin_home XDG_DATA_HOME=$erin_home/.local/share USER=erin \
    "$build"/client/natter --host 127.0.0.1 --port $port & pids+=($!)
dialog=$(xdotool search --sync --onlyvisible --name "Connect to Natter" | tail -1)
xdotool windowmove "$dialog" 120 100
sleep 0.5
xdotool windowactivate --sync "$dialog"
xdotool type --delay 30 "erin's pasword" # a typo
xdotool key Return
sleep 1.5
import -window "$dialog" -frame "$out/connect-dialog.png"

xdotool type --delay 30 "erin's password"
xdotool key Return
sleep 1.5
window=$(xdotool search --sync --onlyvisible --class natter | tail -1)
xdotool windowsize "$window" 980 640 windowmove "$window" 40 40
sleep 1
xdotool windowactivate --sync "$window"
xdotool key alt+o # the Account menu
sleep 0.8
shot_area account-menu "$window"

xdotool key p # Change &password… (Sign out is one below it)
sleep 0.8
password=$(xdotool search --sync --onlyvisible --name "Change password" | tail -1)
xdotool type --delay 20 "erin's password"
xdotool key Tab
xdotool type --delay 20 "a new password"
xdotool key Tab
xdotool type --delay 20 "a new pasword"
xdotool key Return
sleep 0.8
import -window "$password" -frame "$out/change-password.png"
xdotool key Escape
fi

if [ "$mode" = all ] || [ "$mode" = rooms ]; then
python3 scripts/screenshot_rooms.py $port setup
python3 scripts/screenshot_rooms.py $port talk 5 & pids+=($!)
alice_home=$(mktemp -d)
HOME=$alice_home XDG_DATA_HOME=$alice_home/.local/share XDG_CONFIG_HOME=$alice_home/.config \
    USER=alice "$build"/client/natter --host 127.0.0.1 --port $port & pids+=($!)
dialog=$(xdotool search --sync --onlyvisible --name "Connect to Natter" | tail -1)
sleep 0.5
xdotool windowactivate --sync "$dialog"
xdotool type --delay 20 "alice's password"
xdotool key Return
sleep 1.5
window=$(xdotool search --sync --onlyvisible --class natter | tail -1)
xdotool windowsize "$window" 1000 640 windowmove "$window" 40 40
xdotool windowactivate --sync "$window"
sleep 6 # the others talk in general, dev, design and random; carol writes to alice
shot rooms

xdotool type --delay 30 "/msg carol"
xdotool key Return
sleep 1
xdotool type --delay 30 "sure, after lunch"
xdotool key Return
sleep 1
shot direct

xdotool key ctrl+j
sleep 1.2
join=$(xdotool search --sync --onlyvisible --name "Join a room" | tail -1)
import -window "$join" -frame "$out/join-room.png"
xdotool key Escape
fi
echo "screenshots in $out"
