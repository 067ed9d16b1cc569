#pragma once

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Asks for the server and the name to chat under, remembering the last ones (QSettings).
// It stays open while connecting so that a refused name or an unreachable server can be
// explained and corrected on the spot.
class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectDialog(QWidget *parent = nullptr);

    void setValues(const QString &host, quint16 port, const QString &name);
    QString host() const;
    quint16 port() const;
    QString name() const;
    bool useTls() const;
    void setUseTls(bool tls);

    // While busy the fields are locked and the status says so; an error re-enables them.
    void setBusy(const QString &status);
    void showError(const QString &message, bool nameProblem);
    void rememberValues() const;

    QLineEdit *hostField() const { return m_host; }
    QSpinBox *portField() const { return m_port; }
    QLineEdit *nameField() const { return m_name; }
    QLabel *statusLabel() const { return m_status; }

signals:
    void connectRequested();

private:
    void updateButton();

    QLineEdit *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_name = nullptr;
    QCheckBox *m_tls = nullptr;
    QLabel *m_status = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    bool m_busy = false;
};
