#!/usr/bin/env bash
# Takes the README's screenshots of the real client under Xvfb: a server, a few scripted
# people chatting, and `natter` connected to it. Writes docs/screenshots/{chat,quiz,time}.png.
# Needs the build (scripts/build.sh) and installs its own tools (Xvfb, openbox, xdotool,
# imagemagick, an emoji font).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh xvfb xauth openbox xdotool imagemagick fonts-noto-color-emoji fonts-dejavu-core
scripts/build.sh default >/dev/null

port=19990
out=docs/screenshots
mkdir -p "$out"
export DISPLAY=:77 XDG_CONFIG_HOME
XDG_CONFIG_HOME=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT

Xvfb "$DISPLAY" -screen 0 1280x860x24 >/dev/null 2>&1 & pids+=($!)
sleep 1
openbox >/dev/null 2>&1 & pids+=($!)
# Yesterday's conversation, so the shots show history and a date line: the server makes the
# database, then the messages go in while it is stopped.
db=$(mktemp -d)/natter.db
build/default/server/natter-server --port 0 --db "$db" >/dev/null 2>&1 & server=$!
sleep 1; kill $server; wait $server || true
python3 - "$db" <<'PY'
import sqlite3, sys, time
yesterday = (int(time.time()) - 86400) * 1000
lines = [("bob", "Morning! Is the retro still on for tomorrow?"),
         ("carol", "Yes, 10:00 in the big room."),
         ("dave", "I'll bring the sticky notes.")]
with sqlite3.connect(sys.argv[1]) as db:
    for i, (name, text) in enumerate(lines, 1):
        db.execute("INSERT INTO messages (id, sender, text, ts) VALUES (?, ?, ?, ?)",
                   (i, name, text, yesterday + i * 60000))
PY
build/default/server/natter-server --bind 127.0.0.1 --port $port --quiz-seed 11 --db "$db" \
    >/dev/null 2>&1 & pids+=($!)
sleep 0.5

# Three people who were there first; the quiz players put scores on the leaderboard.
python3 scripts/screenshot_peers.py $port & pids+=($!)
sleep 1.5
build/default/client/natter --host 127.0.0.1 --port $port --name alice & pids+=($!)
sleep 1.5
window=$(xdotool search --sync --onlyvisible --class natter | tail -1)
xdotool windowsize "$window" 980 640 windowmove "$window" 40 40
sleep 6 # the peers' conversation plays out

shot() { import -window "$window" -frame "$out/$1.png"; }
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
echo "screenshots in $out"
