#include "frames.h"
#include "joinroomdialog.h"
#include "roomdirectorymodel.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

// The Join a room dialog and its model on their own, driven with QTest (no server: the window
// wires it to one): the rooms as the server lists them, narrowed by typing, joined by button,
// double-click or Return, and room names checked before a create is sent.
class tst_JoinRoomDialog : public QObject
{
    Q_OBJECT

private slots:
    void modelFromARoomsFrame();
    void modelHeadersAndTooltips();
    void loadingUntilTheRoomsArrive();
    void refreshOnShowAndOnRequest();
    void theViewSortsByAnyColumn();
    void filterNarrowsByNameAndTopic();
    void joinButtonJoinsTheSelectedRoom();
    void doubleClickJoins();
    void returnInTheFilterJoinsTheMatch();
    void aJoinedRoomIsOpened();
    void aRefreshKeepsTheSelection();
    void badRoomNamesAreNotSent_data();
    void badRoomNamesAreNotSent();
    void createSendsTheNameInLowerCase();
    void createAListedRoomIsRefusedHere();
    void noMatchOffersToCreateIt();
    void refusalsAreShownInPlace_data();
    void refusalsAreShownInPlace();
};

namespace {

// As a server sends them (server order, not sorted), with a malformed entry.
QJsonArray sampleRooms()
{
    return {
        Frames::roomEntry(u"general"_s, u"Anything goes"_s, 12, true, false),
        Frames::roomEntry(u"random"_s, QString(), 1, false, false),
        Frames::roomEntry(u"ops"_s, u"On call this week: carol"_s, 3, true, true),
        Frames::roomEntry(u"dev"_s, u"Builds and CI"_s, 5, false, false),
        Frames::roomEntry(u"Music"_s, u"Deviant playlists"_s, 2, false, false),
        QJsonObject{{"topic"_L1, u"no name"_s}},
    };
}

QStringList proxyNames(const JoinRoomDialog &dialog)
{
    QStringList names;
    const QAbstractItemModel *model = dialog.view()->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        names << model->index(row, 0).data(RoomDirectoryModel::NameRole).toString();
    }
    return names;
}

QPoint rowCenter(const JoinRoomDialog &dialog, const QString &room)
{
    const QAbstractItemModel *model = dialog.view()->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, RoomDirectoryModel::RoomColumn);
        if (index.data(RoomDirectoryModel::NameRole).toString() == room) {
            return dialog.view()->visualRect(index).center();
        }
    }
    return {-1, -1};
}

// As a person double-clicks: press and release, then the double click.
void doubleClickRow(const JoinRoomDialog &dialog, const QString &room)
{
    const QPoint where = rowCenter(dialog, room);
    QTest::mouseClick(dialog.view()->viewport(), Qt::LeftButton, {}, where);
    QTest::mouseDClick(dialog.view()->viewport(), Qt::LeftButton, {}, where);
}

QString selectedRoom(const JoinRoomDialog &dialog)
{
    const QModelIndexList rows = dialog.view()->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString()
                          : rows.constFirst().data(RoomDirectoryModel::NameRole).toString();
}

} // namespace

