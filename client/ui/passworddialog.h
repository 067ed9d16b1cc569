#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

// Asks for a new password, twice, and to change one also for the current password. The rules
// the server will apply (ChatClient::checkNewPassword) are checked before anything is sent, so
// the server's refusals are only the ones it alone can know (a wrong current password,
// throttling), and those are shown here in plain words. Nothing typed outlives the request: the
// fields are cleared as it goes.
class PasswordDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode {
        ChangePassword, // current, new, repeat
        CreateAccount, // a guest makes its name an account: new, repeat
    };

    explicit PasswordDialog(Mode mode, QWidget *parent = nullptr);

    Mode mode() const { return m_mode; }
    // Empties the fields and the status, for the account name.
    void prepare(const QString &name);
    QString currentPassword() const;
    QString newPassword() const;
    void setBusy(const QString &status);
    void showError(const QString &message);
    // The server's refusal of register or password (code and message from the error); with no
    // code, the client's own reason (the connection dropped), shown as it is.
    void showRefusal(const QString &code, const QString &message);
    void clearFields();

    QLineEdit *currentField() const { return m_current; }
    QLineEdit *newField() const { return m_new; }
    QLineEdit *repeatField() const { return m_repeat; }
    QLabel *statusLabel() const { return m_status; }
    QPushButton *okButton() const { return m_ok; }

signals:
    // The fields passed the checks; read them, then clearFields().
    void submitted();

private:
    void onOk();
    void updateButton();

    const Mode m_mode;
    QLabel *m_intro = nullptr;
    QLineEdit *m_current = nullptr;
    QLineEdit *m_new = nullptr;
    QLineEdit *m_repeat = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_ok = nullptr;
    bool m_busy = false;
};
