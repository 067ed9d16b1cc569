#include "serverlog.h"

#include <cerrno>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "natter.server")

namespace {

void writeToStderr(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray line = (qFormatLogMessage(type, context, message) + u'\n').toLocal8Bit();
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

} // namespace

void installServerLogHandler()
{
    qInstallMessageHandler(writeToStderr);
}