void tst_JoinRoomDialog::modelFromARoomsFrame()
{
    RoomDirectoryModel model;
    model.reset(sampleRooms());
    QCOMPARE(model.rowCount(), 5); // the entry without a name is dropped
    QCOMPARE(model.columnCount(), 3);

    // Sorted by name, ignoring case.
    QStringList names;
    for (int row = 0; row < model.rowCount(); ++row) {
        names << model.index(row, 0).data(RoomDirectoryModel::NameRole).toString();
    }
    QCOMPARE(names, (QStringList{u"dev"_s, u"general"_s, u"Music"_s, u"ops"_s, u"random"_s}));

    const int ops = model.rowOf(u"OPS"_s);
    QCOMPARE(ops, 3);
    QCOMPARE(model.rowOf(u"nowhere"_s), -1);
    const QModelIndex opsName = model.index(ops, RoomDirectoryModel::RoomColumn);
    QCOMPARE(opsName.data().toString(), u"🔒 ops (joined)"_s);
    QCOMPARE(opsName.data(RoomDirectoryModel::PrivateRole).toBool(), true);
    QCOMPARE(opsName.data(RoomDirectoryModel::JoinedRole).toBool(), true);
    QCOMPARE(opsName.data(RoomDirectoryModel::MembersRole).toInt(), 3);
    QCOMPARE(model.index(ops, RoomDirectoryModel::TopicColumn).data().toString(),
        u"On call this week: carol"_s);

    const QModelIndex general = model.index(model.rowOf(u"general"_s), 0);
    QCOMPARE(general.data().toString(), u"general (joined)"_s);
    QCOMPARE(general.data(RoomDirectoryModel::PrivateRole).toBool(), false);
    QCOMPARE(general.data(RoomDirectoryModel::MembersRole).toInt(), 12);

    const int dev = model.rowOf(u"dev"_s);
    QCOMPARE(model.index(dev, RoomDirectoryModel::RoomColumn).data().toString(), u"dev"_s);
    QCOMPARE(model.index(dev, 0).data(RoomDirectoryModel::JoinedRole).toBool(), false);
    const QModelIndex devMembers = model.index(dev, RoomDirectoryModel::MembersColumn);
    QCOMPARE(devMembers.data().toInt(), 5);
    QCOMPARE(devMembers.data(Qt::TextAlignmentRole).value<Qt::Alignment>() & Qt::AlignRight,
        Qt::AlignRight);

    // The filter looks at names and topics, not at member counts.
    QCOMPARE(devMembers.data(RoomDirectoryModel::FilterRole), QVariant());
    QCOMPARE(devMembers.data(RoomDirectoryModel::SortRole).toInt(), 5);

    model.reset({});
    QCOMPARE(model.rowCount(), 0);
}

void tst_JoinRoomDialog::modelHeadersAndTooltips()
{
    RoomDirectoryModel model;
    model.reset(sampleRooms());
    QCOMPARE(
        model.headerData(RoomDirectoryModel::RoomColumn, Qt::Horizontal).toString(), u"Room"_s);
    QCOMPARE(
        model.headerData(RoomDirectoryModel::TopicColumn, Qt::Horizontal).toString(), u"Topic"_s);
    QCOMPARE(model.headerData(RoomDirectoryModel::MembersColumn, Qt::Horizontal).toString(),
        u"Members"_s);

    const QString devTip = model.index(model.rowOf(u"dev"_s), 1).data(Qt::ToolTipRole).toString();
    QVERIFY2(devTip.startsWith(u"Builds and CI"_s), qPrintable(devTip));
    QVERIFY2(devTip.contains(u"5 members"_s), qPrintable(devTip));
    const QString opsTip = model.index(model.rowOf(u"ops"_s), 0).data(Qt::ToolTipRole).toString();
    QVERIFY2(opsTip.contains(u"Private"_s), qPrintable(opsTip));
    const QString randomTip
        = model.index(model.rowOf(u"random"_s), 0).data(Qt::ToolTipRole).toString();
    QVERIFY2(randomTip.contains(u"no topic"_s), qPrintable(randomTip));
    QVERIFY2(randomTip.contains(u"1 member"_s), qPrintable(randomTip));
}

void tst_JoinRoomDialog::loadingUntilTheRoomsArrive()
{
    JoinRoomDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.emptyLabel()->isVisible());
    QVERIFY(!dialog.view()->isVisible());
    QCOMPARE(dialog.emptyLabel()->text(), u"Loading…"_s);
    QVERIFY(!dialog.joinButton()->isEnabled());

    dialog.setRooms({});
    QCOMPARE(dialog.emptyLabel()->text(), u"No rooms yet: create the first one below."_s);

    dialog.setRooms(sampleRooms());
    QVERIFY(dialog.view()->isVisible());
    QVERIFY(!dialog.emptyLabel()->isVisible());
    QCOMPARE(dialog.model()->rowCount(), 5);
    QVERIFY(!dialog.joinButton()->isEnabled()); // nothing selected yet
}

