#pragma once

#include "conversation.h"

#include <QAbstractListModel>

#include <memory>
#include <vector>

// Every conversation the client has, as the sidebar's list model: a "Rooms" heading, the rooms
// by name, a "Direct messages" heading, then the private conversations by name. It owns the
// conversations; a conversation removed from it (the person left the room) is deleted later,
// so a view still showing it is not left with a dangling model.
class ConversationList : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role {
        KindRole = Qt::UserRole + 1, // RowKind
        ConversationRole, // Conversation *, as QObject *; null on a heading
        NameRole,
        UnreadRole, // int
        MentionRole, // bool
        MutedRole, // bool
        PrivateRole, // bool: a private room
        TopicRole,
    };
    enum class RowKind { Heading, Room, Direct };
    Q_ENUM(RowKind)

    explicit ConversationList(QObject *parent = nullptr);
    ~ConversationList() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    // Null when there is none (names compared ignoring case).
    Conversation *room(const QString &name) const;
    Conversation *direct(const QString &name) const;
    // The conversation, made if there is none yet.
    Conversation *addRoom(const QString &name);
    Conversation *addDirect(const QString &name);
    void remove(Conversation *conversation);
    // Removes every conversation (another server or another person signs in).
    void clear();

    QModelIndex indexOf(const Conversation *conversation) const;
    Conversation *at(const QModelIndex &index) const;
    QList<Conversation *> all() const;
    QList<Conversation *> rooms() const;
    // Unread messages in conversations that are not muted: the window title's count.
    int totalUnread() const;

signals:
    void totalUnreadChanged(int count);
    // Emitted before a conversation is deleted: views showing it must let go.
    void removing(Conversation *conversation);

private:
    Conversation *add(Conversation::Kind kind, const QString &name);
    void onChanged(Conversation *conversation);
    int firstDirectRow() const { return 2 + int(m_rooms.size()); }
    int rowOf(const Conversation *conversation) const;

    // Both sorted by key; heading rows are 0 and firstDirectRow() - 1.
    std::vector<std::unique_ptr<Conversation>> m_rooms;
    std::vector<std::unique_ptr<Conversation>> m_directs;
    int m_totalUnread = 0;
};
