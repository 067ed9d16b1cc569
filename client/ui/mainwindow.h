#pragma once

#include "chatclient.h"
#include "connectdialog.h"

#include <QMainWindow>

class ChatPage;
class JoinRoomDialog;
class PasswordDialog;
class QAction;
class QLabel;
class QMenu;
class QSslCertificate;
class QSystemTrayIcon;
class QTabWidget;
class QuizPage;
class TimePage;

// The desktop client's window: Chat, Quiz and Time tabs over one ChatClient, a status bar with
// the connection state, server and round-trip time, unread counts in the title and on the Chat
// tab, and tray notifications for private messages and mentions; the Rooms menu and its Join a
// room dialog. It also runs the connect
// dialog: at start when no sign-in is kept, after Leave, and when the server refuses or ends a
// sign-in; and the Account menu (Create account, Change password, Sign out, and where sign-ins
// are kept).
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(ChatClient &client, QWidget *parent = nullptr);
    ~MainWindow() override;

    // At start: signs in with the token kept for the dialog's server and name (the last ones
    // used) without asking, or shows the connect dialog.
    void start();
    // Shows the connect dialog (with an optional error, blaming a field), or connects straight
    // away: with the sign-in kept for name, or else as a guest.
    void showConnectDialog(
        const QString &error = {}, ConnectDialog::Field culprit = ConnectDialog::Field::Host);
    void connectDirectly(const QString &host, quint16 port, const QString &name, bool tls = false);

    ChatPage *chatPage() const { return m_chat; }
    QuizPage *quizPage() const { return m_quiz; }
    TimePage *timePage() const { return m_time; }
    QTabWidget *tabs() const { return m_tabs; }
    ConnectDialog *connectDialog() const { return m_dialog; }
    // Unread messages in the conversations that are not muted.
    int unreadCount() const;
    JoinRoomDialog *joinRoomDialog() const { return m_joinDialog; }
    QAction *joinRoomAction() const { return m_joinRoomAction; }
    QLabel *stateLabel() const { return m_stateLabel; }
    QMenu *accountMenu() const { return m_accountMenu; }
    QAction *createAccountAction() const { return m_createAccountAction; }
    QAction *changePasswordAction() const { return m_changePasswordAction; }
    QAction *signOutAction() const { return m_signOutAction; }
    QAction *storageAction() const { return m_storageAction; }
    PasswordDialog *passwordDialog() const { return m_passwordDialog; }
    PasswordDialog *registerDialog() const { return m_registerDialog; }

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    // What to do when resume() finds no kept sign-in.
    enum class WhenNothingKept { Ask, JoinAsGuest, Explain };

    void resume(WhenNothingKept whenNothingKept, bool retryFirstConnect);
    void presentConnectDialog();
    void onSessionEnded(ChatClient::SessionEnd why);
    void updateAccountMenu();
    // The Account menu's line on where sign-ins are kept, or why this one is not.
    void updateStorage();
    void onStateChanged();
    void updateUnread();
    // Leave (the button, or /quit): back to the connect dialog, ready to come back.
    void leaveChat();
    // The commands of the entry field, in a dialog (/help).
    void showHelp();
    void wireJoinDialog();
    void onAttention(const QString &title, const QString &text);
    void askToTrust(
        const QSslCertificate &certificate, const QByteArray &fingerprint, bool changed);
    // Whether the person sees the chat: the window is active and shows the Chat tab.
    void updateViewing();
    void updateTitle();
    void updateRoundTrip(int ms);

    ChatClient &m_client;
    QTabWidget *m_tabs = nullptr;
    ChatPage *m_chat = nullptr;
    QuizPage *m_quiz = nullptr;
    TimePage *m_time = nullptr;
    ConnectDialog *m_dialog = nullptr;
    PasswordDialog *m_passwordDialog = nullptr;
    PasswordDialog *m_registerDialog = nullptr;
    JoinRoomDialog *m_joinDialog = nullptr;
    QAction *m_joinRoomAction = nullptr;
    QMenu *m_accountMenu = nullptr;
    QAction *m_whoAction = nullptr;
    QAction *m_createAccountAction = nullptr;
    QAction *m_changePasswordAction = nullptr;
    QAction *m_signOutAction = nullptr;
    QAction *m_storageAction = nullptr;
    QLabel *m_stateLabel = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_rttLabel = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_storageProblem; // why the last token could not be kept; empty once one was
    WhenNothingKept m_whenNothingKept = WhenNothingKept::Ask;
};