void tst_JoinRoomDialog::refreshOnShowAndOnRequest()
{
    JoinRoomDialog dialog;
    QSignalSpy refresh(&dialog, &JoinRoomDialog::refreshRequested);
    QVERIFY(refresh.isValid());
    QCOMPARE(refresh.count(), 0);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(refresh.count(), 1);
    QTRY_VERIFY(dialog.filterEdit()->hasFocus());

    dialog.setRooms(sampleRooms());
    QTest::mouseClick(dialog.refreshButton(), Qt::LeftButton);
    QCOMPARE(refresh.count(), 2);
    QVERIFY(dialog.view()->isVisible()); // the old list stays while the new one comes

    // Opened again later: asks again, and starts from a clean slate.
    QTest::keyClicks(dialog.filterEdit(), u"dev"_s);
    dialog.hide();
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(refresh.count(), 3);
    QVERIFY(dialog.filterEdit()->text().isEmpty());
}

void tst_JoinRoomDialog::theViewSortsByAnyColumn()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.view()->isSortingEnabled());
    QCOMPARE(proxyNames(dialog),
        (QStringList{u"dev"_s, u"general"_s, u"Music"_s, u"ops"_s, u"random"_s}));

    // A click on Members: fewest first (by number: 12 is not before 2), then most.
    QHeaderView *header = dialog.view()->horizontalHeader();
    const QPoint members(header->sectionViewportPosition(RoomDirectoryModel::MembersColumn) + 5,
        header->height() / 2);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, members);
    QCOMPARE(proxyNames(dialog),
        (QStringList{u"random"_s, u"Music"_s, u"ops"_s, u"dev"_s, u"general"_s}));
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, members);
    QCOMPARE(proxyNames(dialog).constFirst(), u"general"_s);

    // By topic, ignoring case; the room without one first.
    dialog.view()->sortByColumn(RoomDirectoryModel::TopicColumn, Qt::AscendingOrder);
    QCOMPARE(proxyNames(dialog),
        (QStringList{u"random"_s, u"general"_s, u"dev"_s, u"Music"_s, u"ops"_s}));
}

void tst_JoinRoomDialog::filterNarrowsByNameAndTopic()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.filterEdit()->placeholderText(), u"Filter rooms"_s);

    // "DEV": the room dev by name, Music by its topic ("Deviant playlists").
    QTest::keyClicks(dialog.filterEdit(), u"DEV"_s);
    QCOMPARE(proxyNames(dialog), (QStringList{u"dev"_s, u"Music"_s}));

    dialog.filterEdit()->clear();
    QCOMPARE(dialog.view()->model()->rowCount(), 5);

    QTest::keyClicks(dialog.filterEdit(), u"on call"_s);
    QCOMPARE(proxyNames(dialog), QStringList{u"ops"_s});

    // Member counts are not names: "12" finds nothing, not general.
    dialog.filterEdit()->clear();
    QTest::keyClicks(dialog.filterEdit(), u"12"_s);
    QCOMPARE(dialog.view()->model()->rowCount(), 0);
    QVERIFY(dialog.emptyLabel()->isVisible());
    QVERIFY(dialog.emptyLabel()->text().startsWith(u"No rooms match “12”."_s));
    QVERIFY(!dialog.joinButton()->isEnabled());

    dialog.filterEdit()->clear();
    QVERIFY(dialog.view()->isVisible());
}

void tst_JoinRoomDialog::joinButtonJoinsTheSelectedRoom()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy join(&dialog, &JoinRoomDialog::joinRequested);
    QVERIFY(join.isValid());

    QTest::mouseClick(dialog.view()->viewport(), Qt::LeftButton, {}, rowCenter(dialog, u"dev"_s));
    QCOMPARE(selectedRoom(dialog), u"dev"_s);
    QVERIFY(dialog.joinButton()->isEnabled());
    QCOMPARE(dialog.joinButton()->text(), u"&Join"_s);
    QCOMPARE(join.count(), 0); // a click selects, it does not join

    QTest::mouseClick(dialog.joinButton(), Qt::LeftButton);
    QCOMPARE(join.count(), 1);
    QCOMPARE(join.constFirst().constFirst().toString(), u"dev"_s);
    QVERIFY(dialog.isVisible()); // the window closes it once the server says yes

    // Busy until the answer: no second request.
    QVERIFY(dialog.isBusy());
    QVERIFY(!dialog.joinButton()->isEnabled());
    QVERIFY(!dialog.createButton()->isEnabled());
    QCOMPARE(dialog.errorLabel()->text(), u"Joining dev…"_s);
    doubleClickRow(dialog, u"dev"_s);
    QCOMPARE(join.count(), 1);

    dialog.setBusy(false);
    QVERIFY(dialog.joinButton()->isEnabled());
    QVERIFY(dialog.errorLabel()->isHidden());
}

