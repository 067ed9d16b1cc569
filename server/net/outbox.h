#pragma once

#include <QByteArray>
#include <QList>

#include <functional>
#include <memory>
#include <mutex>

class FanOutLane;
class SocketWriter;

// Where the room puts the encoded frames bound for one client. The bytes are shared
// (QByteArray is implicitly shared), never copied.
//
// A client that takes the frames as they are (JSON over plain TCP) has them queued straight on
// its socket's SocketWriter, and a fan-out lane sends them: its own thread is never woken for
// a broadcast. Any other client (plain text renders every frame; TLS encrypts in its own
// thread) has them kept here, and its session drains them in its own thread; only the push
// that finds the box empty wakes it, so one wake-up carries every frame queued until the
// session runs.
class Outbox
{
public:
    explicit Outbox(std::function<void()> wake);

    // The owner, before the room knows this outbox: frames go to writer, sent by lane.
    void sendThrough(std::shared_ptr<SocketWriter> writer, FanOutLane *lane);
    // Any thread (the room, under its lock). An empty frame is a marker only the session
    // understands: it and everything after it go to the session from then on.
    void push(const QList<QByteArray> &frames);
    // The session: what was kept for it.
    QList<QByteArray> takeAll();

private:
    std::function<void()> m_wake;
    std::mutex m_mutex;
    QList<QByteArray> m_frames;
    std::shared_ptr<SocketWriter> m_writer; // set: frames go straight to the socket
    FanOutLane *m_lane = nullptr;
};
