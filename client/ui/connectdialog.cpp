#include "connectdialog.h"

#include "protocol.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSettings>
#include <QSpinBox>

using namespace Qt::StringLiterals;

ConnectDialog::ConnectDialog(QWidget *parent)
    : QDialog(parent)
    , m_host(new QLineEdit(this))
    , m_port(new QSpinBox(this))
    , m_name(new QLineEdit(this))
    , m_tls(new QCheckBox(tr("&Encrypt the connection (TLS)"), this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(this))
{
    setWindowTitle(tr("Connect to Natter"));
    m_port->setRange(1, 65535);
    m_port->setGroupSeparatorShown(false);
    // Only what the server accepts can be typed (docs/PROTOCOL.md, Names).
    m_name->setValidator(new QRegularExpressionValidator(
        QRegularExpression(u"[A-Za-z0-9_.-]{0,%1}"_s.arg(Protocol::MaxNameLength)), m_name));
    m_name->setPlaceholderText(tr("letters, digits, _ - ."));
    m_status->setWordWrap(true);
    m_status->setMinimumWidth(320);

    m_tls->setToolTip(tr("The server must have been started with --tls-cert and --tls-key"));
    QSettings settings;
    m_tls->setChecked(settings.value(u"connect/tls"_s, false).toBool());
    setValues(settings.value(u"connect/host"_s, u"127.0.0.1"_s).toString(),
        quint16(settings.value(u"connect/port"_s, Protocol::DefaultPort).toUInt()),
        settings.value(u"connect/name"_s, qEnvironmentVariable("USER")).toString());

    m_buttons->addButton(tr("&Connect"), QDialogButtonBox::AcceptRole);
    m_buttons->addButton(QDialogButtonBox::Cancel);

    auto *form = new QFormLayout(this);
    form->addRow(tr("&Server:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(QString(), m_tls);
    form->addRow(m_status);
    form->addRow(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!m_busy) {
            emit connectRequested();
        }
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_host, &QLineEdit::textChanged, this, &ConnectDialog::updateButton);
    connect(m_name, &QLineEdit::textChanged, this, &ConnectDialog::updateButton);
    updateButton();
}

void ConnectDialog::setValues(const QString &host, quint16 port, const QString &name)
{
    m_host->setText(host);
    m_port->setValue(port);
    QString valid = name;
    int position = 0;
    if (m_name->validator()->validate(valid, position) == QValidator::Acceptable) {
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

bool ConnectDialog::useTls() const
{
    return m_tls->isChecked();
}

void ConnectDialog::setUseTls(bool tls)
{
    m_tls->setChecked(tls);
}

void ConnectDialog::setBusy(const QString &status)
{
    m_busy = true;
    m_status->setStyleSheet({});
    m_status->setText(status);
    for (QWidget *field : {static_cast<QWidget *>(m_host), static_cast<QWidget *>(m_port),
             static_cast<QWidget *>(m_name)}) {
        field->setEnabled(false);
    }
    updateButton();
}

void ConnectDialog::showError(const QString &message, bool nameProblem)
{
    m_busy = false;
    m_status->setStyleSheet(u"color: #c0392b;"_s);
    m_status->setText(message);
    for (QWidget *field : {static_cast<QWidget *>(m_host), static_cast<QWidget *>(m_port),
             static_cast<QWidget *>(m_name)}) {
        field->setEnabled(true);
    }
    QLineEdit *culprit = nameProblem ? m_name : m_host;
    culprit->setFocus();
    culprit->selectAll();
    updateButton();
}

void ConnectDialog::rememberValues() const
{
    QSettings settings;
    settings.setValue(u"connect/host"_s, host());
    settings.setValue(u"connect/port"_s, port());
    settings.setValue(u"connect/name"_s, name());
    settings.setValue(u"connect/tls"_s, useTls());
}

void ConnectDialog::updateButton()
{
    m_buttons->buttons().first()->setEnabled(!m_busy && !host().isEmpty() && !name().isEmpty());
}