void tst_JoinRoomDialog::doubleClickJoins()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy join(&dialog, &JoinRoomDialog::joinRequested);

    doubleClickRow(dialog, u"random"_s);
    QCOMPARE(join.count(), 1);
    QCOMPARE(join.constFirst().constFirst().toString(), u"random"_s);
}

void tst_JoinRoomDialog::returnInTheFilterJoinsTheMatch()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy join(&dialog, &JoinRoomDialog::joinRequested);

    QTest::keyClick(dialog.filterEdit(), Qt::Key_Return); // nothing typed, nothing chosen
    QCOMPARE(join.count(), 0);

    QTest::keyClicks(dialog.filterEdit(), u"rand"_s);
    QCOMPARE(selectedRoom(dialog), u"random"_s); // the match is chosen as one types
    QTest::keyClick(dialog.filterEdit(), Qt::Key_Return);
    QCOMPARE(join.count(), 1);
    QCOMPARE(join.constFirst().constFirst().toString(), u"random"_s);

    // Enter on a row of the list joins it too.
    dialog.setBusy(false);
    dialog.filterEdit()->clear();
    dialog.view()->setFocus();
    dialog.view()->selectionModel()->setCurrentIndex(dialog.view()->model()->index(0, 0),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QTest::keyClick(dialog.view(), Qt::Key_Enter);
    QCOMPARE(join.count(), 2);
    QCOMPARE(join.at(1).constFirst().toString(), u"dev"_s);
}

void tst_JoinRoomDialog::aJoinedRoomIsOpened()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy join(&dialog, &JoinRoomDialog::joinRequested);

    QTest::mouseClick(
        dialog.view()->viewport(), Qt::LeftButton, {}, rowCenter(dialog, u"general"_s));
    QCOMPARE(dialog.joinButton()->text(), u"&Open"_s);
    QTest::mouseClick(dialog.view()->viewport(), Qt::LeftButton, {}, rowCenter(dialog, u"dev"_s));
    QCOMPARE(dialog.joinButton()->text(), u"&Join"_s);
    QTest::mouseClick(dialog.view()->viewport(), Qt::LeftButton, {}, rowCenter(dialog, u"ops"_s));
    QCOMPARE(dialog.joinButton()->text(), u"&Open"_s);
    QTest::mouseClick(dialog.joinButton(), Qt::LeftButton);
    QCOMPARE(join.count(), 1);
    QCOMPARE(join.constFirst().constFirst().toString(), u"ops"_s);
    QCOMPARE(dialog.errorLabel()->text(), u"Opening ops…"_s);
}

void tst_JoinRoomDialog::aRefreshKeepsTheSelection()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::mouseClick(dialog.view()->viewport(), Qt::LeftButton, {}, rowCenter(dialog, u"ops"_s));

    QJsonArray fresher = sampleRooms();
    fresher.append(Frames::roomEntry(u"art"_s, u"Sketches"_s, 4, false, false));
    dialog.setRooms(fresher);
    QCOMPARE(dialog.model()->rowCount(), 6);
    QCOMPARE(selectedRoom(dialog), u"ops"_s);
    QCOMPARE(dialog.joinButton()->text(), u"&Open"_s);
}

void tst_JoinRoomDialog::badRoomNamesAreNotSent_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("spaces and !") << u"Bad Room!"_s;
    QTest::newRow("empty") << QString();
    QTest::newRow("blank") << u"   "_s;
    QTest::newRow("33 characters") << QString(33, u'a');
    QTest::newRow("a dot") << u"team.a"_s;
    QTest::newRow("not ASCII") << u"café"_s;
    QTest::newRow("Kelvin sign") << u"\u212Aelvin"_s; // lower-cases to k: still not allowed
}

