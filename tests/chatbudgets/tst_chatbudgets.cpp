#include "chatbudgets.h"
#include "floodguard.h"
#include "pasteguard.h"

#include <QRegularExpression>
#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace Qt::StringLiterals;

// Each person's chat and history allowance, shared by all their connections, on a clock the test
// drives: what two connections of one person get together, who counts as one person, and how
// many budgets are held.
class tst_ChatBudgets : public QObject
{
    Q_OBJECT

private slots:
    void connectionsShareOneBudget();
    void aReconnectFindsItSpent();
    void jsonSeesTheTopOfThePasteBucket();
    void owners();
    void chatAndHistoryAreApart();
    void fullBudgetsAreForgotten();
    void budgetsAreCapped();
    void threadsTakeNoMoreThanTheBurst();
};

namespace {

constexpr double Rate = 5;
constexpr double Burst = 20;

// Budgets and the time they read, in milliseconds; the test moves the time.
struct Fixture
{
    explicit Fixture(int maxEntries = ChatBudgets::DefaultMaxEntries)
        : budgets(maxEntries, [this] { return now.load(); })
    {
    }

    // A JSON connection's guard on who's chat budget, as Session makes it.
    FloodGuard guard(const QString &who)
    {
        return FloodGuard(
            [this, who] {
                return budgets.take(ChatBudgets::Kind::Chat, who, Rate,
                    Burst * PasteGuard::LinesPerBurst, Burst * (PasteGuard::LinesPerBurst - 1));
            },
            int(Burst));
    }

    int allowedInARow(FloodGuard &guard)
    {
        int allowed = 0;
        while (guard.admit() == FloodGuard::Verdict::Allowed) {
            ++allowed;
        }
        return allowed;
    }

    std::atomic<qint64> now{1'000'000};
    ChatBudgets budgets;
};

} // namespace

void tst_ChatBudgets::connectionsShareOneBudget()
{
    // Two connections of one account: a burst between them, not each.
    Fixture fixture;
    FloodGuard first = fixture.guard(u"a:1"_s);
    FloodGuard second = fixture.guard(u"a:1"_s);
    for (int i = 0; i < 12; ++i) {
        QCOMPARE(first.admit(), FloodGuard::Verdict::Allowed);
    }
    QCOMPARE(fixture.allowedInARow(second), 8);
    QCOMPARE(first.admit(), FloodGuard::Verdict::Refused);
    // Refusals in a row are each connection's own: flooding is decided per connection.
    QCOMPARE(first.strikes(), 1);
    QCOMPARE(second.strikes(), 1);
    fixture.now += 1000;
    QCOMPARE(fixture.allowedInARow(first) + fixture.allowedInARow(second), int(Rate));
}

void tst_ChatBudgets::aReconnectFindsItSpent()
{
    // A script that reconnects for a fresh bucket gets the one it left: the sustained rate
    // overall, however many connections it makes.
    Fixture fixture;
    int allowed = 0;
    for (int connection = 0; connection <= 1000; ++connection) {
        FloodGuard guard = fixture.guard(u"@192.0.2.1"_s);
        for (int say = 0; say < Burst; ++say) {
            allowed += guard.admit() == FloodGuard::Verdict::Allowed;
        }
        fixture.now += 10; // a connection every 10 ms: 10 s in all
    }
    // The burst and 10 s at the rate (a token's rounding either way).
    QVERIFY2(allowed >= Burst + Rate * 10 - 1 && allowed <= Burst + Rate * 10,
        qPrintable(QString::number(allowed)));
}

void tst_ChatBudgets::jsonSeesTheTopOfThePasteBucket()
{
    // A person's paste may use the whole bucket (5 bursts); a JSON client its top burst. One
    // budget, so switching formats gains nothing.
    Fixture fixture;
    const QString who = u"a:7"_s;
    int pasted = 0;
    PasteGuard paste(
        Rate, Burst, [&fixture] { return fixture.now.load(); },
        [&fixture, &who] {
            return fixture.budgets.take(
                ChatBudgets::Kind::Chat, who, Rate, Burst * PasteGuard::LinesPerBurst, 0);
        });
    FloodGuard json = fixture.guard(who);
    QCOMPARE(fixture.allowedInARow(json), int(Burst));
    while (paste.admit()) {
        ++pasted;
    }
    QCOMPARE(pasted, int(Burst * (PasteGuard::LinesPerBurst - 1)));
    // Refilling from empty: a JSON client must wait for the top again, the paste need not.
    fixture.now += 2000;
    QCOMPARE(json.admit(), FloodGuard::Verdict::Refused);
    QVERIFY(paste.admit());
}

