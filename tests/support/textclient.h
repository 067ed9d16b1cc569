#pragma once

#include <QObject>
#include <QStringList>
#include <QTcpSocket>

// A person at nc, for tests: types lines on a real socket and collects the lines the server
// prints. The waits spin the event loop until the condition holds; the timeout bounds failure.
class TextClient : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultTimeoutMs = 10000;

    explicit TextClient(QObject *parent = nullptr);

    bool connectTo(quint16 port);
    void type(const QString &line);

    const QStringList &lines() const { return m_lines; }
    // Returns the first line after the last one returned that contains `text`, waiting for it
    // (an empty string on timeout).
    QString waitForLine(const QString &text, int timeoutMs = DefaultTimeoutMs);
    bool waitForDisconnected(int timeoutMs = DefaultTimeoutMs);
    QTcpSocket &socket() { return m_socket; }

private:
    void readLines();

    QTcpSocket m_socket;
    QByteArray m_buffer;
    QStringList m_lines;
    qsizetype m_consumed = 0;
};
