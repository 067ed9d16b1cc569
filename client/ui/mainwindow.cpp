#include "mainwindow.h"

#include "chatclient.h"
#include "chatpage.h"
#include "connectdialog.h"
#include "joinroomdialog.h"
#include "passworddialog.h"
#include "quizpage.h"
#include "timepage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSslCertificate>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTimer>

using namespace Qt::StringLiterals;
using State = ChatClient::State;

MainWindow::MainWindow(ChatClient &client, QWidget *parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_tabs(new QTabWidget(this))
    , m_chat(new ChatPage(client, m_tabs))
    , m_quiz(new QuizPage(client, m_tabs))
    , m_time(new TimePage(client, m_tabs))
    , m_dialog(new ConnectDialog(this))
    , m_passwordDialog(new PasswordDialog(PasswordDialog::Mode::ChangePassword, this))
    , m_registerDialog(new PasswordDialog(PasswordDialog::Mode::CreateAccount, this))
    , m_joinDialog(new JoinRoomDialog(this))
    , m_stateLabel(new QLabel(this))
    , m_serverLabel(new QLabel(this))
    , m_rttLabel(new QLabel(this))
{
    m_tabs->addTab(m_chat, tr("&Chat"));
    m_tabs->addTab(m_quiz, tr("&Quiz"));
    m_tabs->addTab(m_time, tr("&Time"));
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);
    statusBar()->addWidget(m_stateLabel);
    statusBar()->addWidget(m_serverLabel, 1);
    statusBar()->addPermanentWidget(m_rttLabel);
    m_rttLabel->setToolTip(tr("Round-trip time to the server"));

    // (Alt+A is the quiz's Answer.)
    m_accountMenu = menuBar()->addMenu(tr("Acc&ount"));
    m_whoAction = m_accountMenu->addAction(QString());
    m_whoAction->setEnabled(false);
    m_accountMenu->addSeparator();
    m_createAccountAction = m_accountMenu->addAction(tr("&Create account…"));
    m_createAccountAction->setStatusTip(tr("Make your name yours on this server, with a password"));
    m_changePasswordAction = m_accountMenu->addAction(tr("Change &password…"));
    m_signOutAction = m_accountMenu->addAction(tr("&Sign out"));
    m_signOutAction->setStatusTip(tr("End this sign-in on the server and forget it here"));
    m_accountMenu->addSeparator();
    m_storageAction = m_accountMenu->addAction(QString());
    m_storageAction->setEnabled(false);
    updateStorage();
    QMenu *roomsMenu = menuBar()->addMenu(tr("&Rooms"));
    m_joinRoomAction = roomsMenu->addAction(tr("&Join a room…"));
    m_joinRoomAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    m_joinRoomAction->setStatusTip(tr("Find a room to talk in, or make one"));
    connect(m_joinRoomAction, &QAction::triggered, m_joinDialog, &QDialog::open);
    wireJoinDialog();
    connect(
        &client.credentials(), &CredentialStore::backendChanged, this, &MainWindow::updateStorage);
    // A sign-in that could not be kept must not look kept: the next start would ask for the
    // password without warning.
    connect(
        &client.credentials(), &CredentialStore::writeFailed, this, [this](const QString &message) {
            m_storageProblem = message;
            updateStorage();
            statusBar()->showMessage(
                tr("Your sign-in is not kept on this computer: %1").arg(message), 15000);
        });
    connect(&client.credentials(), &CredentialStore::written, this, [this] {
        m_storageProblem.clear();
        updateStorage();
    });
    // Known before the first token is kept: the settings line tells the truth from the start.
    client.credentials().probe();

    connect(m_createAccountAction, &QAction::triggered, this, [this] {
        m_registerDialog->prepare(m_client.name());
        m_registerDialog->open();
    });
    connect(m_changePasswordAction, &QAction::triggered, this, [this] {
        m_passwordDialog->prepare(m_client.name());
        m_passwordDialog->open();
    });
    connect(m_signOutAction, &QAction::triggered, this, [this] { m_client.signOut(); });
    connect(m_passwordDialog, &PasswordDialog::submitted, this, [this] {
        const bool sent = m_client.changePassword(
            m_passwordDialog->currentPassword(), m_passwordDialog->newPassword());
        m_passwordDialog->clearFields();
        if (sent) {
            m_passwordDialog->setBusy(tr("Changing the password…"));
        } else {
            m_passwordDialog->showError(tr("Not sent: you are not connected."));
        }
    });
    connect(m_registerDialog, &PasswordDialog::submitted, this, [this] {
        const bool sent = m_client.registerAccount(m_registerDialog->newPassword());
        m_registerDialog->clearFields();
        if (sent) {
            m_registerDialog->setBusy(tr("Creating the account…"));
        } else {
            m_registerDialog->showError(tr("Not sent: you are not connected."));
        }
    });
    connect(&client, &ChatClient::passwordChanged, m_passwordDialog, &QDialog::accept);
    connect(&client, &ChatClient::accountCreated, m_registerDialog, &QDialog::accept);
    connect(&client, &ChatClient::accountRequestFailed, this,
        [this](const QString &code, const QString &message) {
            (m_registerDialog->isVisible() ? m_registerDialog : m_passwordDialog)
                ->showRefusal(code, message);
        });
    connect(&client, &ChatClient::accountChanged, this, &MainWindow::onStateChanged);
    connect(&client, &ChatClient::sessionEnded, this, &MainWindow::onSessionEnded);
    connect(&client, &ChatClient::savedSignInMissing, this, [this] {
        switch (m_whenNothingKept) {
        case WhenNothingKept::Ask:
            showConnectDialog({}, ConnectDialog::Field::Password);
            break;
        case WhenNothingKept::JoinAsGuest:
            m_client.connectToServer(
                m_dialog->host(), m_dialog->port(), m_dialog->name(), true, m_dialog->useTls());
            break;
        case WhenNothingKept::Explain:
            m_dialog->setSavedSignIn(false);
            showConnectDialog(tr("No sign-in is kept for %1 on this server: enter the password.")
                                  .arg(m_dialog->name()),
                ConnectDialog::Field::Password);
            break;
        }
    });

    for (int i = 0; i < 3; ++i) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this);
        connect(shortcut, &QShortcut::activated, this, [this, i] { m_tabs->setCurrentIndex(i); });
    }
    auto *quit = new QShortcut(QKeySequence::Quit, this);
    connect(quit, &QShortcut::activated, this, &QWidget::close);
    if (QKeySequence(QKeySequence::Quit) != QKeySequence(Qt::CTRL | Qt::Key_Q)) {
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q), this), &QShortcut::activated,
            this, &QWidget::close);
    }

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
        m_tray->setToolTip(tr("Natter"));
        connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
            showNormal();
            activateWindow();
        });
        m_tray->show();
    }

    connect(&client, &ChatClient::stateChanged, this, &MainWindow::onStateChanged);
    connect(&client, &ChatClient::roundTripChanged, this, &MainWindow::updateRoundTrip);
    connect(client.conversations(), &ConversationList::totalUnreadChanged, this,
        &MainWindow::updateUnread);
    connect(&client, &ChatClient::attention, this, &MainWindow::onAttention);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateViewing);
    connect(m_chat, &ChatPage::joinRoomRequested, m_joinDialog, &QDialog::open);
    connect(m_chat, &ChatPage::leaveRequested, this, &MainWindow::leaveChat);
    // /quit typed: as the Leave button, back to the dialog.
    connect(&client, &ChatClient::leaveCommanded, this, &MainWindow::leaveChat);
    connect(&client, &ChatClient::helpRequested, this, &MainWindow::showHelp);
    connect(
        &client, &ChatClient::quizCommanded, this, [this] { m_tabs->setCurrentWidget(m_quiz); });

    connect(m_dialog, &ConnectDialog::signInRequested, this, [this] {
        m_dialog->setBusy(tr("Signing in to %1:%2…").arg(m_dialog->host()).arg(m_dialog->port()));
        if (m_dialog->password().isEmpty()) {
            resume(WhenNothingKept::Explain, false);
        } else {
            m_client.signIn(m_dialog->host(), m_dialog->port(), m_dialog->name(),
                m_dialog->password(), m_dialog->useTls());
        }
    });
    connect(m_dialog, &ConnectDialog::createAccountRequested, this, [this] {
        m_dialog->setBusy(tr("Creating the account %1 on %2:%3…")
                              .arg(m_dialog->name(), m_dialog->host())
                              .arg(m_dialog->port()));
        m_client.createAccount(m_dialog->host(), m_dialog->port(), m_dialog->name(),
            m_dialog->password(), m_dialog->useTls());
    });
    connect(m_dialog, &ConnectDialog::guestRequested, this, [this] {
        m_dialog->setBusy(tr("Connecting to %1:%2…").arg(m_dialog->host()).arg(m_dialog->port()));
        m_client.connectToServer(
            m_dialog->host(), m_dialog->port(), m_dialog->name(), false, m_dialog->useTls());
    });
    // Queued: the dialog is modal, and the signal comes from inside the socket's own handler.
    connect(&client, &ChatClient::certificateNeedsTrust, this, &MainWindow::askToTrust,
        Qt::QueuedConnection);
    // Cancelling the dialog while not connected leaves nothing to do: quit.
    connect(m_dialog, &QDialog::rejected, this, [this] {
        if (m_client.state() == State::Disconnected) {
            close();
        }
    });
    // Cancel during an attempt ends it and keeps the dialog (hiding it left an empty window
    // saying "Signing in…"). Nothing was joined: no "You left the chat." for the connection,
    // but a kept sign-in still being read is dropped (leave()).
    connect(m_dialog, &ConnectDialog::cancelRequested, this, [this] {
        if (m_client.state() == State::Disconnected) {
            m_client.leave();
        } else {
            m_client.connection().close();
        }
        m_dialog->showNotice(tr("Cancelled: not connected."), ConnectDialog::Field::Host);
    });
    connect(&client, &ChatClient::connectFailed, this,
        [this](const QString &message) { showConnectDialog(message); });
    connect(&client, &ChatClient::removed, this, [this](const QString &, const QString &message) {
        m_dialog->showError(message, ConnectDialog::Field::Name);
        presentConnectDialog();
    });
    connect(&client, &ChatClient::registrationRefused, this,
        [this](const QString &code, const QString &message) {
            m_dialog->showRefusal(code, message);
            presentConnectDialog();
        });

    QSettings settings;
    if (!restoreGeometry(settings.value(u"window/geometry"_s).toByteArray())) {
        resize(900, 620);
    }
    onStateChanged();
    updateViewing();
}

