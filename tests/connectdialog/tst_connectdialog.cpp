#include "chatclient.h"
#include "connectdialog.h"
#include "passworddialog.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;

// The sign-in dialogs on their own, driven with QTest (no server: tst_mainwindow runs them
// against one): which button Return presses, the password typed twice for a new account and
// checked before anything is sent, and the server's refusals in plain words.
class tst_ConnectDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void buttonsFollowTheFields();
    void returnPressesTheLikelyButton();
    void createAccountAsksForThePasswordTwice();
    void keptSignInNeedsNoPassword();
    void refusalsInPlainWords_data();
    void refusalsInPlainWords();
    void aRefusedKeptSignInAsksForThePassword();
    void throttleText_data();
    void throttleText();
    void busyLocksTheFields();
    void changePasswordChecksBeforeSending();
    void createAccountDialogHasNoCurrentPassword();

    void focusStartsInTheFirstEmptyField_data();
    void focusStartsInTheFirstEmptyField();
    void aNoticeFocusesTheFirstEmptyField();
    void aNameWithASpaceIsExplainedAndNotSent();
    void nameProblems_data();
    void nameProblems();
    void aLongErrorIsShownWhole();
    void cancelWhileBusyKeepsTheDialog();
};

void tst_ConnectDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(u"NatterTests"_s);
    QApplication::setApplicationName(u"tst_connectdialog"_s);
}

void tst_ConnectDialog::buttonsFollowTheFields()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, QString());
    dialog.nameField()->clear();
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.passwordField()->echoMode(), QLineEdit::Password);
    QVERIFY(dialog.repeatField()->isHidden());
    QVERIFY(!dialog.signInButton()->isEnabled());
    QVERIFY(!dialog.createAccountButton()->isEnabled());
    QVERIFY(!dialog.guestButton()->isEnabled());

    QTest::keyClicks(dialog.nameField(), u"alice"_s);
    QVERIFY(!dialog.signInButton()->isEnabled()); // a password first
    QVERIFY(dialog.createAccountButton()->isEnabled());
    QVERIFY(dialog.guestButton()->isEnabled());

    QTest::keyClicks(dialog.passwordField(), u"secret"_s);
    QVERIFY(dialog.signInButton()->isEnabled());
    QCOMPARE(dialog.password(), u"secret"_s);

    dialog.hostField()->clear();
    QVERIFY(!dialog.signInButton()->isEnabled());
    QVERIFY(!dialog.guestButton()->isEnabled());
}

void tst_ConnectDialog::returnPressesTheLikelyButton()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy signIn(&dialog, &ConnectDialog::signInRequested);
    QSignalSpy guest(&dialog, &ConnectDialog::guestRequested);

    // A name alone: joining as a guest.
    QTest::keyClick(dialog.nameField(), Qt::Key_Return);
    QCOMPARE(guest.count(), 1);
    QCOMPARE(signIn.count(), 0);

    // With a password: signing in.
    QTest::keyClicks(dialog.passwordField(), u"secret"_s);
    QTest::keyClick(dialog.passwordField(), Qt::Key_Return);
    QCOMPARE(signIn.count(), 1);
    QCOMPARE(guest.count(), 1);

    // Where guests are not taken, Return never joins as one.
    dialog.passwordField()->clear();
    dialog.setGuestsAllowed(false);
    QVERIFY(!dialog.guestButton()->isEnabled());
    QTest::keyClick(dialog.nameField(), Qt::Key_Return);
    QCOMPARE(guest.count(), 1);
    // Another server may take guests again.
    dialog.hostField()->setFocus();
    QTest::keyClick(dialog.hostField(), Qt::Key_End);
    QTest::keyClicks(dialog.hostField(), u"1"_s);
    QVERIFY(dialog.guestButton()->isEnabled());
}

