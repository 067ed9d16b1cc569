#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

// Asks for the server and who to be there: an account's name and password (Sign in), a new
// account (Create account: the password twice), or a name alone (Continue as guest, unless the
// server said it takes no guests). Remembers the server and the name (QSettings), never the
// password. It stays open while connecting so that a refusal can be explained in plain words
// and corrected on the spot, and it says where the sign-in will be kept. Cancel while connecting
// ends the attempt and keeps the dialog (cancelRequested); a name the server would refuse (a
// space in it) is explained as it is typed, and nothing is sent until it is mended. It opens
// with the focus in the first empty field.
class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Field { Host, Name, Password };

    explicit ConnectDialog(QWidget *parent = nullptr);

    void setValues(const QString &host, quint16 port, const QString &name);
    QString host() const;
    quint16 port() const;
    QString name() const;
    QString password() const;
    bool useTls() const;
    void setUseTls(bool tls);
    // A token is kept for this server and name: Sign in needs no password. Editing the server
    // or the name drops it.
    void setSavedSignIn(bool saved);
    bool hasSavedSignIn() const { return m_savedSignIn; }
    // After guests_disabled: the guest button goes until the server or port changes.
    void setGuestsAllowed(bool allowed);
    // Where tokens are kept (CredentialStore::description()).
    void setStorageDescription(const QString &description);

    // While busy the fields are locked and the status says so; an error re-enables them.
    void setBusy(const QString &status);
    void showError(const QString &message, Field culprit = Field::Host);
    void showNotice(const QString &message, Field focus = Field::Password);
    // Explains the server's refusal of a hello or register (code and message from the error).
    void showRefusal(const QString &code, const QString &message);
    void clearPasswords();
    void rememberValues() const;

    QLineEdit *hostField() const { return m_host; }
    QSpinBox *portField() const { return m_port; }
    QLineEdit *nameField() const { return m_name; }
    QLineEdit *passwordField() const { return m_password; }
    QLineEdit *repeatField() const { return m_repeat; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *storageLabel() const { return m_storage; }
    QPushButton *signInButton() const { return m_signIn; }
    QPushButton *createAccountButton() const { return m_createAccount; }
    QPushButton *guestButton() const { return m_guest; }

    // Plain words for a too_many_attempts message ("... try again in 4 s").
    static QString throttleText(const QString &message);
    // Why the server would refuse this name (docs/PROTOCOL.md, Names); empty if it would not.
    static QString nameProblem(const QString &name);

    // While busy, Cancel (Esc, closing) asks for the attempt to end and keeps the dialog.
    void reject() override;

signals:
    void signInRequested();
    void createAccountRequested();
    void guestRequested();
    // Cancel while busy: the attempt under way should end (then showNotice or showError).
    void cancelRequested();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void onCreateAccount();
    void showRepeat(bool shown);
    void setStatus(const QString &text, bool error);
    void setFieldsEnabled(bool enabled);
    void focusField(Field field);
    // The first of server, name and password (unless a kept sign-in needs none) that is empty.
    QLineEdit *firstEmptyField() const;
    void checkName();
    void updateButtons();

    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_password = nullptr;
    QLineEdit *m_repeat = nullptr;
    QLabel *m_repeatLabel = nullptr;
    QCheckBox *m_tls = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_storage = nullptr;
    QPushButton *m_guest = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_createAccount = nullptr;
    QPushButton *m_signIn = nullptr;
    bool m_busy = false;
    bool m_savedSignIn = false;
    bool m_guestsAllowed = true;
    bool m_signingInWithSaved = false; // the request under way used the kept token
    bool m_statusIsError = false;
    bool m_nameProblemShown = false; // the status explains what is wrong with the name
};
