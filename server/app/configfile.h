#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

// natter-server's configuration file: INI, read through QSettings, one setting a line named as its
// long command-line option (`max-clients = 500`), at the top or under [General]. It remembers
// the line of each key, so that a bad value can be reported where the admin will find it.
class ConfigFile
{
public:
    // Where the package installs it; read when it exists and no --config names another.
    static constexpr const char *DefaultPath = "/etc/natter/natter-server.conf";

    // The settings of path, or why they cannot be read.
    static std::variant<ConfigFile, QString> load(const QString &path);

    QString path() const { return m_path; }
    QStringList keys() const { return m_values.keys(); }
    std::optional<QString> value(const QString &key) const;
    // "FILE:LINE: key": where a key was set, to begin an error message with.
    QString where(const QString &key) const;

private:
    QString m_path;
    QHash<QString, QString> m_values;
    QHash<QString, int> m_lines;
};
