#include "connectdialog.h"

#include "chatclient.h"
#include "protocol.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

namespace {

QString secondsText(qint64 seconds)
{
    if (seconds >= 120) {
        return ConnectDialog::tr("%1 minutes").arg((seconds + 59) / 60);
    }
    return seconds == 1 ? ConnectDialog::tr("1 second")
                        : ConnectDialog::tr("%1 seconds").arg(seconds);
}

} // namespace

ConnectDialog::ConnectDialog(QWidget *parent)
    : QDialog(parent)
    , m_host(new QLineEdit(this))
    , m_port(new QSpinBox(this))
    , m_name(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_repeat(new QLineEdit(this))
    , m_repeatLabel(new QLabel(tr("&Repeat:"), this))
    , m_tls(new QCheckBox(tr("&Encrypt the connection (TLS)"), this))
    , m_status(new QLabel(this))
    , m_storage(new QLabel(this))
    , m_guest(new QPushButton(tr("Continue as &guest"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_createAccount(new QPushButton(tr("Create &account"), this))
    , m_signIn(new QPushButton(tr("S&ign in"), this))
{
    setWindowTitle(tr("Connect to Natter"));
    m_port->setRange(1, 65535);
    m_port->setGroupSeparatorShown(false);
    // What the server would refuse is kept as typed and explained (checkName), not mended
    // silently.
    m_name->setPlaceholderText(tr("letters, digits, _ - ."));
    for (QLineEdit *secret : {m_password, m_repeat}) {
        secret->setEchoMode(QLineEdit::Password);
        secret->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData);
    }
    m_repeat->setPlaceholderText(tr("the same password again"));
    m_repeatLabel->setBuddy(m_repeat);
    m_status->setWordWrap(true);
    m_status->setMinimumWidth(360);
    m_storage->setWordWrap(true);
    m_storage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_storage->setForegroundRole(QPalette::PlaceholderText);
    QFont small = m_storage->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_storage->setFont(small);
    m_guest->setToolTip(tr("Chat under a name without an account, if the server allows it"));

    m_tls->setToolTip(tr("The server must have been started with --tls-cert and --tls-key"));
    QSettings settings;
    m_tls->setChecked(settings.value(u"connect/tls"_s, false).toBool());
    setValues(settings.value(u"connect/host"_s, u"127.0.0.1"_s).toString(),
        quint16(settings.value(u"connect/port"_s, Protocol::DefaultPort).toUInt()),
        settings.value(u"connect/name"_s, qEnvironmentVariable("USER")).toString());

    auto *form = new QFormLayout;
    form->addRow(tr("&Server:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(QString(), m_tls);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Pass&word:"), m_password);
    form->addRow(m_repeatLabel, m_repeat);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_guest);
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_createAccount);
    buttons->addWidget(m_signIn);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_storage);
    layout->addSpacing(4);
    layout->addLayout(buttons);
    layout->setSizeConstraint(QLayout::SetFixedSize); // shrinks again when Repeat goes
    for (QPushButton *button : {m_guest, m_cancel, m_createAccount, m_signIn}) {
        button->setAutoDefault(false); // Return presses the one updateButtons() picks
    }
    showRepeat(false);

    connect(m_signIn, &QPushButton::clicked, this, [this] {
        showRepeat(false);
        m_signingInWithSaved = m_savedSignIn && password().isEmpty();
        emit signInRequested();
    });
    connect(m_createAccount, &QPushButton::clicked, this, &ConnectDialog::onCreateAccount);
    connect(m_guest, &QPushButton::clicked, this, [this] {
        showRepeat(false);
        emit guestRequested();
    });
    connect(m_cancel, &QPushButton::clicked, this, &ConnectDialog::reject);
    // Another server: its own kept sign-in, and perhaps guests. Another name: its own sign-in.
    connect(m_host, &QLineEdit::textEdited, this, [this] {
        setSavedSignIn(false);
        setGuestsAllowed(true);
    });
    connect(m_port, &QSpinBox::valueChanged, this, [this] {
        setSavedSignIn(false);
        setGuestsAllowed(true);
    });
    connect(m_name, &QLineEdit::textEdited, this, [this] { setSavedSignIn(false); });
    connect(m_name, &QLineEdit::textChanged, this, &ConnectDialog::checkName);
    for (QLineEdit *field : {m_host, m_name, m_password, m_repeat}) {
        connect(field, &QLineEdit::textChanged, this, &ConnectDialog::updateButtons);
    }
    setStatus({}, false); // no empty line where the status goes
    setSavedSignIn(false);
}

void ConnectDialog::setValues(const QString &host, quint16 port, const QString &name)
{
    m_host->setText(host);
    m_port->setValue(port);
    if (nameProblem(name).isEmpty()) {
        m_name->setText(name);
    }
}

QString ConnectDialog::host() const
{
    return m_host->text().trimmed();
}

quint16 ConnectDialog::port() const
{
    return quint16(m_port->value());
}

QString ConnectDialog::name() const
{
    return m_name->text();
}

QString ConnectDialog::password() const
{
    return m_password->text();
}