void tst_JoinRoomDialog::badRoomNamesAreNotSent()
{
    QFETCH(QString, name);
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy create(&dialog, &JoinRoomDialog::createRequested);
    QVERIFY(create.isValid());

    // QTest types ASCII only; the rest is pasted.
    const bool ascii
        = std::all_of(name.cbegin(), name.cend(), [](QChar c) { return c.unicode() < 0x80; });
    if (ascii) {
        QTest::keyClicks(dialog.createNameEdit(), name);
    } else {
        dialog.createNameEdit()->insert(name);
    }
    QCOMPARE(dialog.createNameEdit()->text(), name);
    QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
    QCOMPARE(create.count(), 0);
    QVERIFY(dialog.errorLabel()->isVisible());
    QCOMPARE(dialog.errorLabel()->text(),
        u"A room name has 1 to 32 characters, each a letter a-z, a digit 0-9, - or _ (no "
        "spaces)."_s);
    QVERIFY(dialog.errorLabel()->styleSheet().contains(u"color"_s));
    QVERIFY(dialog.isVisible());
    QVERIFY(!dialog.isBusy());
    QTRY_VERIFY(dialog.createNameEdit()->hasFocus());

    // Return in the name field checks the same way.
    QTest::keyClick(dialog.createNameEdit(), Qt::Key_Return);
    QCOMPARE(create.count(), 0);

    // Editing the name takes the complaint away.
    QTest::keyClicks(dialog.createNameEdit(), u"x"_s);
    QVERIFY(dialog.errorLabel()->isHidden());
}

void tst_JoinRoomDialog::createSendsTheNameInLowerCase()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy create(&dialog, &JoinRoomDialog::createRequested);
    QSignalSpy join(&dialog, &JoinRoomDialog::joinRequested);

    QCOMPARE(dialog.privateCheck()->text(), u"&Private (members join by invitation)"_s);
    QTest::keyClicks(dialog.createNameEdit(), u"Dev-Ops"_s);
    QTest::keyClicks(dialog.createTopicEdit(), u"Pipelines and pagers"_s);
    QTest::mouseClick(dialog.privateCheck(), Qt::LeftButton);
    QVERIFY(dialog.privateCheck()->isChecked());
    QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
    QCOMPARE(create.count(), 1);
    QCOMPARE(create.constFirst().at(0).toString(), u"dev-ops"_s);
    QCOMPARE(create.constFirst().at(1).toString(), u"Pipelines and pagers"_s);
    QCOMPARE(create.constFirst().at(2).toBool(), true);
    QCOMPARE(join.count(), 0);
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.errorLabel()->text(), u"Creating dev-ops…"_s);
    QVERIFY(!dialog.createButton()->isEnabled());

    // Refused: the name can be changed and sent again, this time public, with Return.
    dialog.showRefusal(u"room_exists"_s, u"dev-ops exists already"_s);
    QCOMPARE(dialog.errorLabel()->text(),
        u"There is a room called dev-ops already (perhaps a private one): pick another name."_s);
    QVERIFY(dialog.createButton()->isEnabled());
    QTRY_VERIFY(dialog.createNameEdit()->hasFocus());
    dialog.createNameEdit()->clear();
    QTest::keyClicks(dialog.createNameEdit(), u"dev_ops2"_s);
    QTest::mouseClick(dialog.privateCheck(), Qt::LeftButton);
    QTest::keyClick(dialog.createNameEdit(), Qt::Key_Return);
    QCOMPARE(create.count(), 2);
    QCOMPARE(create.at(1).at(0).toString(), u"dev_ops2"_s);
    QCOMPARE(create.at(1).at(2).toBool(), false);
}

void tst_JoinRoomDialog::createAListedRoomIsRefusedHere()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy create(&dialog, &JoinRoomDialog::createRequested);

    QTest::keyClicks(dialog.createNameEdit(), u"General"_s);
    QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
    QCOMPARE(create.count(), 0);
    QCOMPARE(dialog.errorLabel()->text(),
        u"There is a room called general already: join it from the list, or pick another name."_s);
}