void tst_ConnectDialog::createAccountAsksForThePasswordTwice()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"carol"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy create(&dialog, &ConnectDialog::createAccountRequested);

    QTest::keyClicks(dialog.passwordField(), u"tiny"_s);
    QTest::mouseClick(dialog.createAccountButton(), Qt::LeftButton);
    QVERIFY(dialog.repeatField()->isVisible());
    QCOMPARE(create.count(), 0);
    QVERIFY(dialog.statusLabel()->text().contains(u"again"_s));
    QTRY_VERIFY(dialog.repeatField()->hasFocus());

    QTest::keyClicks(dialog.repeatField(), u"tiny"_s);
    QTest::keyClick(dialog.repeatField(), Qt::Key_Return); // Create account is the default now
    QCOMPARE(dialog.statusLabel()->text(), u"A password needs at least 8 characters."_s);
    QCOMPARE(create.count(), 0);

    dialog.passwordField()->clear();
    dialog.repeatField()->clear();
    QTest::keyClicks(dialog.passwordField(), u"long enough 1"_s);
    QTest::keyClicks(dialog.repeatField(), u"long enough 2"_s);
    QTest::mouseClick(dialog.createAccountButton(), Qt::LeftButton);
    QCOMPARE(dialog.statusLabel()->text(), u"The two passwords differ: type the same one twice."_s);
    QVERIFY(dialog.repeatField()->text().isEmpty());
    QCOMPARE(create.count(), 0);

    QTest::keyClicks(dialog.repeatField(), u"long enough 1"_s);
    QTest::mouseClick(dialog.createAccountButton(), Qt::LeftButton);
    QCOMPARE(create.count(), 1);
    QCOMPARE(dialog.password(), u"long enough 1"_s);

    // Sign in instead: the repeat goes away.
    QTest::mouseClick(dialog.signInButton(), Qt::LeftButton);
    QVERIFY(dialog.repeatField()->isHidden());
}

void tst_ConnectDialog::keptSignInNeedsNoPassword()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.setSavedSignIn(true);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.signInButton()->isEnabled());
    QVERIFY(dialog.passwordField()->placeholderText().contains(u"kept"_s));
    QSignalSpy signIn(&dialog, &ConnectDialog::signInRequested);
    QTest::keyClick(dialog.nameField(), Qt::Key_Return);
    QCOMPARE(signIn.count(), 1);

    // Kept for alice on this server only.
    QTest::keyClick(dialog.nameField(), Qt::Key_End);
    QTest::keyClicks(dialog.nameField(), u"2"_s);
    QVERIFY(!dialog.hasSavedSignIn());
    QVERIFY(!dialog.signInButton()->isEnabled());
}

void tst_ConnectDialog::refusalsInPlainWords_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<bool>("guests");
    QTest::newRow("wrong password") << u"auth_failed"_s << u"wrong name, password or token"_s
                                    << u"That name and password do not match."_s << true;
    QTest::newRow("throttled") << u"too_many_attempts"_s
                               << u"too many sign-in attempts; try again in 4 s"_s
                               << u"Too many sign-in attempts: try again in 4 seconds."_s << true;
    QTest::newRow("an account's name")
        << u"auth_required"_s << u"alice is an account: sign in with its password"_s
        << u"alice is a registered account: enter its password, or pick another name to join "
           "as a guest."_s
        << true;
    QTest::newRow("no guests") << u"guests_disabled"_s << u"this server has no guests"_s
                               << u"This server takes no guests, and so no new accounts: sign in "
                                  "with an account you have."_s
                               << false;
    QTest::newRow("weak") << u"weak_password"_s << u"a password needs at least 8 characters"_s
                          << u"A password needs at least 8 characters."_s << true;
    QTest::newRow("exists") << u"account_exists"_s << u"alice is an account already"_s
                            << u"alice is already an account: sign in with its password, or "
                               "pick another name."_s
                            << true;
    QTest::newRow("taken") << u"name_taken"_s << u"the name alice is taken; choose another"_s
                           << u"The server refused the name: the name alice is taken; choose "
                              "another"_s
                           << true;
}

void tst_ConnectDialog::refusalsInPlainWords()
{
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QString, shown);
    QFETCH(bool, guests);
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::keyClicks(dialog.passwordField(), u"typed"_s);
    dialog.setBusy(u"Signing in…"_s);
    dialog.showRefusal(code, message);
    QCOMPARE(dialog.statusLabel()->text(), shown);
    QVERIFY(dialog.statusLabel()->styleSheet().contains(u"color"_s)); // shown as an error
    QCOMPARE(dialog.guestButton()->isEnabled(), guests);
    QCOMPARE(dialog.createAccountButton()->isEnabled(), guests); // they start as guests
    QVERIFY(dialog.nameField()->isEnabled());
    // A wrong password is typed again from scratch.
    QCOMPARE(dialog.password().isEmpty(), code == u"auth_failed"_s);
}

void tst_ConnectDialog::aRefusedKeptSignInAsksForThePassword()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.setSavedSignIn(true);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::mouseClick(dialog.signInButton(), Qt::LeftButton);
    dialog.showRefusal(u"auth_failed"_s, u"wrong name, password or token"_s);
    QCOMPARE(dialog.statusLabel()->text(),
        u"The saved sign-in for alice is no longer valid: enter the password."_s);
    QVERIFY(!dialog.hasSavedSignIn());
    QTRY_VERIFY(dialog.passwordField()->hasFocus());
}

