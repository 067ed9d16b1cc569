#include "sentcids.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

// The per-sender cid windows: who remembers what, and for how long.
class tst_SentCids : public QObject
{
    Q_OBJECT

private slots:
    void eachSenderHasItsOwnWindow();
    void windowKeepsTheNewest();
    void renameMovesTheWindow();
    void guestsAreForgottenWhenTheyLeave();
    void offlineAccountsKeepTheirNewestForAWhile();
    void anAccountOnlineAgainKeepsItsWindow();
};

void tst_SentCids::eachSenderHasItsOwnWindow()
{
    SentCids cids;
    cids.remember(u"a:1"_s, u"x"_s, 10);
    cids.remember(u"a:2"_s, u"x"_s, 11);
    QCOMPARE(cids.find(u"a:1"_s, u"x"_s), std::optional<qint64>(10));
    QCOMPARE(cids.find(u"a:2"_s, u"x"_s), std::optional<qint64>(11));
    QVERIFY(!cids.find(u"a:3"_s, u"x"_s));
    cids.remember(u"a:1"_s, QString(), 12); // no cid, nothing to remember
    cids.remember(QString(), u"y"_s, 13); // nobody's: a message from before identities
    QVERIFY(!cids.find(u"a:1"_s, QString()));
    QVERIFY(!cids.find(QString(), u"y"_s));
}

void tst_SentCids::windowKeepsTheNewest()
{
    SentCids cids;
    for (int i = 0; i < SentCids::PerSender + 5; ++i) {
        cids.remember(u"a:1"_s, QString::number(i), i);
    }
    QVERIFY(!cids.find(u"a:1"_s, u"4"_s));
    QCOMPARE(cids.find(u"a:1"_s, u"5"_s), std::optional<qint64>(5));
    QCOMPARE(cids.find(u"a:1"_s, QString::number(SentCids::PerSender + 4)),
        std::optional<qint64>(SentCids::PerSender + 4));
}

void tst_SentCids::renameMovesTheWindow()
{
    SentCids cids;
    cids.remember(u"g:guest"_s, u"x"_s, 1);
    cids.rename(u"g:guest"_s, u"a:7"_s);
    QCOMPARE(cids.find(u"a:7"_s, u"x"_s), std::optional<qint64>(1));
    QVERIFY(!cids.find(u"g:guest"_s, u"x"_s));
    cids.rename(u"g:nobody"_s, u"a:8"_s); // nothing to move
    QVERIFY(!cids.find(u"a:8"_s, u"x"_s));
}

void tst_SentCids::guestsAreForgottenWhenTheyLeave()
{
    SentCids cids;
    cids.remember(u"g:guest"_s, u"x"_s, 1);
    cids.senderLeft(u"g:guest"_s, [](const QString &) { return false; });
    QVERIFY(!cids.find(u"g:guest"_s, u"x"_s));
}

void tst_SentCids::offlineAccountsKeepTheirNewestForAWhile()
{
    SentCids cids;
    for (int i = 0; i < SentCids::PerSender; ++i) {
        cids.remember(u"a:1"_s, QString::number(i), i);
    }
    const auto nobodyOnline = [](const QString &) {
        return false;
    };
    cids.senderLeft(u"a:1"_s, nobodyOnline);
    const int newestKept = SentCids::PerSender - SentCids::OfflinePerSender;
    QVERIFY(!cids.find(u"a:1"_s, QString::number(newestKept - 1)));
    QCOMPARE(cids.find(u"a:1"_s, QString::number(newestKept)), std::optional<qint64>(newestKept));
    // It leaving again does not count twice: others keep their turn.
    cids.senderLeft(u"a:1"_s, nobodyOnline);
    for (int i = 2; i <= SentCids::OfflineSenders; ++i) {
        cids.remember(u"a:%1"_s.arg(i), u"x"_s, i);
        cids.senderLeft(u"a:%1"_s.arg(i), nobodyOnline);
    }
    QVERIFY(cids.find(u"a:1"_s, QString::number(newestKept)));
    // One more, and the account that left longest ago is forgotten.
    cids.remember(u"a:9999"_s, u"x"_s, 1);
    cids.senderLeft(u"a:9999"_s, nobodyOnline);
    QVERIFY(!cids.find(u"a:1"_s, QString::number(newestKept)));
    QVERIFY(cids.find(u"a:2"_s, u"x"_s));
}

void tst_SentCids::anAccountOnlineAgainKeepsItsWindow()
{
    SentCids cids;
    const QSet<QString> online{u"a:1"_s};
    const auto isOnline = [&online](const QString &identity) {
        return online.contains(identity);
    };
    cids.remember(u"a:1"_s, u"x"_s, 1);
    cids.senderLeft(u"a:1"_s, isOnline); // it left, and is back by the time its turn comes
    for (int i = 2; i <= SentCids::OfflineSenders + 1; ++i) {
        cids.remember(u"a:%1"_s.arg(i), u"x"_s, i);
        cids.senderLeft(u"a:%1"_s.arg(i), isOnline);
    }
    QCOMPARE(cids.find(u"a:1"_s, u"x"_s), std::optional<qint64>(1));
}

QTEST_APPLESS_MAIN(tst_SentCids)
#include "tst_sentcids.moc"
