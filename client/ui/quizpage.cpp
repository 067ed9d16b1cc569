#include "quizpage.h"

#include "chatclient.h"

#include <QEvent>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

// The wire uses ASCII operators; people read × and ÷.
QString pretty(QString question)
{
    return question.replace(u'*', u'×').replace(u'/', u'÷').replace(u'-', u'−');
}

QString formatScore(double score)
{
    return QLocale().toString(score, 'g', 4);
}

} // namespace

QuizPage::QuizPage(ChatClient &client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_countdown(this)
    , m_progressLabel(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_question(new QLabel(this))
    , m_answer(new QLineEdit(this))
    , m_submit(new QPushButton(tr("&Answer"), this))
    , m_feedback(new QLabel(this))
    , m_score(new QLabel(this))
    , m_start(new QPushButton(this))
    , m_cardBox(new QGroupBox(tr("Your result"), this))
    , m_card(new QLabel(m_cardBox))
    , m_leaderboard(new QTableView(this))
{
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &QuizPage::tick);

    QFont big = m_question->font();
    big.setPointSizeF(big.pointSizeF() * 2.4);
    big.setBold(true);
    m_question->setFont(big);
    m_question->setAlignment(Qt::AlignCenter);
    m_question->setMinimumHeight(QFontMetrics(big).height() * 2);
    m_question->setAccessibleName(tr("Question"));
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(8);
    m_answer->setPlaceholderText(tr("Your answer, then Enter"));
    m_answer->setValidator(
        new QRegularExpressionValidator(QRegularExpression(u"-?\\d{0,4}"_s), m_answer));
    m_answer->setAlignment(Qt::AlignCenter);
    m_answer->setMaximumWidth(220);
    m_answer->setAccessibleName(tr("Answer"));
    m_feedback->setAlignment(Qt::AlignCenter);
    m_feedback->setWordWrap(true);
    m_score->setAlignment(Qt::AlignCenter);
    m_card->setWordWrap(true);
    m_card->setTextFormat(Qt::RichText);
    m_start->setAutoDefault(true);
    auto *cardLayout = new QVBoxLayout(m_cardBox);
    cardLayout->addWidget(m_card);

    m_leaderboard->setModel(client.leaderboard());
    m_leaderboard->verticalHeader()->hide();
    m_leaderboard->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_leaderboard->horizontalHeader()->setSectionResizeMode(
        LeaderboardModel::Name, QHeaderView::Stretch);
    m_leaderboard->viewport()->installEventFilter(this);
    connect(client.leaderboard(), &QAbstractItemModel::modelReset, this, &QuizPage::fitLeaderboard);
    m_leaderboard->setSelectionMode(QAbstractItemView::NoSelection);
    m_leaderboard->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_leaderboard->setAccessibleName(tr("Leaderboard"));

    auto *answerRow = new QHBoxLayout;
    answerRow->addStretch();
    answerRow->addWidget(m_answer);
    answerRow->addWidget(m_submit);
    answerRow->addStretch();

    auto *play = new QVBoxLayout;
    play->addWidget(m_progressLabel);
    play->addWidget(m_progress);
    play->addStretch();
    play->addWidget(m_question);
    play->addLayout(answerRow);
    play->addWidget(m_feedback);
    play->addWidget(m_score);
    play->addStretch();
    play->addWidget(m_cardBox);
    play->addWidget(m_start, 0, Qt::AlignHCenter);

    auto *board = new QVBoxLayout;
    board->addWidget(new QLabel(tr("<b>Leaderboard</b> — each player's best"), this));
    board->addWidget(m_leaderboard);

    auto *layout = new QHBoxLayout(this);
    layout->addLayout(play, 3);
    layout->addSpacing(12);
    layout->addLayout(board, 2);

    connect(m_start, &QPushButton::clicked, this, &QuizPage::startOrStop);
    connect(m_answer, &QLineEdit::returnPressed, this, &QuizPage::submit);
    connect(m_submit, &QPushButton::clicked, this, &QuizPage::submit);
    connect(client.quiz(), &QuizState::changed, this, &QuizPage::refresh);
    connect(&client, &ChatClient::stateChanged, this, &QuizPage::refresh);
    refresh();
}

void QuizPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Others may have played since we last looked.
    if (m_client.isOnline()) {
        m_client.requestLeaderboard();
    }
}

bool QuizPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_leaderboard->viewport() && event->type() == QEvent::Resize) {
        fitLeaderboard();
    }
    return QWidget::eventFilter(watched, event);
}

