#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTcpSocket>

// A protocol client for tests: a real QTcpSocket on loopback that records every frame the
// server sends. The wait helpers spin the event loop until a condition holds (the way
// QTRY_COMPARE does) and return as soon as it does; the timeout only bounds a failure.
class TestClient : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultTimeoutMs = 10000;

    explicit TestClient(QObject *parent = nullptr);

    bool connectTo(quint16 port, const QHostAddress &host = QHostAddress::LocalHost);
    // Connects and registers; true once the welcome arrived.
    bool join(quint16 port, const QString &name);

    void send(const QJsonObject &frame);
    void sendRaw(const QByteArray &bytes);

    // All frames received so far, in order.
    const QList<QJsonObject> &frames() const { return m_frames; }
    QList<QJsonObject> framesOfType(const QString &type) const;
    qsizetype countOfType(const QString &type) const { return framesOfType(type).size(); }
    QJsonObject lastOfType(const QString &type) const;
    // Lines that were not valid frames (there should be none).
    const QList<QByteArray> &badLines() const { return m_badLines; }

    bool waitForFrames(const QString &type, qsizetype count, int timeoutMs = DefaultTimeoutMs);
    // Reads frames of one type in order: returns the first one not yet returned by this call,
    // waiting for it to arrive if needed (an empty object on timeout).
    QJsonObject waitForNext(const QString &type, int timeoutMs = DefaultTimeoutMs);
    bool waitForDisconnected(int timeoutMs = DefaultTimeoutMs);

    QTcpSocket &socket() { return m_socket; }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }

signals:
    void frameReceived(const QJsonObject &frame);

private:
    void readLines();

    QTcpSocket m_socket;
    QByteArray m_buffer;
    QList<QJsonObject> m_frames;
    QList<QByteArray> m_badLines;
    QHash<QString, qsizetype> m_consumed; // per type: how many waitForNext has returned
};
