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
    auto *tls = qobject_cast<QSslSocket *>(socket);
    const auto halfCloseWhenDrained = [socket, tls] {
        const bool drained
            = socket->bytesToWrite() == 0 && (!tls || tls->encryptedBytesToWrite() == 0);
        if (drained && socket->state() == QAbstractSocket::ConnectedState) {
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
        }
    };
    QObject::connect(socket, &QTcpSocket::readyRead, socket, discardInput);
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, halfCloseWhenDrained);
    if (tls) {
        QObject::connect(tls, &QSslSocket::encryptedBytesWritten, tls, halfCloseWhenDrained);
    }
    QTimer::singleShot(grace, socket, &QTcpSocket::abort);
    discardInput();
    halfCloseWhenDrained();
}
