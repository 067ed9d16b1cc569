#include "timepage.h"

#include "chatclient.h"

#include <QComboBox>
#include <QCompleter>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTimeZone>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

TimePage::TimePage(ChatClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_day(new QPushButton(tr("&Day"), this))
    , m_date(new QPushButton(tr("Da&te"), this))
    , m_time(new QPushButton(tr("T&ime"), this))
    , m_zone(new QComboBox(this))
    , m_answer(new QLabel(this))
    , m_detail(new QLabel(this))
    , m_tick(this)
{
    m_tick.setSingleShot(true);
    m_tick.setTimerType(Qt::PreciseTimer);
    connect(&m_tick, &QTimer::timeout, this, &TimePage::tick);
    m_zone->setEditable(true);
    m_zone->addItem(tr("The server's time zone"), QString());
    for (const QByteArray &id : QTimeZone::availableTimeZoneIds()) {
        m_zone->addItem(QString::fromUtf8(id), QString::fromUtf8(id));
    }
    m_zone->setInsertPolicy(QComboBox::NoInsert);
    // A list, not the combo box's inline completion: that one appends the rest of the first
    // match to what was typed, which is right only for a prefix ("Tokyo" became "TokyoTokyo",
    // the rest of "Asia/Tokyo" after five characters).
    m_zone->completer()->setCompletionMode(QCompleter::PopupCompletion);
    m_zone->completer()->setFilterMode(Qt::MatchContains);
    m_zone->completer()->setCaseSensitivity(Qt::CaseInsensitive);
    m_zone->setAccessibleName(tr("Time zone"));

    QFont big = m_answer->font();
    big.setPointSizeF(big.pointSizeF() * 2.6);
    big.setBold(true);
    m_answer->setFont(big);
    m_answer->setAlignment(Qt::AlignCenter);
    m_answer->setText(tr("Ask the server"));
    m_answer->setAccessibleName(tr("Answer"));
    m_detail->setAlignment(Qt::AlignCenter);
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    for (QPushButton *button : {m_day, m_date, m_time}) {
        button->setMinimumWidth(110);
        buttons->addWidget(button);
    }
    buttons->addStretch();

    m_zone->setMinimumWidth(280);
    auto *zoneLabel = new QLabel(tr("Time &zone:"), this);
    zoneLabel->setBuddy(m_zone);
    auto *zoneRow = new QHBoxLayout;
    zoneRow->addStretch();
    zoneRow->addWidget(zoneLabel);
    zoneRow->addWidget(m_zone);
    zoneRow->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->addStretch();
    layout->addWidget(m_answer);
    layout->addWidget(m_detail);
    layout->addSpacing(24);
    layout->addLayout(buttons);
    layout->addSpacing(12);
    layout->addLayout(zoneRow);
    layout->addStretch();

    connect(m_day, &QPushButton::clicked, this, [this] { ask(u"day"_s); });
    connect(m_date, &QPushButton::clicked, this, [this] { ask(u"date"_s); });
    connect(m_time, &QPushButton::clicked, this, [this] { ask(u"time"_s); });
    connect(&client, &ChatClient::timeReceived, this, &TimePage::onAnswer);
    connect(
        &client, &ChatClient::timeFailed, this, [this](const QString &, const QString &message) {
            m_tick.stop();
            m_answer->setText(tr("—"));
            m_detail->setText(message);
        });
    connect(&client, &ChatClient::stateChanged, this, &TimePage::updateEnabled);
    updateEnabled();
}

void TimePage::ask(const QString &query)
{
    // An entry typed by hand has no data; a picked one carries its id.
    QString zone = m_zone->currentData().toString();
    if (m_zone->currentIndex() < 0
        || m_zone->currentText() != m_zone->itemText(m_zone->currentIndex())) {
        zone = m_zone->currentText().trimmed();
    }
    m_client.requestTime(query, zone);
}

void TimePage::onAnswer(const QJsonObject &reply)
{
    m_tick.stop();
    m_answer->setText(reply.value("value"_L1).toString());
    const QString zoneId = reply.value("zone"_L1).toString();
    m_detail->setText(tr("%1 · %2 · UTC%3")
                          .arg(zoneId, reply.value("abbreviation"_L1).toString(),
                              reply.value("offset"_L1).toString()));
    m_query = reply.value("query"_L1).toString().toLower();
    m_answered = QDateTime::fromString(reply.value("iso"_L1).toString(), Qt::ISODateWithMs);
    if (!m_answered.isValid()) {
        return; // nothing to count from: the answer stays as it came
    }
    // In the zone itself where this computer knows it the same way, so that a change to or
    // from summer time is followed; else at the offset the server gave.
    const QTimeZone zone(zoneId.toUtf8());
    if (zone.isValid() && zone.offsetFromUtc(m_answered) == m_answered.offsetFromUtc()) {
        m_answered = m_answered.toTimeZone(zone);
    }
    m_sinceAnswer.start();
    tick();
}

void TimePage::tick()
{
    const QDateTime now = m_answered.addMSecs(m_sinceAnswer.elapsed());
    if (m_query == "time"_L1) {
        m_answer->setText(now.toString(u"HH:mm:ss"_s));
    } else if (m_query == "date"_L1) {
        m_answer->setText(now.toString(u"yyyy-MM-dd"_s));
    } else if (m_query == "day"_L1) {
        m_answer->setText(QLocale::c().dayName(now.date().dayOfWeek()));
    } else {
        return;
    }
    // Just after the next whole second, so that the seconds shown turn with the clock's.
    m_tick.start(1000 - now.time().msec() + 5);
}

void TimePage::updateEnabled()
{
    const bool online = m_client.isOnline();
    if (!online) {
        m_tick.stop(); // the answers come from the server: the last one is left as it was
    }
    for (QPushButton *button : {m_day, m_date, m_time}) {
        button->setEnabled(online);
    }
    if (!online) {
        m_detail->setText(tr("Offline: the answers come from the server."));
    } else if (m_detail->text() == tr("Offline: the answers come from the server.")) {
        m_detail->clear();
    }
}
