#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class ChatClient;
class QJsonObject;
class QComboBox;
class QLabel;
class QPushButton;

// The Time tab: Day, Date and Time buttons that ask the server, the answer, and the
// time zone it was given in (the server's, or one picked from the list, which filters as one
// types). The answer goes on ticking: from the instant the server gave and the time elapsed
// here since, not by asking again.
class TimePage : public QWidget
{
    Q_OBJECT

public:
    explicit TimePage(ChatClient &client, QWidget *parent = nullptr);

    QPushButton *dayButton() const { return m_day; }
    QPushButton *dateButton() const { return m_date; }
    QPushButton *timeButton() const { return m_time; }
    QComboBox *zoneBox() const { return m_zone; }
    QLabel *answerLabel() const { return m_answer; }
    QLabel *detailLabel() const { return m_detail; }

private:
    void ask(const QString &query);
    void onAnswer(const QJsonObject &reply);
    // Shows the answer as of now, and comes back when the shown second ends.
    void tick();
    void updateEnabled();

    ChatClient &m_client;
    QPushButton *m_day = nullptr;
    QPushButton *m_date = nullptr;
    QPushButton *m_time = nullptr;
    QComboBox *m_zone = nullptr;
    QLabel *m_answer = nullptr;
    QLabel *m_detail = nullptr;
    QTimer m_tick;
    QString m_query; // of the answer shown (day, date or time); empty: nothing ticks
    QDateTime m_answered; // the server's instant, in the zone it answered in
    QElapsedTimer m_sinceAnswer;
};
