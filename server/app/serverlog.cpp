#include "serverlog.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServer, "natter.server")

namespace {

void writeLine(const QByteArray &line)
{
    qsizetype written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(
            STDERR_FILENO, line.constData() + written, std::size_t(line.size() - written));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; // nowhere to report it
        }
        written += n;
    }
}

void writeText(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    writeLine((qFormatLogMessage(type, context, message) + u'\n').toLocal8Bit());
}

void writeJson(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    static const char *const levels[] = {"debug", "warning", "error", "fatal", "info"};
    const QJsonObject entry{
        {u"ts"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {u"level"_s, QLatin1StringView(levels[type])},
        {u"category"_s, QLatin1StringView(context.category ? context.category : "default")},
        {u"message"_s, message},
    };
    writeLine(QJsonDocument(entry).toJson(QJsonDocument::Compact) + '\n');
}

} // namespace

void installServerLogHandler(bool json)
{
    qInstallMessageHandler(json ? writeJson : writeText);
}
