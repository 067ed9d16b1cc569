#include "systemdnotifier.h"

#include "serverlog.h"

#include <systemd/sd-daemon.h>

#include <ctime>

using namespace Qt::StringLiterals;

namespace {

// A status is one line of the notification; a line break in it would start another field.
QByteArray statusField(const QString &status)
{
    QString line = status;
    line.replace(u'\n', u' ');
    return "STATUS=" + line.toUtf8();
}

} // namespace

bool SystemdNotifier::isEnabled()
{
    return !qEnvironmentVariableIsEmpty("NOTIFY_SOCKET");
}

bool SystemdNotifier::ready(const QString &status)
{
    return notify("READY=1\n" + statusField(status));
}

bool SystemdNotifier::stopping()
{
    return notify("STOPPING=1\n" + statusField(u"closing connections"_s));
}

bool SystemdNotifier::reloading()
{
    // systemd 253's Type=notify-reload wants to know when the reload began, to tell this
    // notification from one of an earlier reload; older systemd ignores the field.
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const quint64 microseconds = quint64(now.tv_sec) * 1000000 + quint64(now.tv_nsec) / 1000;
    return notify("RELOADING=1\nMONOTONIC_USEC=" + QByteArray::number(microseconds) + '\n'
        + statusField(u"reloading the configuration"_s));
}

bool SystemdNotifier::notify(const QByteArray &state)
{
    if (!isEnabled()) {
        return false;
    }
    // The environment stays as it is (0): a later notification needs NOTIFY_SOCKET again.
    const int result = ::sd_notify(0, state.constData());
    if (result < 0) {
        // Under systemd, a READY=1 that never arrives gets the server killed after
        // TimeoutStartSec: the log must say why.
        qCWarning(lcServer).noquote()
            << "cannot notify systemd at" << qEnvironmentVariable("NOTIFY_SOCKET") << "-"
            << qt_error_string(-result);
        return false;
    }
    return result > 0;
}