MainWindow::~MainWindow() = default;

void MainWindow::start()
{
    show();
    if (m_dialog->host().isEmpty() || m_dialog->name().isEmpty()) {
        showConnectDialog({}, ConnectDialog::Field::Name);
        return;
    }
    // A server that is down for now is retried, as after a dropped connection.
    resume(WhenNothingKept::Ask, true);
}

void MainWindow::showConnectDialog(const QString &error, ConnectDialog::Field culprit)
{
    if (error.isEmpty()) {
        m_dialog->showNotice({}, culprit);
    } else {
        m_dialog->showError(error, culprit);
    }
    presentConnectDialog();
}

void MainWindow::presentConnectDialog()
{
    m_dialog->show();
    m_dialog->raise();
    m_dialog->activateWindow();
}

void MainWindow::connectDirectly(const QString &host, quint16 port, const QString &name, bool tls)
{
    m_dialog->setValues(host, port, name);
    m_dialog->setUseTls(tls);
    show();
    resume(WhenNothingKept::JoinAsGuest, true);
}

void MainWindow::resume(WhenNothingKept whenNothingKept, bool retryFirstConnect)
{
    m_whenNothingKept = whenNothingKept;
    m_client.resumeSession(m_dialog->host(), m_dialog->port(), m_dialog->name(), m_dialog->useTls(),
        retryFirstConnect);
}

