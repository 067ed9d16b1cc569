#include "gracefulclose.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

void closeGracefully(QTcpSocket *socket, std::chrono::milliseconds grace)
{
    const auto discardInput = [socket] {
        socket->skip(socket->bytesAvailable());
    };
    const auto halfCloseWhenDrained = [socket] {
        if (unsentBytes(socket) == 0 && socket->state() == QAbstractSocket::ConnectedState) {
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
        }
    };
    QObject::connect(socket, &QTcpSocket::readyRead, socket, discardInput);
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, halfCloseWhenDrained);
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        QObject::connect(tls, &QSslSocket::encryptedBytesWritten, tls, halfCloseWhenDrained);
    }
    QTimer::singleShot(grace, socket, &QTcpSocket::abort);
    discardInput();
    halfCloseWhenDrained();
}

qint64 unsentBytes(const QTcpSocket *socket)
{
    qint64 unsent = socket->bytesToWrite();
    if (const auto *tls = qobject_cast<const QSslSocket *>(socket)) {
        unsent += tls->encryptedBytesToWrite();
    }
    return unsent;
}