void QuizPage::fitLeaderboard()
{
    QHeaderView *header = m_leaderboard->horizontalHeader();
    const QAbstractItemView *view = m_leaderboard; // sizeHintForColumn is public there
    m_headerWidths.resize(LeaderboardModel::ColumnCount);
    for (int column = 0; column < LeaderboardModel::ColumnCount; ++column) {
        if (!header->isSectionHidden(column)) {
            m_headerWidths[column] = header->sectionSizeHint(column);
        }
    }
    const auto needed = [this, view](int column) {
        return std::max(m_headerWidths.at(column), view->sizeHintForColumn(column));
    };
    int total = 0;
    for (int column = 0; column < LeaderboardModel::ColumnCount; ++column) {
        total += needed(column);
    }
    // The least telling first: the score says more than the counts behind it.
    const int available = m_leaderboard->viewport()->width();
    for (int column : {LeaderboardModel::Wrong, LeaderboardModel::Right, LeaderboardModel::Time}) {
        const bool hide = total > available;
        header->setSectionHidden(column, hide);
        if (hide) {
            total -= needed(column);
        }
    }
}

void QuizPage::startOrStop()
{
    if (m_client.quiz()->phase() == QuizState::Phase::Running || m_countdown.isActive()) {
        m_countdown.stop();
        if (m_client.quiz()->phase() == QuizState::Phase::Running) {
            m_client.stopQuiz();
        }
        refresh();
        return;
    }
    m_client.quiz()->reset();
    m_remaining = m_countdownSeconds;
    if (m_remaining <= 0) {
        m_client.startQuiz();
    } else {
        m_countdown.start();
    }
    refresh();
}

void QuizPage::tick()
{
    if (--m_remaining <= 0) {
        m_countdown.stop();
        m_client.startQuiz();
    }
    refresh();
}

void QuizPage::submit()
{
    if (m_answer->text().isEmpty() || m_answer->text() == "-"_L1) {
        return;
    }
    if (m_client.answerQuiz(m_answer->text())) {
        m_answer->clear();
    }
}

void QuizPage::refresh()
{
    const QuizState *quiz = m_client.quiz();
    const bool online = m_client.isOnline();
    const bool running = quiz->phase() == QuizState::Phase::Running;
    const bool counting = m_countdown.isActive();

    m_start->setEnabled(online);
    m_start->setText(running || counting                  ? tr("S&top quiz")
            : quiz->phase() == QuizState::Phase::Finished ? tr("Play &again")
                                                          : tr("&Start quiz"));
    m_answer->setEnabled(online && running);
    m_submit->setEnabled(online && running);
    m_progress->setMaximum(std::max(1, quiz->total()));
    m_progress->setValue(running ? quiz->number() - 1 : quiz->total());
    m_progress->setVisible(running);

    if (counting) {
        m_progressLabel->setText(tr("Get ready…"));
        m_question->setText(QString::number(m_remaining));
    } else if (running) {
        m_progressLabel->setText(tr("Question %1 of %2").arg(quiz->number()).arg(quiz->total()));
        m_question->setText(tr("%1 = ?").arg(pretty(quiz->question())));
    } else if (!online) {
        m_progressLabel->clear();
        m_question->setText(tr("Offline"));
    } else if (quiz->phase() == QuizState::Phase::Idle) {
        m_progressLabel->clear();
        m_question->setText(tr("Ready?"));
    } else {
        m_progressLabel->clear();
        m_question->setText(quiz->completed() ? tr("Finished!") : tr("Stopped"));
    }

    if (!quiz->error().isEmpty()) {
        m_feedback->setText(quiz->error());
        m_feedback->setStyleSheet(u"color: #c0392b;"_s);
    } else if (quiz->hasVerdict()) {
        m_feedback->setText(quiz->lastCorrect() ? tr("✔ Right!")
                                                : tr("✘ Wrong: %1 = %2")
                                                      .arg(pretty(quiz->lastQuestion()))
                                                      .arg(quiz->lastExpected()));
        m_feedback->setStyleSheet(
            quiz->lastCorrect() ? u"color: #2e8b57;"_s : u"color: #c0392b;"_s);
    } else {
        m_feedback->setText(running || counting ? QString()
                                                : tr("Ten questions, +1 for a right "
                                                     "answer, −0.25 for a wrong one."));
        m_feedback->setStyleSheet({});
    }
    m_score->setText(running ? tr("Score %1 · %2 right · %3 wrong")
                                   .arg(formatScore(quiz->score()))
                                   .arg(quiz->right())
                                   .arg(quiz->wrong())
                             : QString());

    const bool finished = quiz->phase() == QuizState::Phase::Finished;
    m_cardBox->setVisible(finished);
    if (finished) {
        m_card->setText(tr("<p style='font-size:large'><b>Score %1</b> out of %2</p>"
                           "<p>%3 right, %4 wrong, in %5 seconds%6</p>")
                            .arg(formatScore(quiz->score()))
                            .arg(quiz->total())
                            .arg(quiz->right())
                            .arg(quiz->wrong())
                            .arg(QLocale().toString(quiz->seconds(), 'f', 1))
                            .arg(quiz->completed() ? QString() : tr(" (stopped early)")));
    }
    if (running && !m_answer->hasFocus() && isVisible()) {
        m_answer->setFocus();
    }
}