void MainWindow::onSessionEnded(ChatClient::SessionEnd why)
{
    m_passwordDialog->reject();
    m_registerDialog->reject();
    m_dialog->setValues(m_client.host(), m_client.port(), m_client.name());
    m_dialog->setSavedSignIn(false);
    const QString name = m_client.name();
    switch (why) {
    case ChatClient::SessionEnd::SignedOut:
        m_dialog->showNotice(
            tr("You signed out of %1. Sign in again, or choose another way in.").arg(name),
            ConnectDialog::Field::Password);
        break;
    case ChatClient::SessionEnd::Revoked:
        m_dialog->showError(tr("The password of %1 was changed on another computer, which "
                               "signed you out here. Enter the new password to sign in again.")
                                .arg(name),
            ConnectDialog::Field::Password);
        break;
    case ChatClient::SessionEnd::TokenRejected:
        m_dialog->showError(tr("The saved sign-in for %1 is no longer valid: its password was "
                               "changed, or it went unused too long. Enter the password to sign "
                               "in again.")
                                .arg(name),
            ConnectDialog::Field::Password);
        break;
    }
    presentConnectDialog();
}

void MainWindow::updateAccountMenu()
{
    const bool connected = m_client.state() != State::Disconnected;
    const bool account = connected && m_client.isAccount();
    const bool guest = m_client.isOnline() && !account;
    m_whoAction->setText(!connected ? tr("Not connected")
            : account               ? tr("Signed in as %1").arg(m_client.name())
            : guest                 ? tr("%1, a guest").arg(m_client.name())
                                    : tr("Connecting…"));
    m_createAccountAction->setVisible(!account);
    m_createAccountAction->setEnabled(guest);
    m_changePasswordAction->setVisible(account);
    m_changePasswordAction->setEnabled(account && m_client.isOnline());
    m_signOutAction->setVisible(account);
    m_signOutAction->setEnabled(account);
}

