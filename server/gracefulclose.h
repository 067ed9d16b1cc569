#pragma once

#include <chrono>

class QTcpSocket;

// Closes a connection without losing the last frames written to it (an error and a bye).
//
// Closing a socket that still holds unread input makes the kernel answer with a reset, and a
// reset may destroy the peer's copy of our final frames before it reads them. So, like nginx's
// lingering close: stop writing once the output has drained (a half-close, which the peer reads
// as end of stream), read and discard whatever the peer still sends until it closes too, and
// abort after `grace` whatever happens. The socket emits disconnected() when it is over.
void closeGracefully(QTcpSocket *socket, std::chrono::milliseconds grace);
