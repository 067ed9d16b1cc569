#include "serverconfig.h"

#include <QCommandLineParser>

using namespace Qt::StringLiterals;

namespace {

// Parses a whole number in [min, max]; the option's name goes into the error message.
std::optional<qint64> parseNumber(const QString &text, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::variant<ServerConfig, ServerConfig::Exit> ServerConfig::fromArguments(
    const QStringList &arguments)
{
    ServerConfig config;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Natter chat server: relays chat and private messages between clients speaking "
        "newline-delimited JSON (see docs/PROTOCOL.md)."_s);
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption bind(
        {u"b"_s, u"bind"_s}, u"Address to listen on (default: all interfaces)."_s, u"address"_s);
    const QCommandLineOption port({u"p"_s, u"port"_s},
        u"TCP port (default: %1; 0 picks a free port)."_s.arg(Protocol::DefaultPort), u"port"_s);
    const QCommandLineOption maxClients(u"max-clients"_s,
        u"Most connections served at once; more are refused with server_full (default: %1)."_s.arg(
            config.maxClients),
        u"count"_s);
    const QCommandLineOption maxFrame(u"max-frame"_s,
        u"Largest frame in bytes; a longer line closes the connection (default: %1)."_s.arg(
            config.maxFrameBytes),
        u"bytes"_s);
    const QCommandLineOption maxPending(u"max-pending"_s,
        u"Most bytes queued for a client that is not reading; past it the client is "
        "disconnected as a slow consumer (default: %1)."_s.arg(config.maxPendingBytes),
        u"bytes"_s);
    const QCommandLineOption motd(
        u"motd"_s, u"Greeting sent in each welcome; {name} becomes the user's name."_s, u"text"_s);
    const QCommandLineOption quizSeed(u"quiz-seed"_s,
        u"Seed for the quiz questions: every quiz asks the same ones (for tests and demos)."_s,
        u"number"_s);
    parser.addOptions({bind, port, maxClients, maxFrame, maxPending, motd, quizSeed});

    const auto usageError = [&parser](const QString &message) {
        return Exit{message + u"\n\n"_s + parser.helpText(), 2};
    };

    if (!parser.parse(arguments)) {
        return usageError(parser.errorText());
    }
    if (parser.isSet(help)) {
        return Exit{parser.helpText(), 0};
    }
    if (parser.isSet(version)) {
        return Exit{u"natter-server %1 (protocol %2)\n"_s.arg(QLatin1StringView(NATTER_VERSION))
                        .arg(Protocol::Version),
            0};
    }
    if (!parser.positionalArguments().isEmpty()) {
        return usageError(u"Unexpected argument: %1"_s.arg(parser.positionalArguments().first()));
    }
    if (parser.isSet(bind)) {
        const QString text = parser.value(bind);
        if (text == "localhost"_L1) {
            config.bindAddress = QHostAddress::LocalHost;
        } else if (!config.bindAddress.setAddress(text)) {
            return usageError(u"--bind needs an IP address, not \"%1\""_s.arg(text));
        }
    }
    if (parser.isSet(port)) {
        const auto value = parseNumber(parser.value(port), 0, 65535);
        if (!value) {
            return usageError(u"--port needs a number from 0 to 65535"_s);
        }
        config.port = quint16(*value);
    }
    if (parser.isSet(maxClients)) {
        const auto value = parseNumber(parser.value(maxClients), 1, 1'000'000);
        if (!value) {
            return usageError(u"--max-clients needs a number from 1 to 1000000"_s);
        }
        config.maxClients = int(*value);
    }
    if (parser.isSet(maxFrame)) {
        const auto value = parseNumber(parser.value(maxFrame), 256, 64 * 1024 * 1024);
        if (!value) {
            return usageError(u"--max-frame needs a number of bytes from 256 to 67108864"_s);
        }
        config.maxFrameBytes = *value;
    }
    if (parser.isSet(maxPending)) {
        const auto value = parseNumber(parser.value(maxPending), 64 * 1024, 1LL << 32);
        if (!value) {
            return usageError(u"--max-pending needs a number of bytes from 65536 to 4294967296"_s);
        }
        config.maxPendingBytes = *value;
    }
    if (parser.isSet(quizSeed)) {
        const auto value = parseNumber(parser.value(quizSeed), 0, 0xffffffffLL);
        if (!value) {
            return usageError(u"--quiz-seed needs a number from 0 to 4294967295"_s);
        }
        config.quizSeed = quint32(*value);
    }
    if (parser.isSet(motd)) {
        config.motd = parser.value(motd);
    }
    return config;
}