void tst_ConnectDialog::throttleText_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("shown");
    QTest::newRow("1 s") << u"too many sign-in attempts; try again in 1 s"_s
                         << u"Too many sign-in attempts: try again in 1 second."_s;
    QTest::newRow("64 s") << u"too many sign-in attempts; try again in 64 s"_s
                          << u"Too many sign-in attempts: try again in 64 seconds."_s;
    QTest::newRow("15 min") << u"too many sign-in attempts; try again in 900 s"_s
                            << u"Too many sign-in attempts: try again in 15 minutes."_s;
    QTest::newRow("busy") << u"the server is busy signing people in; try again in a few seconds"_s
                          << u"The server is refusing sign-ins for now: the server is busy "
                             "signing people in; try again in a few seconds"_s;
}

void tst_ConnectDialog::throttleText()
{
    QFETCH(QString, message);
    QFETCH(QString, shown);
    QCOMPARE(ConnectDialog::throttleText(message), shown);
}

void tst_ConnectDialog::busyLocksTheFields()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::keyClicks(dialog.passwordField(), u"secret12"_s);
    dialog.setBusy(u"Signing in to 127.0.0.1:9990…"_s);
    for (QWidget *field :
        {static_cast<QWidget *>(dialog.hostField()), static_cast<QWidget *>(dialog.nameField()),
            static_cast<QWidget *>(dialog.passwordField())}) {
        QVERIFY(!field->isEnabled());
    }
    QVERIFY(!dialog.signInButton()->isEnabled());
    QVERIFY(!dialog.guestButton()->isEnabled());
    dialog.showError(u"Cannot connect"_s, ConnectDialog::Field::Host);
    QVERIFY(dialog.signInButton()->isEnabled());
    QTRY_VERIFY(dialog.hostField()->hasFocus());
}

