#include "passworddialog.h"

#include "chatclient.h"
#include "connectdialog.h"
#include "protocol.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

PasswordDialog::PasswordDialog(Mode mode, QWidget *parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_intro(new QLabel(this))
    , m_current(new QLineEdit(this))
    , m_new(new QLineEdit(this))
    , m_repeat(new QLineEdit(this))
    , m_status(new QLabel(this))
{
    const bool change = mode == Mode::ChangePassword;
    setWindowTitle(change ? tr("Change password") : tr("Create account"));
    for (QLineEdit *field : {m_current, m_new, m_repeat}) {
        field->setEchoMode(QLineEdit::Password);
        field->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData);
        connect(field, &QLineEdit::textChanged, this, &PasswordDialog::updateButton);
    }
    m_new->setPlaceholderText(tr("at least %1 characters").arg(ChatClient::MinPasswordLength));
    m_intro->setWordWrap(true);
    m_status->setWordWrap(true);
    m_status->setStyleSheet(u"color: #c0392b;"_s);
    m_status->hide();

    auto *form = new QFormLayout;
    if (change) {
        form->addRow(tr("&Current password:"), m_current);
    } else {
        m_current->hide();
    }
    form->addRow(tr("&New password:"), m_new);
    form->addRow(tr("&Repeat:"), m_repeat);
    auto *buttons = new QDialogButtonBox(this);
    m_ok = buttons->addButton(
        change ? tr("Change &password") : tr("Create &account"), QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    setMinimumWidth(420);

    connect(buttons, &QDialogButtonBox::accepted, this, &PasswordDialog::onOk);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // Closed however: nothing typed stays behind.
    connect(this, &QDialog::finished, this, &PasswordDialog::clearFields);
    updateButton();
}

void PasswordDialog::prepare(const QString &name)
{
    m_busy = false;
    m_intro->setText(m_mode == Mode::ChangePassword
            ? tr("A new password for %1. Other computers and programs signed in as %1 are "
                 "signed out; this one stays signed in.")
                  .arg(name)
            : tr("Make the name %1 yours on this server. Afterwards only its password lets "
                 "anyone in as %1, from any computer.")
                  .arg(name));
    m_status->clear();
    m_status->hide();
    clearFields();
    for (QLineEdit *field : {m_current, m_new, m_repeat}) {
        field->setEnabled(true);
    }
    (m_mode == Mode::ChangePassword ? m_current : m_new)->setFocus();
    updateButton();
}

QString PasswordDialog::currentPassword() const
{
    return m_current->text();
}

QString PasswordDialog::newPassword() const
{
    return m_new->text();
}

void PasswordDialog::setBusy(const QString &status)
{
    m_busy = true;
    m_status->setStyleSheet({});
    m_status->setText(status);
    m_status->show();
    for (QLineEdit *field : {m_current, m_new, m_repeat}) {
        field->setEnabled(false);
    }
    updateButton();
}

void PasswordDialog::showError(const QString &message)
{
    m_busy = false;
    m_status->setStyleSheet(u"color: #c0392b;"_s);
    m_status->setText(message);
    m_status->show();
    for (QLineEdit *field : {m_current, m_new, m_repeat}) {
        field->setEnabled(true);
    }
    updateButton();
}

void PasswordDialog::showRefusal(const QString &code, const QString &message)
{
    if (code.isEmpty()) {
        showError(message); // not the server's answer: the client's own words (connection lost)
        return;
    }
    switch (Protocol::errorCodeFromName(code)) {
    case ErrorCode::AuthFailed:
        showError(tr("The current password is wrong."));
        m_current->setFocus();
        return;
    case ErrorCode::WeakPassword:
        showError(
            tr("A password needs at least %1 characters.").arg(ChatClient::MinPasswordLength));
        m_new->setFocus();
        return;
    case ErrorCode::TooManyAttempts:
        showError(ConnectDialog::throttleText(message));
        return;
    case ErrorCode::AccountExists:
        showError(tr("This name is an account already."));
        return;
    default:
        showError(tr("The server refused: %1").arg(message));
        return;
    }
}

void PasswordDialog::clearFields()
{
    for (QLineEdit *field : {m_current, m_new, m_repeat}) {
        field->clear();
    }
}

void PasswordDialog::onOk()
{
    if (m_busy) {
        return;
    }
    switch (ChatClient::checkNewPassword(m_new->text(), m_repeat->text())) {
    case ChatClient::PasswordProblem::TooShort:
        showError(
            tr("A password needs at least %1 characters.").arg(ChatClient::MinPasswordLength));
        m_new->setFocus();
        m_new->selectAll();
        return;
    case ChatClient::PasswordProblem::TooLong:
        showError(tr("A password may have at most %1 bytes.").arg(ChatClient::MaxPasswordBytes));
        m_new->setFocus();
        return;
    case ChatClient::PasswordProblem::Mismatch:
        m_repeat->clear();
        showError(tr("The two new passwords differ: type the same one twice."));
        m_repeat->setFocus();
        return;
    case ChatClient::PasswordProblem::None:
        break;
    }
    emit submitted();
}

void PasswordDialog::updateButton()
{
    const bool filled = (m_mode == Mode::CreateAccount || !m_current->text().isEmpty())
        && !m_new->text().isEmpty() && !m_repeat->text().isEmpty();
    m_ok->setEnabled(!m_busy && filled);
}
