#pragma once

#include <QDialog>

class QCheckBox;
class QJsonArray;
class QLabel;
class QLineEdit;
class QModelIndex;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class RoomDirectoryModel;

// Finding a room to talk in without knowing its name: the server's rooms with their topics and
// member counts, narrowed by typing, joined with a double-click; and, when the room wanted is
// not there, making it on the spot (a name the server will accept is checked here, before
// anything is sent). It knows nothing of the connection: the window forwards the requests and
// the answers, and closes the dialog (accept()) once the server has said yes. A refusal is
// shown in place, with the dialog still open, so the person can pick again.
class JoinRoomDialog : public QDialog
{
    Q_OBJECT

public:
    explicit JoinRoomDialog(QWidget *parent = nullptr);

    RoomDirectoryModel *model() const { return m_model; }

    QLineEdit *filterEdit() const { return m_filter; }
    QTableView *view() const { return m_view; }
    QLabel *emptyLabel() const { return m_emptyLabel; }
    QPushButton *joinButton() const { return m_join; }
    QPushButton *refreshButton() const { return m_refresh; }
    QPushButton *createButton() const { return m_create; }
    QLineEdit *createNameEdit() const { return m_createName; }
    QLineEdit *createTopicEdit() const { return m_createTopic; }
    QCheckBox *privateCheck() const { return m_private; }
    // Errors (red) and what is under way ("Joining dev…").
    QLabel *errorLabel() const { return m_status; }

    bool isBusy() const { return m_busy; }

    // What the rule for room names allows, in words (docs/PROTOCOL.md, Rooms).
    static QString roomNameRule();

public slots:
    // The rooms array of a {"type":"rooms"} frame.
    void setRooms(const QJsonArray &rooms);
    // The server refused the join or create (in words for people); the dialog stays open.
    void showError(const QString &message);
    // The same from the error frame's code and message: room_exists, not_invited, bad_room...
    void showRefusal(const QString &code, const QString &message);
    // While busy (from Join or Create until the answer) both buttons are off.
    void setBusy(bool busy);

signals:
    // Also for a room already joined (the button then says Open): the window switches to it.
    void joinRequested(const QString &room);
    // room is valid and lower case; topic may be empty.
    void createRequested(const QString &room, const QString &topic, bool isPrivate);
    void refreshRequested();

protected:
    void showEvent(QShowEvent *event) override;

private:
    QModelIndex selectedIndex() const;
    void selectRow(int proxyRow);
    void join(const QModelIndex &index);
    void create();
    void onFilterChanged(const QString &text);
    void updateEmptyState();
    void offerToCreate();
    void updateButtons();
    void setStatus(const QString &text, bool error);

    RoomDirectoryModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QLineEdit *m_filter = nullptr;
    QStackedWidget *m_listStack = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_emptyLabel = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_join = nullptr;
    QLineEdit *m_createName = nullptr;
    QLineEdit *m_createTopic = nullptr;
    QCheckBox *m_private = nullptr;
    QPushButton *m_create = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_close = nullptr;
    QString m_pendingRoom; // what the request under way names
    bool m_pendingCreate = false; // ... and whether it creates it
    QString m_prefilledName; // what offerToCreate() put into the name field
    QString m_reselect; // the room selected before the list was refreshed
    bool m_loading = true; // no rooms answer yet
    bool m_statusIsError = false;
    bool m_busy = false;
};
