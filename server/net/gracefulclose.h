#pragma once

#include <QtGlobal>

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

// Bytes written to the socket that the peer has not taken yet. Over TLS, bytesToWrite() only
// counts what is not yet encrypted; the rest waits in the encrypted buffer.
qint64 unsentBytes(const QTcpSocket *socket);
