// natter-soak: holds hundreds of clients on a real natter-server for minutes, chatting, joining
// and leaving at random, with misbehaving clients mixed in (garbage, floods, clients that never
// read, abrupt disconnects). At the end it checks that every well-behaved client that stayed
// the whole time received every message the other stayers sent, that all of them saw all
// messages in one and the same order, and how the server's memory compares with its baseline.
//
//   natter-soak [--clients 200] [--misbehaving 20] [--seconds 120] [--server PATH]
//
// Results of a run are written up in docs/SOAK.md. Exit status 0 when every check holds.

#include "framecodec.h"
#include "framereader.h"
#include "frames.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

QRandomGenerator &random()
{
    static QRandomGenerator generator(20261121);
    return generator;
}

qint64 residentKiB(qint64 pid)
{
    QFile status(u"/proc/%1/status"_s.arg(pid));
    if (!status.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QRegularExpression rss(uR"(VmRSS:\s+(\d+) kB)"_s);
    const QRegularExpressionMatch match = rss.match(QString::fromLatin1(status.readAll()));
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

// One well-behaved chat client. Stayers connect once and never leave; churners leave (politely
// or not) and come back under a new name.
class Chatter : public QObject
{
public:
    Chatter(quint16 port, QString name, bool stayer)
        : m_port(port)
        , m_name(std::move(name))
        , m_stayer(stayer)
    {
        connect(&m_socket, &QTcpSocket::connected, this, [this] { send(Frames::hello(m_name)); });
        connect(&m_socket, &QTcpSocket::readyRead, this, &Chatter::read);
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] { m_online = false; });
        m_talk.setSingleShot(true);
        connect(&m_talk, &QTimer::timeout, this, &Chatter::act);
        m_socket.connectToHost(QHostAddress::LocalHost, m_port);
    }

    void setTalking(bool talking)
    {
        m_talking = talking;
        if (talking) {
            m_talk.start(int(random().bounded(500, 4000)));
        } else {
            m_talk.stop();
        }
    }
    void say(const QString &text)
    {
        send(Frames::say(text));
        m_sent.append(text);
    }

    bool online() const { return m_online; }
    bool stayer() const { return m_stayer; }
    const QStringList &sent() const { return m_sent; }
    const QList<qint64> &ids() const { return m_ids; }
    const QStringList &texts() const { return m_texts; }
    int errors() const { return m_errors; }
    bool sawText(const QString &text) const { return m_texts.contains(text); }

private:
    void send(const QJsonObject &frame) { m_socket.write(FrameCodec::encode(frame)); }

    void read()
    {
        m_reader.append(m_socket.readAll());
        while (const auto line = m_reader.nextLine()) {
            const QJsonObject frame = FrameCodec::decode(*line).frame;
            const QString type = frame.value("type"_L1).toString();
            if (type == "welcome"_L1) {
                m_online = true;
            } else if (type == "message"_L1) {
                m_ids.append(frame.value("id"_L1).toInteger());
                m_texts.append(frame.value("text"_L1).toString());
            } else if (type == "ping"_L1) {
                send(Frames::pong());
            } else if (type == "error"_L1) {
                ++m_errors;
            }
        }
    }

    void act()
    {
        if (!m_talking) {
            return;
        }
        if (m_online) {
            say(u"%1 #%2"_s.arg(m_name).arg(m_sent.size()));
        }
        if (!m_stayer && m_online && random().bounded(8) == 0) {
            // Leave (half politely, half abruptly) and come back later as someone new.
            if (random().bounded(2) == 0) {
                send(Frames::quit());
                m_socket.disconnectFromHost();
            } else {
                m_socket.abort();
            }
            m_online = false;
            m_name = m_name.section(u'~', 0, 0) + u'~' + QString::number(++m_generation);
            QTimer::singleShot(int(random().bounded(200, 2000)), this, [this] {
                m_reader = FrameReader(16 * 1024 * 1024);
                m_socket.connectToHost(QHostAddress::LocalHost, m_port);
            });
        }
        m_talk.start(int(random().bounded(500, 4000)));
    }

    QTcpSocket m_socket{this};
    FrameReader m_reader{16 * 1024 * 1024};
    QTimer m_talk{this};
    quint16 m_port = 0;
    QString m_name;
    bool m_stayer = false;
    bool m_online = false;
    bool m_talking = false;
    int m_generation = 0;
    int m_errors = 0;
    QStringList m_sent;
    QList<qint64> m_ids;
    QStringList m_texts;
};

// One misbehaving client, of a kind picked by its number.
class Troublemaker : public QObject
{
public:
    enum Kind { Garbage, Flooder, NonReader, Vanisher, KindCount };