void MainWindow::updateStorage()
{
    const QString where = m_client.credentials().description();
    m_storageAction->setText(m_storageProblem.isEmpty()
            ? tr("Sign-ins kept in: %1").arg(where)
            : tr("Sign-in not kept: %1").arg(m_storageProblem));
    m_storageAction->setToolTip(tr("Sign-ins kept in: %1").arg(where));
    m_dialog->setStorageDescription(where);
}

void MainWindow::askToTrust(
    const QSslCertificate &certificate, const QByteArray &fingerprint, bool changed)
{
    ChatConnection &connection = m_client.connection();
    const QString server = u"%1:%2"_s.arg(connection.host()).arg(connection.port());
    QMessageBox box(this);
    box.setWindowTitle(
        changed ? tr("Server certificate changed") : tr("Unknown server certificate"));
    box.setIcon(changed ? QMessageBox::Critical : QMessageBox::Warning);
    const QString who = certificate.subjectInfo(QSslCertificate::CommonName).join(u", "_s);
    if (changed) {
        box.setText(
            tr("<b>The certificate of %1 has changed since you trusted it.</b>").arg(server));
        box.setInformativeText(
            tr("Someone may be intercepting the connection, or the server got a new "
               "certificate. Only continue if its administrator confirms this fingerprint:"
               "\n\n%1\n\nissued to %2.")
                .arg(QString::fromLatin1(fingerprint), who));
    } else {
        box.setText(tr("%1 presents a certificate that this computer does not trust.").arg(server));
        box.setInformativeText(tr("Compare its SHA-256 fingerprint with the one the server's "
                                  "administrator gave you:\n\n%1\n\nissued to %2.")
                                   .arg(QString::fromLatin1(fingerprint), who));
    }
    QPushButton *always = box.addButton(tr("Trust &always"), QMessageBox::AcceptRole);
    QPushButton *once = box.addButton(tr("Trust &once"), QMessageBox::AcceptRole);
    QPushButton *cancel = box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(changed ? cancel : once);
    box.exec();

    if (box.clickedButton() == always) {
        connection.trustStore().trustAlways(server, fingerprint);
    } else if (box.clickedButton() == once) {
        connection.trustStore().trustOnce(server, fingerprint);
    } else {
        connection.close(); // and with it the password the hello would have carried
        showConnectDialog(tr("Not connected: the server's certificate was not trusted."));
        return;
    }
    // The same sign-in (a password too): the hello was never sent.
    connection.reopen();
}

