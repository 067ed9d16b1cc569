#include "storelog.h"

#include <QStringList>

Q_LOGGING_CATEGORY(lcStore, "natter.store")

QString storeErrorText(const QSqlError &error)
{
    QStringList lines = error.text().split(u'\n');
    lines.removeIf([](const QString &line) { return line.trimmed().startsWith(u"DETAIL:"); });
    return lines.join(u' ').simplified();
}
