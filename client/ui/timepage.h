#pragma once

#include <QWidget>

class ChatClient;
class QComboBox;
class QLabel;
class QPushButton;

// The Time tab: Day, Date and Time buttons that ask the server, the answer, and the
// time zone it was given in (the server's, or one picked from the list).
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
    void updateEnabled();

    ChatClient &m_client;
    QPushButton *m_day = nullptr;
    QPushButton *m_date = nullptr;
    QPushButton *m_time = nullptr;
    QComboBox *m_zone = nullptr;
    QLabel *m_answer = nullptr;
    QLabel *m_detail = nullptr;
};