void tst_ConnectDialog::changePasswordChecksBeforeSending()
{
    PasswordDialog dialog(PasswordDialog::Mode::ChangePassword);
    dialog.prepare(u"alice"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy submitted(&dialog, &PasswordDialog::submitted);
    QVERIFY(dialog.currentField()->isVisible());
    QVERIFY(!dialog.okButton()->isEnabled());

    QTest::keyClicks(dialog.currentField(), u"old password"_s);
    QTest::keyClicks(dialog.newField(), u"short"_s);
    QTest::keyClicks(dialog.repeatField(), u"short"_s);
    QVERIFY(dialog.okButton()->isEnabled());
    QTest::mouseClick(dialog.okButton(), Qt::LeftButton);
    QCOMPARE(dialog.statusLabel()->text(), u"A password needs at least 8 characters."_s);

    dialog.newField()->clear();
    dialog.repeatField()->clear();
    QTest::keyClicks(dialog.newField(), u"new password"_s);
    QTest::keyClicks(dialog.repeatField(), u"new passwort"_s);
    QTest::keyClick(dialog.repeatField(), Qt::Key_Return);
    QCOMPARE(
        dialog.statusLabel()->text(), u"The two new passwords differ: type the same one twice."_s);
    QCOMPARE(submitted.count(), 0);

    QTest::keyClicks(dialog.repeatField(), u"new password"_s);
    QTest::keyClick(dialog.repeatField(), Qt::Key_Return);
    QCOMPARE(submitted.count(), 1);
    QCOMPARE(dialog.currentPassword(), u"old password"_s);
    QCOMPARE(dialog.newPassword(), u"new password"_s);

    dialog.clearFields();
    dialog.setBusy(u"Changing the password…"_s);
    QVERIFY(!dialog.okButton()->isEnabled());
    dialog.showRefusal(u"auth_failed"_s, u"wrong name, password or token"_s);
    QCOMPARE(dialog.statusLabel()->text(), u"The current password is wrong."_s);
    dialog.showRefusal(u"too_many_attempts"_s, u"too many sign-in attempts; try again in 2 s"_s);
    QCOMPARE(dialog.statusLabel()->text(), u"Too many sign-in attempts: try again in 2 seconds."_s);

    dialog.reject(); // closed: nothing typed stays
    QVERIFY(dialog.currentField()->text().isEmpty());
}

void tst_ConnectDialog::createAccountDialogHasNoCurrentPassword()
{
    PasswordDialog dialog(PasswordDialog::Mode::CreateAccount);
    dialog.prepare(u"gina"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(!dialog.currentField()->isVisible());
    QCOMPARE(dialog.okButton()->text(), u"Create &account"_s);
    QSignalSpy submitted(&dialog, &PasswordDialog::submitted);
    QTest::keyClicks(dialog.newField(), u"gina's own"_s);
    QTest::keyClicks(dialog.repeatField(), u"gina's own"_s);
    QTest::mouseClick(dialog.okButton(), Qt::LeftButton);
    QCOMPARE(submitted.count(), 1);
    QCOMPARE(dialog.newPassword(), u"gina's own"_s);
}

void tst_ConnectDialog::focusStartsInTheFirstEmptyField_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("kept");
    QTest::addColumn<QString>("focused"); // the field's object name, set below
    QTest::newRow("no server") << QString() << u"alice"_s << false << u"host"_s;
    QTest::newRow("no name") << u"127.0.0.1"_s << QString() << false << u"name"_s;
    QTest::newRow("no password") << u"127.0.0.1"_s << u"alice"_s << false << u"password"_s;
    QTest::newRow("no server, no name") << QString() << QString() << false << u"host"_s;
    QTest::newRow("kept sign-in, no name") << u"127.0.0.1"_s << QString() << true << u"name"_s;
}

void tst_ConnectDialog::focusStartsInTheFirstEmptyField()
{
    QFETCH(QString, host);
    QFETCH(QString, name);
    QFETCH(bool, kept);
    QFETCH(QString, focused);
    ConnectDialog dialog;
    dialog.setValues(host, 9990, name);
    dialog.nameField()->setText(name); // whatever QSettings held from another test
    dialog.setSavedSignIn(kept);
    dialog.hostField()->setObjectName(u"host"_s);
    dialog.nameField()->setObjectName(u"name"_s);
    dialog.passwordField()->setObjectName(u"password"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.focusWidget());
    QCOMPARE(dialog.focusWidget()->objectName(), focused);
}

void tst_ConnectDialog::aNoticeFocusesTheFirstEmptyField()
{
    // The window asks for the name (no name remembered), but the server is missing too.
    ConnectDialog dialog;
    dialog.setValues(QString(), 9990, QString());
    dialog.nameField()->clear();
    dialog.showNotice({}, ConnectDialog::Field::Name);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QCOMPARE(dialog.focusWidget(), dialog.hostField());

    // An error still points at its culprit, filled in or not.
    dialog.hostField()->setText(u"example.org"_s);
    dialog.showError(u"Cannot connect to example.org:9990: Host not found"_s);
    QCOMPARE(dialog.focusWidget(), dialog.hostField());
}

void tst_ConnectDialog::aNameWithASpaceIsExplainedAndNotSent()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, QString());
    dialog.nameField()->clear();
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy signIn(&dialog, &ConnectDialog::signInRequested);
    QSignalSpy create(&dialog, &ConnectDialog::createAccountRequested);
    QSignalSpy guest(&dialog, &ConnectDialog::guestRequested);
    QVERIFY(signIn.isValid() && create.isValid() && guest.isValid());

    QTest::keyClicks(dialog.nameField(), u"bob smith"_s);
    QCOMPARE(dialog.nameField()->text(), u"bob smith"_s); // as typed, not "bobsmith"
    QCOMPARE(dialog.statusLabel()->text(),
        u"A name cannot contain spaces: use letters, digits, _ - and . (bob_smith, for "
        "example)."_s);
    QVERIFY(dialog.statusLabel()->isVisible());
    QVERIFY(dialog.statusLabel()->styleSheet().contains(u"color"_s)); // shown as an error
    QVERIFY(!dialog.guestButton()->isEnabled());
    QVERIFY(!dialog.createAccountButton()->isEnabled());

    // Nothing goes out, whichever way the person tries.
    QTest::keyClick(dialog.nameField(), Qt::Key_Return);
    QTest::keyClicks(dialog.passwordField(), u"secret12"_s);
    QVERIFY(!dialog.signInButton()->isEnabled());
    QTest::keyClick(dialog.passwordField(), Qt::Key_Return);
    QTest::mouseClick(dialog.signInButton(), Qt::LeftButton);
    QTest::mouseClick(dialog.guestButton(), Qt::LeftButton);
    QTest::mouseClick(dialog.createAccountButton(), Qt::LeftButton);
    QCOMPARE(signIn.count() + create.count() + guest.count(), 0);
    QCOMPARE(dialog.nameField()->text(), u"bob smith"_s);

    // Mended, the explanation goes and the name is used as it stands.
    dialog.nameField()->selectAll();
    QTest::keyClicks(dialog.nameField(), u"bob_smith"_s);
    QVERIFY(dialog.statusLabel()->text().isEmpty());
    QVERIFY(dialog.signInButton()->isEnabled());
    QTest::keyClick(dialog.passwordField(), Qt::Key_Return);
    QCOMPARE(signIn.count(), 1);
    QCOMPARE(dialog.name(), u"bob_smith"_s);
}