bool ConnectDialog::useTls() const
{
    return m_tls->isChecked();
}

void ConnectDialog::setUseTls(bool tls)
{
    m_tls->setChecked(tls);
}

void ConnectDialog::setSavedSignIn(bool saved)
{
    m_savedSignIn = saved;
    m_password->setPlaceholderText(
        saved ? tr("kept on this computer: leave empty") : tr("for an account"));
    updateButtons();
}

void ConnectDialog::setGuestsAllowed(bool allowed)
{
    m_guestsAllowed = allowed;
    m_guest->setToolTip(allowed
            ? tr("Chat under a name without an account, if the server allows it")
            : tr("This server takes no guests"));
    // A new account starts as a guest that registers its name: no guests, no new accounts.
    m_createAccount->setToolTip(allowed
            ? tr("Make the name yours on this server, with a password of at least %1 characters")
                  .arg(ChatClient::MinPasswordLength)
            : tr("This server takes no guests, so no new accounts either"));
    if (!allowed) {
        showRepeat(false);
    }
    updateButtons();
}

void ConnectDialog::setStorageDescription(const QString &description)
{
    m_storage->setText(tr("Sign-ins are kept in: %1").arg(description));
}

void ConnectDialog::setBusy(const QString &status)
{
    m_busy = true;
    setStatus(status, false);
    setFieldsEnabled(false);
    updateButtons();
}

void ConnectDialog::showError(const QString &message, Field culprit)
{
    m_busy = false;
    setStatus(message, true);
    setFieldsEnabled(true);
    focusField(culprit);
    updateButtons();
}

void ConnectDialog::showNotice(const QString &message, Field focus)
{
    m_busy = false;
    setStatus(message, false);
    setFieldsEnabled(true);
    if (QLineEdit *empty = firstEmptyField()) {
        empty->setFocus();
    } else {
        focusField(focus);
    }
    updateButtons();
}

void ConnectDialog::reject()
{
    if (m_busy) {
        emit cancelRequested();
        return;
    }
    QDialog::reject();
}

void ConnectDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    // An error points at its own culprit (showError); otherwise, what is still to be filled in.
    if (!m_busy && !m_statusIsError) {
        if (QLineEdit *empty = firstEmptyField()) {
            empty->setFocus();
        }
    }
}

void ConnectDialog::showRefusal(const QString &code, const QString &message)
{
    switch (Protocol::errorCodeFromName(code)) {
    case ErrorCode::AuthFailed:
        clearPasswords();
        if (std::exchange(m_signingInWithSaved, false)) {
            setSavedSignIn(false);
            showError(
                tr("The saved sign-in for %1 is no longer valid: enter the password.").arg(name()),
                Field::Password);
        } else {
            showError(tr("That name and password do not match."), Field::Password);
        }
        return;
    case ErrorCode::TooManyAttempts:
        showError(throttleText(message), Field::Password);
        return;
    case ErrorCode::AuthRequired:
        showError(tr("%1 is a registered account: enter its password, or pick another name to "
                     "join as a guest.")
                      .arg(name()),
            Field::Password);
        return;
    case ErrorCode::GuestsDisabled:
        setGuestsAllowed(false);
        showError(tr("This server takes no guests, and so no new accounts: sign in with an "
                     "account you have."),
            Field::Name);
        return;
    case ErrorCode::WeakPassword:
        showRepeat(true);
        showError(tr("A password needs at least %1 characters.").arg(ChatClient::MinPasswordLength),
            Field::Password);
        return;
    case ErrorCode::AccountExists:
        showError(tr("%1 is already an account: sign in with its password, or pick another name.")
                      .arg(name()),
            Field::Name);
        return;
    case ErrorCode::NameTaken:
    case ErrorCode::BadName:
        showError(tr("The server refused the name: %1").arg(message), Field::Name);
        return;
    default:
        showError(tr("The server did not let you in: %1").arg(message), Field::Name);
        return;
    }
}

QString ConnectDialog::nameProblem(const QString &name)
{
    const auto allowed = [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'_' || c == u'-' || c == u'.';
    };
    const QString rule = tr("use letters, digits, _ - and .");
    if (std::any_of(name.cbegin(), name.cend(), [](QChar c) { return c.isSpace(); })) {
        QString suggestion = name.simplified().replace(u' ', u'_');
        if (!suggestion.isEmpty() && suggestion.size() <= Protocol::MaxNameLength
            && std::all_of(suggestion.cbegin(), suggestion.cend(), allowed)) {
            return tr("A name cannot contain spaces: %1 (%2, for example).").arg(rule, suggestion);
        }
        return tr("A name cannot contain spaces: %1").arg(rule);
    }
    QStringList refused;
    // By code point: an emoji is two UTF-16 halves, neither of them printable alone.
    for (const char32_t c : name.toUcs4()) {
        if (c < 0x10000 && allowed(QChar(char16_t(c)))) {
            continue;
        }
        const QString quoted = u"“%1”"_s.arg(
            QChar::isPrint(c) ? QString::fromUcs4(&c, 1) : tr("a control character"));
        if (!refused.contains(quoted)) {
            refused.append(quoted);
        }
    }
    if (!refused.isEmpty()) {
        return tr("A name cannot contain %1: %2").arg(refused.join(u", "_s), rule);
    }
    if (name.size() > Protocol::MaxNameLength) {
        return tr("A name has at most %1 characters.").arg(Protocol::MaxNameLength);
    }
    return {};
}

