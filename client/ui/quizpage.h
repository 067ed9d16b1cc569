#pragma once

#include <QTimer>
#include <QWidget>

class ChatClient;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;

// The Quiz tab: Start, a 3-2-1 countdown, each question with its number, an answer
// field that takes Enter, right/wrong feedback with the running score, the score card at the
// end, and the leaderboard. In a narrow window the leaderboard keeps the names whole: the
// right and wrong counts, then the time, give way (they stay in each row's tooltip).
class QuizPage : public QWidget
{
    Q_OBJECT

public:
    explicit QuizPage(ChatClient &client, QWidget *parent = nullptr);

    // Tests shorten the countdown; people get three seconds.
    void setCountdownSeconds(int seconds) { m_countdownSeconds = seconds; }

    QPushButton *startButton() const { return m_start; }
    QLineEdit *answerField() const { return m_answer; }
    QLabel *questionLabel() const { return m_question; }
    QLabel *feedbackLabel() const { return m_feedback; }
    QLabel *scoreCard() const { return m_card; }
    QTableView *leaderboardView() const { return m_leaderboard; }

protected:
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void startOrStop();
    void tick();
    void submit();
    void refresh();
    // Shows the leaderboard's columns that fit beside whole names, hiding the others.
    void fitLeaderboard();

    ChatClient &m_client;
    QTimer m_countdown;
    int m_countdownSeconds = 3;
    int m_remaining = 0;
    QLabel *m_progressLabel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_question = nullptr;
    QLineEdit *m_answer = nullptr;
    QPushButton *m_submit = nullptr;
    QLabel *m_feedback = nullptr;
    QLabel *m_score = nullptr;
    QPushButton *m_start = nullptr;
    QGroupBox *m_cardBox = nullptr;
    QLabel *m_card = nullptr;
    QTableView *m_leaderboard = nullptr;
    // Each leaderboard header's width, as measured while it was shown (a hidden one has none).
    QList<int> m_headerWidths;
};
