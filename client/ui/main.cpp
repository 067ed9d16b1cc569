#include "chatclient.h"
#include "connectdialog.h"
#include "mainwindow.h"
#include "protocol.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>

#include <vector>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    // QGuiApplication reads -name/--name as X11's resource name and removes it from argv. Ours
    // is the chat name: parse the full command line ourselves and keep --name from Qt.
    QStringList arguments;
    std::vector<char *> qtArguments;
    for (int i = 0; i < argc; ++i) {
        arguments.append(QString::fromLocal8Bit(argv[i]));
        const QByteArray arg(argv[i]);
        if ((arg == "--name" || arg == "-name") && i + 1 < argc) {
            arguments.append(QString::fromLocal8Bit(argv[++i]));
            continue;
        }
        if (!arg.startsWith("--name=") && !arg.startsWith("-name=")) {
            qtArguments.push_back(argv[i]);
        }
    }
    int qtArgc = int(qtArguments.size());
    qtArguments.push_back(nullptr);
    QApplication app(qtArgc, qtArguments.data());
    QApplication::setApplicationName(u"natter"_s);
    QApplication::setApplicationDisplayName(u"Natter"_s);
    QApplication::setOrganizationName(u"Natter"_s);
    QApplication::setApplicationVersion(QLatin1StringView(NATTER_VERSION));
    QApplication::setDesktopFileName(u"natter"_s);
    QIcon icon;
    for (const int size : {16, 24, 32, 48, 64, 128, 256}) {
        icon.addFile(u":/icons/natter-%1.png"_s.arg(size), QSize(size, size));
    }
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Natter desktop chat client."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption host(u"host"_s, u"Server to connect to."_s, u"host"_s);
    const QCommandLineOption port(
        u"port"_s, u"Server port (default %1)."_s.arg(Protocol::DefaultPort), u"port"_s);
    const QCommandLineOption name(u"name"_s,
        u"Your name in the chat: signs in with the sign-in kept for it, or else joins as a guest."_s,
        u"name"_s);
    const QCommandLineOption tls(u"tls"_s, u"Encrypt the connection with TLS."_s);
    parser.addOptions({host, port, name, tls});
    parser.process(arguments);

    quint16 portNumber = Protocol::DefaultPort;
    if (parser.isSet(port)) {
        bool ok = false;
        const uint value = parser.value(port).toUInt(&ok);
        if (!ok || value == 0 || value > 65535) {
            qCritical("natter: --port needs a number from 1 to 65535");
            return 2;
        }
        portNumber = quint16(value);
    }

    ChatClient client;
    MainWindow window(client);
    if (parser.isSet(host) && parser.isSet(name)) {
        window.connectDirectly(
            parser.value(host), portNumber, parser.value(name), parser.isSet(tls));
    } else {
        if (parser.isSet(host) || parser.isSet(name) || parser.isSet(port)) {
            const ConnectDialog *dialog = window.connectDialog();
            window.connectDialog()->setValues(
                parser.isSet(host) ? parser.value(host) : dialog->host(), portNumber,
                parser.isSet(name) ? parser.value(name) : dialog->name());
        }
        window.start();
    }
    const int status = QApplication::exec();
    // A token kept or forgotten just before quitting (a sign-out, say) reaches the keychain
    // before we go; a keychain that does not answer is not waited on for long.
    QElapsedTimer waited;
    waited.start();
    while (!client.credentials().isIdle() && waited.elapsed() < 3000) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
    }
    return status;
}
