#include "textclient.h"

#include <QTest>

TextClient::TextClient(QObject *parent)
    : QObject(parent)
    , m_socket(this)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &TextClient::readLines);
}

bool TextClient::connectTo(quint16 port)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    return QTest::qWaitFor(
        [this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, DefaultTimeoutMs);
}

void TextClient::type(const QString &line)
{
    m_socket.write(line.toUtf8() + '\n');
    m_socket.flush();
}

QString TextClient::waitForLine(const QString &text, int timeoutMs)
{
    qsizetype found = -1;
    const bool ok = QTest::qWaitFor(
        [&] {
            for (qsizetype i = m_consumed; i < m_lines.size(); ++i) {
                if (m_lines.at(i).contains(text)) {
                    found = i;
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
    if (!ok) {
        qWarning() << "no line with" << text << "; got" << m_lines.mid(m_consumed);
        return {};
    }
    m_consumed = found + 1;
    return m_lines.at(found);
}

bool TextClient::waitForDisconnected(int timeoutMs)
{
    return QTest::qWaitFor(
        [this] { return m_socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
}

void TextClient::readLines()
{
    m_buffer.append(m_socket.readAll());
    qsizetype start = 0;
    qsizetype newline = 0;
    while ((newline = m_buffer.indexOf('\n', start)) >= 0) {
        m_lines.append(QString::fromUtf8(m_buffer.mid(start, newline - start)));
        start = newline + 1;
    }
    m_buffer.remove(0, start);
}