void MainWindow::onStateChanged()
{
    switch (m_client.state()) {
    case State::Disconnected:
        m_stateLabel->setText(tr("● Offline"));
        m_rttLabel->clear();
        break;
    case State::Connecting:
        m_stateLabel->setText(tr("● Connecting…"));
        break;
    case State::Registering:
        m_stateLabel->setText(tr("● Signing in…"));
        break;
    case State::Online:
        m_stateLabel->setText(tr("● Online"));
        m_dialog->clearPasswords();
        if (m_dialog->isVisible()) {
            m_dialog->rememberValues();
            m_dialog->hide();
            show();
        }
        if (m_tabs->currentWidget() == m_chat) {
            m_chat->setFocus(); // the entry field: ready to type
        }
        break;
    case State::Reconnecting: {
        const int seconds = (m_client.connection().nextRetryMs() + 999) / 1000;
        m_stateLabel->setText(tr("● Reconnecting in %n s…", nullptr, seconds));
        m_rttLabel->clear();
        break;
    }
    }
    const QString colour = m_client.isOnline()    ? u"#2e8b57"_s
        : m_client.state() == State::Disconnected ? u"#999999"_s
                                                  : u"#d68910"_s;
    m_stateLabel->setStyleSheet(u"color: %1;"_s.arg(colour));
    // A name only once the server took it: not one it refused, nor one still being tried.
    const bool signedIn
        = m_client.state() != State::Disconnected && m_client.connection().hasBeenOnline();
    m_serverLabel->setText(m_client.host().isEmpty() ? QString()
            : !signedIn ? u"%1:%2"_s.arg(m_client.host()).arg(m_client.port())
            : m_client.isOnline() && !m_client.isAccount()
            ? tr("%1 (guest) on %2:%3").arg(m_client.name(), m_client.host()).arg(m_client.port())
            : tr("%1 on %2:%3").arg(m_client.name(), m_client.host()).arg(m_client.port()));
    updateAccountMenu();
    updateTitle();
}

void MainWindow::updateRoundTrip(int ms)
{
    m_rttLabel->setText(ms < 1 ? tr("RTT < 1 ms") : tr("RTT %1 ms").arg(ms));
}

int MainWindow::unreadCount() const
{
    return m_client.conversations()->totalUnread();
}

void MainWindow::updateUnread()
{
    const int unread = unreadCount();
    m_tabs->setTabText(0, unread > 0 ? tr("&Chat (%1)").arg(unread) : tr("&Chat"));
    updateTitle();
}

void MainWindow::wireJoinDialog()
{
    connect(
        m_joinDialog, &JoinRoomDialog::refreshRequested, &m_client, &ChatClient::requestRoomList);
    connect(&m_client, &ChatClient::roomListReceived, m_joinDialog, &JoinRoomDialog::setRooms);
    const auto offline = [this](bool sent) {
        if (!sent) {
            m_joinDialog->showError(tr("Not connected: try again once the connection is back."));
        }
    };
    connect(m_joinDialog, &JoinRoomDialog::joinRequested, this,
        [this, offline](const QString &room) { offline(m_client.joinRoom(room)); });
    connect(m_joinDialog, &JoinRoomDialog::createRequested, this,
        [this, offline](const QString &room, const QString &topic, bool isPrivate) {
            offline(m_client.createRoom(room, topic, isPrivate));
        });
    // The room is shown once the server has said yes: then the dialog has done its job.
    connect(&m_client, &ChatClient::roomOpened, m_joinDialog, [this] {
        if (m_joinDialog->isVisible()) {
            m_joinDialog->accept();
        }
    });
    connect(&m_client, &ChatClient::joinFailed, m_joinDialog,
        [this](const QString &, const QString &code, const QString &message) {
            if (m_joinDialog->isVisible()) {
                m_joinDialog->showRefusal(code, message);
            }
        });
    connect(&m_client, &ChatClient::stateChanged, m_joinDialog, [this] {
        if (!m_client.isOnline() && m_joinDialog->isBusy()) {
            m_joinDialog->showError(tr("The connection dropped before the server answered."));
        }
    });
}

void MainWindow::onAttention(const QString &title, const QString &text)
{
    if (isActiveWindow()) {
        return;
    }
    QApplication::alert(this);
    if (m_tray && m_tray->isVisible()) {
        m_tray->showMessage(title, text.left(200), QSystemTrayIcon::Information, 8000);
    }
}

void MainWindow::updateViewing()
{
    m_client.setViewing(isActiveWindow() && m_tabs->currentWidget() == m_chat);
}