QString ConnectDialog::throttleText(const QString &message)
{
    const QRegularExpressionMatch wait = QRegularExpression(u"(\\d+) ?s\\b"_s).match(message);
    if (!wait.hasMatch()) {
        return tr("The server is refusing sign-ins for now: %1").arg(message);
    }
    return tr("Too many sign-in attempts: try again in %1.")
        .arg(secondsText(wait.captured(1).toLongLong()));
}

void ConnectDialog::clearPasswords()
{
    m_password->clear();
    m_repeat->clear();
}

void ConnectDialog::rememberValues() const
{
    QSettings settings;
    settings.setValue(u"connect/host"_s, host());
    settings.setValue(u"connect/port"_s, port());
    settings.setValue(u"connect/name"_s, name());
    settings.setValue(u"connect/tls"_s, useTls());
}

void ConnectDialog::onCreateAccount()
{
    if (m_busy) {
        return;
    }
    // The password twice, as for any new password: a typo here would lock the person out.
    if (m_repeat->isHidden()) {
        showRepeat(true);
        if (password().isEmpty()) {
            showNotice(tr("Choose a password for %1: at least %2 characters.")
                           .arg(name())
                           .arg(ChatClient::MinPasswordLength),
                Field::Password);
        } else {
            setStatus(tr("Type the password again to create the account %1.").arg(name()), false);
            m_repeat->setFocus();
        }
        return;
    }
    switch (ChatClient::checkNewPassword(password(), m_repeat->text())) {
    case ChatClient::PasswordProblem::TooShort:
        showError(tr("A password needs at least %1 characters.").arg(ChatClient::MinPasswordLength),
            Field::Password);
        return;
    case ChatClient::PasswordProblem::TooLong:
        showError(tr("A password may have at most %1 bytes.").arg(ChatClient::MaxPasswordBytes),
            Field::Password);
        return;
    case ChatClient::PasswordProblem::Mismatch:
        m_repeat->clear();
        showError(tr("The two passwords differ: type the same one twice."), Field::Password);
        return;
    case ChatClient::PasswordProblem::None:
        break;
    }
    emit createAccountRequested();
}

void ConnectDialog::showRepeat(bool shown)
{
    m_repeat->setVisible(shown);
    m_repeatLabel->setVisible(shown);
    if (!shown) {
        m_repeat->clear();
    }
    updateButtons();
}

void ConnectDialog::setStatus(const QString &text, bool error)
{
    m_statusIsError = error && !text.isEmpty();
    m_nameProblemShown = false;
    m_status->setStyleSheet(error ? u"color: #c0392b;"_s : QString());
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

void ConnectDialog::setFieldsEnabled(bool enabled)
{
    for (QWidget *field : {static_cast<QWidget *>(m_host), static_cast<QWidget *>(m_port),
             static_cast<QWidget *>(m_name), static_cast<QWidget *>(m_password),
             static_cast<QWidget *>(m_repeat), static_cast<QWidget *>(m_tls)}) {
        field->setEnabled(enabled);
    }
}

void ConnectDialog::focusField(Field field)
{
    QLineEdit *target = field == Field::Host ? m_host : field == Field::Name ? m_name : m_password;
    if (field == Field::Password && name().isEmpty()) {
        target = m_name;
    }
    target->setFocus();
    target->selectAll();
}

QLineEdit *ConnectDialog::firstEmptyField() const
{
    if (host().isEmpty()) {
        return m_host;
    }
    if (name().isEmpty()) {
        return m_name;
    }
    if (password().isEmpty() && !m_savedSignIn) {
        return m_password;
    }
    return nullptr;
}

void ConnectDialog::checkName()
{
    const QString problem = nameProblem(name());
    if (!problem.isEmpty()) {
        setStatus(problem, true);
        m_nameProblemShown = true;
    } else if (m_nameProblemShown) {
        setStatus({}, false); // mended
    }
    updateButtons();
}

void ConnectDialog::updateButtons()
{
    // Nothing goes to the server under a name it would refuse.
    const bool named = !host().isEmpty() && !name().isEmpty() && nameProblem(name()).isEmpty();
    const bool canSignIn = !password().isEmpty() || m_savedSignIn;
    m_signIn->setEnabled(!m_busy && named && canSignIn);
    m_createAccount->setEnabled(!m_busy && named && m_guestsAllowed);
    m_guest->setEnabled(!m_busy && named && m_guestsAllowed);
    // Return does what the fields filled in suggest.
    QPushButton *preferred = !m_repeat->isHidden() ? m_createAccount
        : canSignIn || !m_guestsAllowed            ? m_signIn
                                                   : m_guest;
    for (QPushButton *button : {m_guest, m_cancel, m_createAccount, m_signIn}) {
        button->setDefault(button == preferred);
    }
}