    Troublemaker(quint16 port, int number)
        : m_port(port)
        , m_kind(Kind(number % KindCount))
        , m_name(u"trouble%1"_s.arg(number))
    {
        connect(&m_timer, &QTimer::timeout, this, &Troublemaker::act);
        start();
    }

private:
    void start()
    {
        m_socket = std::make_unique<QTcpSocket>();
        if (m_kind == NonReader) {
            m_socket->setReadBufferSize(1); // takes almost nothing off the wire
        } else {
            connect(m_socket.get(), &QTcpSocket::readyRead, this, [this] { m_socket->readAll(); });
        }
        connect(m_socket.get(), &QTcpSocket::disconnected, this, [this] {
            QTimer::singleShot(1000, this, [this] { start(); }); // back for more
        });
        m_socket->connectToHost(QHostAddress::LocalHost, m_port);
        m_socket->write(
            FrameCodec::encode(Frames::hello(m_name + u'x' + QString::number(++m_round))));
        m_timer.start(m_kind == Flooder ? 5 : 300);
    }

    void act()
    {
        if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState) {
            return;
        }
        switch (m_kind) {
        case Garbage: {
            QByteArray junk(int(random().bounded(1, 300)), Qt::Uninitialized);
            for (char &byte : junk) {
                byte = char(random().bounded(256));
            }
            m_socket->write(junk + '\n');
            break;
        }
        case Flooder:
            m_socket->write(FrameCodec::encode(Frames::say(u"flood flood flood"_s)));
            break;
        case NonReader:
            m_socket->write(FrameCodec::encode(Frames::echo(QString(2000, u'e'))));
            break;
        case Vanisher:
            m_socket->write(R"({"type":"say","text":"half a fra)");
            m_socket->abort();
            QTimer::singleShot(500, this, [this] { start(); });
            break;
        default:
            break;
        }
    }

    quint16 m_port = 0;
    Kind m_kind = Garbage;
    QString m_name;
    int m_round = 0;
    std::unique_ptr<QTcpSocket> m_socket;
    QTimer m_timer{this};
};

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > timeoutMs) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Soak test for natter-server."_s);
    parser.addHelpOption();
    const QCommandLineOption clients(
        u"clients"_s, u"Well-behaved clients (200)."_s, u"n"_s, u"200"_s);
    const QCommandLineOption misbehaving(
        u"misbehaving"_s, u"Misbehaving clients (20)."_s, u"n"_s, u"20"_s);
    const QCommandLineOption seconds(u"seconds"_s, u"How long to chat (120)."_s, u"s"_s, u"120"_s);
    const QCommandLineOption serverPath(u"server"_s, u"The natter-server binary."_s, u"path"_s,
        QFileInfo(QCoreApplication::applicationDirPath() + u"/../../server/natter-server"_s)
            .absoluteFilePath());
    parser.addOptions({clients, misbehaving, seconds, serverPath});
    parser.process(app);
    const int clientCount = parser.value(clients).toInt();
    const int troubleCount = parser.value(misbehaving).toInt();
    const int runSeconds = parser.value(seconds).toInt();

    // The history goes to a throw-away file: the soak exercises the store too.
    QTemporaryDir dataDir;
    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.start(parser.value(serverPath),
        {u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, u"0"_s, u"--max-per-ip"_s, u"100000"_s,
            u"--max-per-network"_s, u"100000"_s, u"--connect-burst"_s, u"100000"_s,
            u"--network-connect-burst"_s, u"100000"_s, u"--max-clients"_s, u"100000"_s,
            u"--max-pending"_s, u"262144"_s, u"--db"_s, dataDir.filePath(u"soak.db"_s)});
    if (!server.waitForReadyRead(20000)) {
        std::fprintf(stderr, "natter-soak: the server did not start\n");
        return 2;
    }
    const quint16 port
        = quint16(QString::fromUtf8(server.readLine()).trimmed().section(u':', -1).toUInt());
    const qint64 pid = server.processId();
    waitUntil([] { return false; }, 500); // let it settle before the baseline
    const qint64 baselineKiB = residentKiB(pid);
    std::printf("server pid %lld on port %u, baseline RSS %lld KiB\n", pid, port, baselineKiB);

    std::vector<std::unique_ptr<Chatter>> chatters;
    for (int i = 0; i < clientCount; ++i) {
        chatters.push_back(std::make_unique<Chatter>(port, u"user%1"_s.arg(i), i % 2 == 0));
    }
    if (!waitUntil(
            [&] {
                return std::all_of(
                    chatters.begin(), chatters.end(), [](const auto &c) { return c->online(); });
            },
            60000)) {
        std::fprintf(stderr, "natter-soak: not every client registered\n");
        return 1;
    }
    std::printf(
        "%d clients registered (%d stay the whole run)\n", clientCount, (clientCount + 1) / 2);

    std::vector<std::unique_ptr<Troublemaker>> trouble;
    for (int i = 0; i < troubleCount; ++i) {
        trouble.push_back(std::make_unique<Troublemaker>(port, i));
    }
    // From here on, every stayer must see every message any stayer sends.
    const QString start = u"--- start ---"_s;
    chatters.front()->say(start);
    for (auto &chatter : chatters) {
        chatter->setTalking(true);
    }
    qint64 peakKiB = 0;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < runSeconds * 1000LL) {
        waitUntil([] { return false; }, 1000);
        peakKiB = std::max(peakKiB, residentKiB(pid));
        if (clock.elapsed() / 1000 % 10 == 0) {
            std::printf("%3llds: RSS %lld KiB\n", clock.elapsed() / 1000, residentKiB(pid));
            std::fflush(stdout);
        }
    }
    for (auto &chatter : chatters) {
        chatter->setTalking(false);
    }
    trouble.clear();
    // Messages from different connections have no order until the server gives them one: the
    // end marker goes out only once every stayer has seen its own last message come back.
    waitUntil(
        [&] {
            return std::all_of(chatters.begin(), chatters.end(), [](const auto &c) {
                return !c->stayer() || c->sent().isEmpty() || c->sawText(c->sent().last());
            });
        },
        60000);
    const QString end = u"--- end ---"_s;
    chatters.front()->say(end);
    const bool quiesced = waitUntil(
        [&] {
            return std::all_of(chatters.begin(), chatters.end(),
                [&](const auto &c) { return !c->stayer() || c->sawText(end); });
        },
        120000);

    // Checks.
    int failures = quiesced ? 0 : 1;
    if (!quiesced) {
        std::printf("FAIL: not every stayer received the end marker\n");
    }
    QStringList expected; // everything stayers sent between the markers
    for (const auto &chatter : chatters) {
        if (chatter->stayer()) {
            for (const QString &text : chatter->sent()) {
                if (text != start && text != end) {
                    expected.append(text);
                }
            }
        }
    }
    const Chatter *reference = nullptr;
    qint64 messages = 0;
    for (const auto &chatter : chatters) {
        if (!chatter->stayer()) {
            continue;
        }
        const qsizetype from = chatter->texts().indexOf(start);
        const qsizetype to = chatter->texts().indexOf(end);
        const QList<qint64> ids = chatter->ids().mid(from, to - from + 1);
        const QStringList texts = chatter->texts().mid(from, to - from + 1);
        if (!std::is_sorted(ids.begin(), ids.end())
            || std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
            std::printf("FAIL: ids out of order for a stayer\n");
            ++failures;
        }
        const QSet<QString> seen(texts.begin(), texts.end());
        for (const QString &text : expected) {
            if (!seen.contains(text)) {
                std::printf("FAIL: a stayer missed \"%s\"\n", qPrintable(text));
                ++failures;
                break;
            }
        }
        if (!reference) {
            reference = chatter.get();
            messages = ids.size();
        } else if (ids != reference->ids().mid(reference->texts().indexOf(start), ids.size())) {
            std::printf("FAIL: two stayers saw different orders\n");
            ++failures;
        }
    }

    // Everyone leaves. Part of the peak stays with the allocator and Qt's per-thread caches;
    // a leak would grow with every connection, so a second wave of the same size must leave
    // the server where the first one did.
    chatters.clear();
    waitUntil([] { return false; }, 5000);
    const qint64 finalKiB = residentKiB(pid);
    for (int i = 0; i < clientCount; ++i) {
        chatters.push_back(std::make_unique<Chatter>(port, u"wave%1"_s.arg(i), true));
    }
    waitUntil(
        [&] {
            return std::all_of(
                chatters.begin(), chatters.end(), [](const auto &c) { return c->online(); });
        },
        60000);
    for (auto &chatter : chatters) {
        chatter->setTalking(true);
    }
    waitUntil([] { return false; }, 15000);
    chatters.clear();
    waitUntil([] { return false; }, 5000);
    const qint64 secondKiB = residentKiB(pid);
    if (secondKiB > finalKiB + std::max<qint64>(2048, finalKiB / 20)) {
        std::printf(
            "FAIL: a second wave left %lld KiB more behind: a leak\n", secondKiB - finalKiB);
        ++failures;
    }
    std::printf("\n%d well-behaved clients (%d stayers), %d misbehaving, %d s\n", clientCount,
        (clientCount + 1) / 2, troubleCount, runSeconds);
    std::printf("messages between the markers, as every stayer saw them: %lld\n", messages);
    std::printf(
        "messages sent by stayers, all received by every stayer: %lld\n", qint64(expected.size()));
    std::printf("server RSS: baseline %lld KiB, peak %lld KiB, after everyone left %lld KiB, "
                "after a second wave of %d clients %lld KiB\n",
        baselineKiB, peakKiB, finalKiB, clientCount, secondKiB);
    server.terminate();
    server.waitForFinished(10000);
    std::printf("%s\n", failures == 0 ? "PASS" : "FAIL");
    return failures == 0 ? 0 : 1;
}
