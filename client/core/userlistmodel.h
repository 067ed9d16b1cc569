#pragma once

#include <QAbstractListModel>
#include <QStringList>

// Who is online, sorted case-insensitively, with this client's own name marked.
class UserListModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role { SelfRole = Qt::UserRole + 1 };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void setSelf(const QString &name) { m_self = name; }
    void reset(QStringList names);
    void add(const QString &name);
    void remove(const QString &name);
    const QStringList &names() const { return m_names; }

private:
    qsizetype insertionPoint(const QString &name) const;

    QStringList m_names;
    QString m_self;
};
