#include "gracefulclose.h"

#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

void closeGracefully(QTcpSocket *socket, std::chrono::milliseconds grace)
{
    const auto discardInput = [socket] {
        socket->skip(socket->bytesAvailable());
    };
    const auto halfCloseWhenDrained = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState) {
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
        }
    };
    QObject::connect(socket, &QTcpSocket::readyRead, socket, discardInput);
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, halfCloseWhenDrained);
    QTimer::singleShot(grace, socket, &QTcpSocket::abort);
    discardInput();
    halfCloseWhenDrained();
}