void tst_JoinRoomDialog::noMatchOffersToCreateIt()
{
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy create(&dialog, &JoinRoomDialog::createRequested);
    QSignalSpy join(&dialog, &JoinRoomDialog::joinRequested);

    QTest::keyClicks(dialog.filterEdit(), u"Garden"_s);
    QCOMPARE(dialog.view()->model()->rowCount(), 0);
    QCOMPARE(dialog.emptyLabel()->text(),
        u"No rooms match “Garden”.\nPress Return to create it below."_s);
    QCOMPARE(dialog.createNameEdit()->text(), u"garden"_s);
    QTest::keyClicks(dialog.filterEdit(), u"ing"_s);
    QCOMPARE(dialog.createNameEdit()->text(), u"gardening"_s);

    // Return: on to the name, and once more creates it.
    QTest::keyClick(dialog.filterEdit(), Qt::Key_Return);
    QCOMPARE(join.count(), 0);
    QTRY_VERIFY(dialog.createNameEdit()->hasFocus());
    QTest::keyClick(dialog.createNameEdit(), Qt::Key_Return);
    QCOMPARE(create.count(), 1);
    QCOMPARE(create.constFirst().at(0).toString(), u"gardening"_s);
    QCOMPARE(create.constFirst().at(1).toString(), QString());
    QCOMPARE(create.constFirst().at(2).toBool(), false);
    dialog.setBusy(false);

    // A match again: the suggestion goes.
    dialog.filterEdit()->clear();
    QVERIFY(dialog.createNameEdit()->text().isEmpty());

    // A name the person typed is never replaced.
    QTest::keyClicks(dialog.createNameEdit(), u"mine"_s);
    QTest::keyClicks(dialog.filterEdit(), u"zzz"_s);
    QCOMPARE(dialog.createNameEdit()->text(), u"mine"_s);
    dialog.filterEdit()->clear();
    QCOMPARE(dialog.createNameEdit()->text(), u"mine"_s);

    // What cannot be a room name is not offered.
    dialog.createNameEdit()->clear();
    QTest::keyClicks(dialog.filterEdit(), u"no such"_s);
    QCOMPARE(dialog.view()->model()->rowCount(), 0);
    QCOMPARE(dialog.emptyLabel()->text(), u"No rooms match “no such”."_s);
    QVERIFY(dialog.createNameEdit()->text().isEmpty());
}

void tst_JoinRoomDialog::refusalsAreShownInPlace_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("shown");
    QTest::newRow("too many rooms")
        << u"too_many_rooms"_s << u"you are in 100 rooms"_s
        << u"You are in 100 rooms, the most one may be in: leave one first."_s;
    QTest::newRow("rate limited") << u"rate_limited"_s << u"slow down"_s
                                  << u"Too many requests at once: wait a moment and try again."_s;
    QTest::newRow("unknown") << u"something_new"_s << u"the server's words"_s
                             << u"The server refused: the server's words"_s;
}

void tst_JoinRoomDialog::refusalsAreShownInPlace()
{
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QString, shown);
    JoinRoomDialog dialog;
    dialog.setRooms(sampleRooms());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    doubleClickRow(dialog, u"dev"_s);
    QVERIFY(dialog.isBusy());

    dialog.showRefusal(code, message);
    QCOMPARE(dialog.errorLabel()->text(), shown);
    QVERIFY(dialog.errorLabel()->isVisible());
    QVERIFY(dialog.errorLabel()->styleSheet().contains(u"color"_s));
    QVERIFY(!dialog.isBusy());
    QVERIFY(dialog.joinButton()->isEnabled());
    QVERIFY(dialog.isVisible());

    // Words of the window's own, as they are.
    dialog.showError(u"Not connected"_s);
    QCOMPARE(dialog.errorLabel()->text(), u"Not connected"_s);
}

QTEST_MAIN(tst_JoinRoomDialog)
#include "tst_joinroomdialog.moc"