void tst_ChatBudgets::owners()
{
    QCOMPARE(ChatBudgets::owner(true, u"a:12"_s, u"192.0.2.1"_s), u"a:12"_s);
    // A guest is a new identity on each connection: its address is what stays.
    QCOMPARE(ChatBudgets::owner(false, u"g:1234"_s, u"192.0.2.1"_s), u"@192.0.2.1"_s);
    QCOMPARE(ChatBudgets::owner(false, u"g:5678"_s, u"2001:db8::/64"_s), u"@2001:db8::/64"_s);

    Fixture fixture;
    FloodGuard alice = fixture.guard(u"a:12"_s);
    FloodGuard bob = fixture.guard(u"a:13"_s);
    FloodGuard guest = fixture.guard(u"@192.0.2.1"_s);
    QCOMPARE(fixture.allowedInARow(alice), int(Burst));
    QCOMPARE(fixture.allowedInARow(bob), int(Burst));
    QCOMPARE(fixture.allowedInARow(guest), int(Burst));
    QCOMPARE(fixture.budgets.size(), 3);
}

void tst_ChatBudgets::chatAndHistoryAreApart()
{
    Fixture fixture;
    FloodGuard chat = fixture.guard(u"a:1"_s);
    QCOMPARE(fixture.allowedInARow(chat), int(Burst));
    int pages = 0;
    while (fixture.budgets.take(ChatBudgets::Kind::History, u"a:1"_s, 2, 10)) {
        ++pages;
    }
    QCOMPARE(pages, 10);
}

void tst_ChatBudgets::fullBudgetsAreForgotten()
{
    Fixture fixture;
    for (int i = 0; i < 500; ++i) {
        FloodGuard guard = fixture.guard(u"a:%1"_s.arg(i));
        guard.admit();
    }
    QCOMPARE(fixture.budgets.size(), 500);
    // One token refills in 0.2 s: then every budget is full again, and goes as others are used.
    fixture.now += 200;
    FloodGuard busy = fixture.guard(u"a:busy"_s);
    for (int i = 0; i < 100; ++i) {
        busy.admit();
    }
    QCOMPARE(fixture.budgets.size(), 1);
    QCOMPARE(fixture.budgets.evictions(), 0);
}

void tst_ChatBudgets::budgetsAreCapped()
{
    // More people chatting at once than the table holds: it stays at its cap and says so once.
    Fixture fixture(1000);
    FloodGuard flooder = fixture.guard(u"@192.0.2.1"_s);
    QCOMPARE(fixture.allowedInARow(flooder), int(Burst));
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(u"chat allowances: all 1000 buckets in use"_s));
    for (int i = 0; i < 20'000; ++i) {
        FloodGuard guard = fixture.guard(u"a:%1"_s.arg(i));
        QCOMPARE(guard.admit(), FloodGuard::Verdict::Allowed);
        QVERIFY(fixture.budgets.size() <= 1000);
        if (i % 100 == 0) {
            // The most recently used is never the one pushed out.
            QVERIFY(flooder.admit() != FloodGuard::Verdict::Allowed);
        }
    }
    QCOMPARE(fixture.budgets.size(), 1000);
    QVERIFY(fixture.budgets.evictions() >= 19'000);
}

void tst_ChatBudgets::threadsTakeNoMoreThanTheBurst()
{
    // Four connections of one person on four threads, at once: the burst between them.
    Fixture fixture;
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&fixture, &allowed] {
            FloodGuard guard = fixture.guard(u"a:1"_s);
            for (int i = 0; i < 10'000; ++i) {
                if (guard.admit() == FloodGuard::Verdict::Allowed) {
                    ++allowed;
                }
            }
        });
    }
    for (std::thread &thread : threads) {
        thread.join();
    }
    QCOMPARE(allowed.load(), int(Burst));
}

QTEST_APPLESS_MAIN(tst_ChatBudgets)
#include "tst_chatbudgets.moc"
