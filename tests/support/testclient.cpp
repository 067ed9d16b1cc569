#include "testclient.h"

#include "framecodec.h"
#include "frames.h"

#include <QTest>

using namespace Qt::StringLiterals;

TestClient::TestClient(QObject *parent)
    : QObject(parent)
    , m_socket(this)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &TestClient::readLines);
}

bool TestClient::connectTo(quint16 port, const QHostAddress &host)
{
    m_socket.connectToHost(host, port);
    return QTest::qWaitFor([this] { return isConnected(); }, DefaultTimeoutMs);
}

bool TestClient::join(quint16 port, const QString &name)
{
    if (!isConnected() && !connectTo(port)) {
        return false;
    }
    send(Frames::hello(name));
    return waitForFrames(u"welcome"_s, 1);
}

void TestClient::send(const QJsonObject &frame)
{
    sendRaw(FrameCodec::encode(frame));
}

void TestClient::sendRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

QList<QJsonObject> TestClient::framesOfType(const QString &type) const
{
    QList<QJsonObject> result;
    for (const QJsonObject &frame : m_frames) {
        if (frame.value("type"_L1).toString() == type) {
            result.append(frame);
        }
    }
    return result;
}

QJsonObject TestClient::lastOfType(const QString &type) const
{
    const QList<QJsonObject> matching = framesOfType(type);
    return matching.isEmpty() ? QJsonObject() : matching.last();
}

bool TestClient::waitForFrames(const QString &type, qsizetype count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return countOfType(type) >= count; }, timeoutMs);
}

QJsonObject TestClient::waitForNext(const QString &type, int timeoutMs)
{
    const qsizetype index = m_consumed.value(type);
    if (!waitForFrames(type, index + 1, timeoutMs)) {
        return {};
    }
    m_consumed[type] = index + 1;
    return framesOfType(type).at(index);
}

bool TestClient::waitForDisconnected(int timeoutMs)
{
    return QTest::qWaitFor(
        [this] { return m_socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
}

void TestClient::readLines()
{
    m_buffer.append(m_socket.readAll());
    qsizetype start = 0;
    qsizetype newline = 0;
    while ((newline = m_buffer.indexOf('\n', start)) >= 0) {
        const QByteArray line = m_buffer.mid(start, newline - start);
        start = newline + 1;
        const FrameCodec::Decoded decoded = FrameCodec::decode(line);
        if (decoded.isValid()) {
            m_frames.append(decoded.frame);
            emit frameReceived(decoded.frame);
        } else {
            m_badLines.append(line);
        }
    }
    m_buffer.remove(0, start);
}
