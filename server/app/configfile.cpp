#include "configfile.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>

using namespace Qt::StringLiterals;

std::variant<ConfigFile, QString> ConfigFile::load(const QString &path)
{
    // QSettings reads a missing or unreadable file as an empty one, without a word.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return u"cannot read the configuration file %1: %2"_s.arg(path, file.errorString());
    }
    ConfigFile config;
    config.m_path = path;
    // QSettings gives no line numbers: they are found here, from the same text.
    static const QRegularExpression assignment(uR"(^\s*([^;#\[=\s][^=]*?)\s*=)"_s);
    static const QRegularExpression section(uR"(^\s*\[([^\]]*)\])"_s);
    QString group;
    for (int line = 1; !file.atEnd(); ++line) {
        const QString text = QString::fromUtf8(file.readLine());
        if (const auto match = section.match(text); match.hasMatch()) {
            group = match.captured(1).trimmed();
            if (group.compare("General"_L1, Qt::CaseInsensitive) == 0) {
                group.clear();
            }
        } else if (const auto match = assignment.match(text); match.hasMatch()) {
            const QString key = match.captured(1);
            config.m_lines.insert(group.isEmpty() ? key : group + u'/' + key, line);
        }
    }

    QSettings settings(path, QSettings::IniFormat);
    if (settings.status() == QSettings::FormatError) {
        return u"%1: not a valid INI file"_s.arg(path);
    }
    for (const QString &key : settings.allKeys()) {
        // QSettings comments are ';' alone: a '#' line, as admins write them, becomes a key.
        if (key.startsWith(u'#')) {
            continue;
        }
        const QVariant value = settings.value(key);
        // An unquoted value with commas is a list to QSettings; to the admin it was text.
        config.m_values.insert(key,
            value.userType() == QMetaType::QStringList ? value.toStringList().join(", "_L1)
                                                       : value.toString());
    }
    return config;
}

std::optional<QString> ConfigFile::value(const QString &key) const
{
    const auto found = m_values.constFind(key);
    if (found == m_values.constEnd()) {
        return std::nullopt;
    }
    return *found;
}

QString ConfigFile::where(const QString &key) const
{
    const int line = m_lines.value(key);
    return line > 0 ? u"%1:%2: %3"_s.arg(m_path).arg(line).arg(key) : u"%1: %2"_s.arg(m_path, key);
}
