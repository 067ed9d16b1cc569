#pragma once

#include <QMainWindow>

class ChatClient;
class ChatPage;
class ConnectDialog;
class QLabel;
class QSslCertificate;
class QSystemTrayIcon;
class QTabWidget;
class QuizPage;
class TimePage;

// The desktop client's window: Chat, Quiz and Time tabs over one ChatClient, a status bar with
// the connection state, server and round-trip time, unread counts in the title and on the Chat
// tab, and tray notifications for private messages and mentions. It also runs the connect
// dialog: at start (without --host/--name), after Leave, and when a name is refused.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(ChatClient &client, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Shows the connect dialog (with an optional error), or connects straight away.
    void showConnectDialog(const QString &error = {}, bool nameProblem = false);
    void connectDirectly(const QString &host, quint16 port, const QString &name, bool tls = false);

    ChatPage *chatPage() const { return m_chat; }
    QuizPage *quizPage() const { return m_quiz; }
    TimePage *timePage() const { return m_time; }
    QTabWidget *tabs() const { return m_tabs; }
    ConnectDialog *connectDialog() const { return m_dialog; }
    int unreadCount() const { return m_unread; }
    QLabel *stateLabel() const { return m_stateLabel; }

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void onStateChanged();
    void onChatActivity(int rows);
    void onAttention(const QString &title, const QString &text);
    void askToTrust(
        const QSslCertificate &certificate, const QByteArray &fingerprint, bool changed);
    void clearUnreadIfSeen();
    void updateTitle();
    void updateRoundTrip(int ms);

    ChatClient &m_client;
    QTabWidget *m_tabs = nullptr;
    ChatPage *m_chat = nullptr;
    QuizPage *m_quiz = nullptr;
    TimePage *m_time = nullptr;
    ConnectDialog *m_dialog = nullptr;
    QLabel *m_stateLabel = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_rttLabel = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    int m_unread = 0;
};