void MainWindow::updateTitle()
{
    // Qt appends the application's display name ("— Natter") itself. A name only once signed
    // in: not one the server refused, nor one still being tried.
    const bool signedIn
        = m_client.state() != State::Disconnected && m_client.connection().hasBeenOnline();
    QString title = signedIn ? m_client.name() : QString();
    if (unreadCount() > 0) {
        title.prepend(u"(%1) "_s.arg(unreadCount()));
    }
    setWindowTitle(title);
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::ActivationChange) {
        updateViewing();
    }
}

void MainWindow::leaveChat()
{
    // An account's token stays kept, and Sign in then needs no password; but only the store
    // knows whether it was kept (writeFailed), so it is asked, after the writes before.
    const bool account = m_client.isAccount();
    const QString key = m_client.credentialKey();
    m_client.leave();
    if (account) {
        m_dialog->setValues(m_client.host(), m_client.port(), m_client.name());
    }
    m_dialog->setSavedSignIn(false);
    showConnectDialog({}, ConnectDialog::Field::Password);
    if (account) {
        m_client.credentials().read(key, m_dialog, [this, key](const QString &token) {
            // Not if the person has typed another server or name meanwhile.
            if (CredentialStore::key(m_dialog->host(), m_dialog->port(), m_dialog->name()) == key) {
                m_dialog->setSavedSignIn(!token.isEmpty());
            }
        });
    }
}

void MainWindow::showHelp()
{
    auto *help = new QMessageBox(this); // not modal to the chat: it may stay open
    help->setAttribute(Qt::WA_DeleteOnClose);
    help->setModal(false);
    help->setWindowTitle(tr("Natter help"));
    help->setTextFormat(Qt::RichText);
    help->setText(tr("<b>Typing in the entry field</b>"));
    const QList<std::pair<QString, QString>> commands{
        {tr("Enter"), tr("send what you typed to the room or person shown")},
        {tr("Shift+Enter"), tr("start a new line in the message")},
        {tr("/msg NAME [TEXT]"), tr("open a private conversation with NAME (and say TEXT)")},
        {tr("%NAME%TEXT"), tr("say TEXT to NAME privately")},
        {tr("/join ROOM"), tr("go to a room, making it if there is none (Ctrl+J lists them)")},
        {tr("/part"), tr("leave the room shown")},
        {tr("/topic TEXT"), tr("set the room's topic")},
        {tr("/invite NAME"), tr("let NAME into the private room shown")},
        {tr("/rooms"), tr("list the rooms here")},
        {tr("/users"), tr("who is online, here")},
        {tr("/day, /date, /time [ZONE]"), tr("the server's day, date or time, here")},
        {tr("/quiz, /stop, /top"), tr("the quiz and its leaderboard, on the Quiz tab")},
        {tr("/echo TEXT, /ping"), tr("test the connection")},
        {tr("/quit"), tr("leave the chat, as the Leave button does")},
        {tr("/kick [#ROOM] NAME [REASON]"),
            tr("moderators, and a room's owner in it: put NAME out (of ROOM)")},
        {tr("/ban [#ROOM] NAME|ADDRESS [TIME] [REASON]"),
            tr("keep NAME or an address (a.b.c.0/24) out, for TIME (30, 12h, 7d) or for good")},
        {tr("/unban, /mute NAME [TIME], /unmute, /bans"),
            tr("lift a ban; stop NAME talking; let them talk; the bans in force")},
        {tr("/announce TEXT, /motd TEXT, /grant NAME ROLE"),
            tr("admins: tell everyone; set the greeting; give a role (docs/PROTOCOL.md)")},
    };
    QString rows;
    for (const auto &[command, meaning] : commands) {
        rows += u"<tr><td style='padding-right:16px'><code>%1</code></td><td>%2</td></tr>"_s.arg(
            command.toHtmlEscaped(), meaning.toHtmlEscaped());
    }
    help->setInformativeText(u"<table>%1</table>"_s.arg(rows));
    help->show();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings().setValue(u"window/geometry"_s, saveGeometry());
    m_client.leave(); // closing the window leaves the chat cleanly
    m_dialog->hide();
    event->accept();
    QCoreApplication::quit();
}