void tst_ConnectDialog::nameProblems_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("problem");
    QTest::newRow("fine") << u"Bob_Smith-2.0"_s << QString();
    QTest::newRow("32 characters") << QString(32, u'a') << QString();
    QTest::newRow("33 characters") << QString(33, u'a') << u"A name has at most 32 characters."_s;
    QTest::newRow("spaces") << u" bob  smith "_s
                            << u"A name cannot contain spaces: use letters, digits, _ - and . "
                               "(bob_smith, for example)."_s;
    QTest::newRow("spaces and more") << u"bob the 2nd!"_s
                                     << u"A name cannot contain spaces: use letters, digits, _ "
                                        "- and ."_s;
    QTest::newRow("punctuation") << u"bob!?!"_s
                                 << u"A name cannot contain “!”, “?”: use letters, digits, _ - "
                                    "and ."_s;
    QTest::newRow("not ASCII") << u"josé"_s
                               << u"A name cannot contain “é”: use letters, digits, _ - and ."_s;
    QTest::newRow("emoji") << u"bob😀"_s
                           << u"A name cannot contain “😀”: use letters, digits, _ - and ."_s;
    QTest::newRow("control") << u"bob\u0007"_s
                             << u"A name cannot contain “a control character”: use letters, "
                                "digits, _ - and ."_s;
}

void tst_ConnectDialog::nameProblems()
{
    QFETCH(QString, name);
    QFETCH(QString, problem);
    QCOMPARE(ConnectDialog::nameProblem(name), problem);
}

void tst_ConnectDialog::aLongErrorIsShownWhole()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    const int before = dialog.height();
    const QString message = u"The server at natter.example.org:9990 accepted the connection but "
                            "did not answer as a Natter server within 10 s."_s;
    dialog.showError(message);
    QLabel *status = dialog.statusLabel();
    // Wrapped onto more lines, all of them inside the label, and the label inside the dialog.
    QTRY_VERIFY(dialog.height() > before);
    QVERIFY(status->wordWrap());
    const int lineHeight = status->fontMetrics().lineSpacing();
    QVERIFY2(status->heightForWidth(status->width()) >= 2 * lineHeight,
        qPrintable(u"%1 px for %2 px lines"_s.arg(status->heightForWidth(status->width()))
                       .arg(lineHeight)));
    QVERIFY2(status->height() >= status->heightForWidth(status->width()),
        qPrintable(u"%1 px high, %2 px needed"_s.arg(status->height())
                       .arg(status->heightForWidth(status->width()))));
    QVERIFY(dialog.rect().contains(status->geometry()));
    QVERIFY(status->geometry().bottom() < dialog.storageLabel()->geometry().top()
        || dialog.storageLabel()->text().isEmpty());

    // And back to its size once the error is gone.
    dialog.showNotice({});
    QTRY_COMPARE(dialog.height(), before);
}

void tst_ConnectDialog::cancelWhileBusyKeepsTheDialog()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 9990, u"alice"_s);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QSignalSpy cancel(&dialog, &ConnectDialog::cancelRequested);
    QSignalSpy rejected(&dialog, &QDialog::rejected);
    QVERIFY(cancel.isValid() && rejected.isValid());
    QPushButton *cancelButton = nullptr;
    for (QPushButton *button : dialog.findChildren<QPushButton *>()) {
        if (button->text() == u"Cancel"_s) {
            cancelButton = button;
        }
    }
    QVERIFY(cancelButton);

    dialog.setBusy(u"Connecting to 127.0.0.1:9990…"_s);
    QVERIFY(cancelButton->isEnabled());
    QTest::mouseClick(cancelButton, Qt::LeftButton);
    QCOMPARE(cancel.count(), 1);
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QCOMPARE(cancel.count(), 2);
    QCOMPARE(rejected.count(), 0);
    QVERIFY(dialog.isVisible());

    // Not busy: Cancel closes the dialog as before.
    dialog.showNotice(u"Cancelled: not connected."_s);
    QTest::mouseClick(cancelButton, Qt::LeftButton);
    QCOMPARE(rejected.count(), 1);
    QCOMPARE(cancel.count(), 2);
    QVERIFY(!dialog.isVisible());
}

QTEST_MAIN(tst_ConnectDialog)
#include "tst_connectdialog.moc"
