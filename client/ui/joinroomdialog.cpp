#include "joinroomdialog.h"

#include "framevalidator.h"
#include "protocol.h"
#include "roomdirectorymodel.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShowEvent>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

using Protocol::ErrorCode;
using namespace Qt::StringLiterals;

JoinRoomDialog::JoinRoomDialog(QWidget *parent)
    : QDialog(parent)
    , m_model(new RoomDirectoryModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_listStack(new QStackedWidget(this))
    , m_view(new QTableView(this))
    , m_emptyLabel(new QLabel(this))
    , m_refresh(new QPushButton(tr("&Refresh"), this))
    , m_join(new QPushButton(tr("&Join"), this))
    , m_createName(new QLineEdit(this))
    , m_createTopic(new QLineEdit(this))
    , m_private(new QCheckBox(tr("&Private (members join by invitation)"), this))
    , m_create(new QPushButton(tr("&Create"), this))
    , m_status(new QLabel(this))
    , m_close(new QPushButton(tr("Close"), this))
{
    setWindowTitle(tr("Join a room"));

    // Typing narrows the list by name and topic alike; the member counts are not searched.
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterRole(RoomDirectoryModel::FilterRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setSortRole(RoomDirectoryModel::SortRole);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);

    m_filter->setPlaceholderText(tr("Filter rooms"));
    m_filter->setAccessibleName(tr("Filter rooms"));
    m_filter->setClearButtonEnabled(true);

    m_view->setModel(m_proxy);
    m_view->setAccessibleName(tr("Rooms"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RoomDirectoryModel::RoomColumn, Qt::AscendingOrder);
    m_view->setShowGrid(false);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setSectionResizeMode(
        RoomDirectoryModel::RoomColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(
        RoomDirectoryModel::TopicColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(
        RoomDirectoryModel::MembersColumn, QHeaderView::ResizeToContents);

    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setForegroundRole(QPalette::PlaceholderText);
    m_emptyLabel->setAccessibleName(tr("No rooms to show"));
    m_listStack->addWidget(m_view);
    m_listStack->addWidget(m_emptyLabel);

    m_refresh->setToolTip(tr("Ask the server for the rooms again"));
    m_join->setToolTip(tr("Join the selected room (or double-click it)"));

    m_createName->setPlaceholderText(tr("a-z, 0-9, - and _"));
    m_createName->setAccessibleName(tr("Name of the new room"));
    m_createTopic->setPlaceholderText(tr("optional"));
    m_createTopic->setAccessibleName(tr("Topic of the new room"));
    m_createTopic->setMaxLength(int(Protocol::MaxTopicLength));
    m_private->setToolTip(tr("Listed only to its members; others join once a member invites them"));
    m_private->setAccessibleName(tr("Private room"));

    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Status"));
    m_status->hide();

    auto *createForm = new QFormLayout;
    createForm->addRow(tr("&Name:"), m_createName);
    createForm->addRow(tr("&Topic:"), m_createTopic);
    auto *createButtons = new QHBoxLayout;
    createButtons->addWidget(m_private);
    createButtons->addStretch(1);
    createButtons->addWidget(m_create);
    auto *createGroup = new QGroupBox(tr("Create a room"), this);
    auto *createLayout = new QVBoxLayout(createGroup);
    createLayout->addLayout(createForm);
    createLayout->addLayout(createButtons);

    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(m_refresh);
    listButtons->addStretch(1);
    listButtons->addWidget(m_join);
    auto *closeButtons = new QHBoxLayout;
    closeButtons->addStretch(1);
    closeButtons->addWidget(m_close);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_filter);
    layout->addWidget(m_listStack, 1);
    layout->addLayout(listButtons);
    layout->addSpacing(6);
    layout->addWidget(createGroup);
    layout->addWidget(m_status);
    layout->addLayout(closeButtons);
    resize(560, 520);

    // Return does what the field it is typed in is about (below), never a default button.
    for (QPushButton *button : {m_refresh, m_join, m_create, m_close}) {
        button->setAutoDefault(false);
    }

    connect(m_filter, &QLineEdit::textChanged, this, &JoinRoomDialog::onFilterChanged);
    connect(m_filter, &QLineEdit::returnPressed, this, [this] {
        if (selectedIndex().isValid()) {
            join(selectedIndex());
        } else if (!m_prefilledName.isEmpty()) {
            // Nothing by that name: creating it is one more Return away.
            m_createName->setFocus();
        }
    });
    connect(m_view, &QAbstractItemView::activated, this, &JoinRoomDialog::join);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &JoinRoomDialog::updateButtons);
    connect(m_join, &QPushButton::clicked, this, [this] { join(selectedIndex()); });
    connect(m_refresh, &QPushButton::clicked, this, &JoinRoomDialog::refreshRequested);
    connect(m_create, &QPushButton::clicked, this, &JoinRoomDialog::create);
    connect(m_createName, &QLineEdit::returnPressed, this, &JoinRoomDialog::create);
    connect(m_createTopic, &QLineEdit::returnPressed, this, &JoinRoomDialog::create);
    connect(m_createName, &QLineEdit::textEdited, this, [this] {
        if (!m_busy) {
            setStatus({}, false);
        }
    });
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);

    // A refresh keeps the selected room selected.
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
        const QModelIndex selected = selectedIndex();
        m_reselect = selected.isValid() ? selected.data(RoomDirectoryModel::NameRole).toString()
                                        : QString();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_loading = false;
        const int sourceRow = m_model->rowOf(m_reselect);
        const int row
            = sourceRow >= 0 ? m_proxy->mapFromSource(m_model->index(sourceRow, 0)).row() : -1;
        if (row >= 0) {
            selectRow(row);
        } else if (!m_filter->text().trimmed().isEmpty()) {
            selectRow(0);
        }
        updateEmptyState();
    });
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(m_proxy, signal, this, &JoinRoomDialog::updateEmptyState);
    }
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &JoinRoomDialog::updateEmptyState);

    updateEmptyState();
}

QString JoinRoomDialog::roomNameRule()
{
    return tr("A room name has 1 to %1 characters, each a letter a-z, a digit 0-9, - or _ (no "
              "spaces).")
        .arg(Protocol::MaxRoomLength);
}

void JoinRoomDialog::setRooms(const QJsonArray &rooms)
{
    m_model->reset(rooms);
}

void JoinRoomDialog::showError(const QString &message)
{
    setBusy(false);
    setStatus(message, true);
    if (m_pendingCreate) {
        m_createName->setFocus();
        m_createName->selectAll();
    }
}

void JoinRoomDialog::showRefusal(const QString &code, const QString &message)
{
    switch (Protocol::errorCodeFromName(code)) {
    case ErrorCode::RoomExists:
        showError(tr("There is a room called %1 already (perhaps a private one): pick another "
                     "name.")
                      .arg(m_pendingRoom));
        return;
    case ErrorCode::NotInvited:
        showError(tr("%1 is a private room: one of its members must invite you first.")
                      .arg(m_pendingRoom));
        return;
    case ErrorCode::BadRoom:
        showError(roomNameRule());
        return;
    case ErrorCode::TooManyRooms:
        showError(tr("You are in %1 rooms, the most one may be in: leave one first.")
                      .arg(Protocol::MaxRoomsPerPerson));
        return;
    case ErrorCode::RateLimited:
        showError(tr("Too many requests at once: wait a moment and try again."));
        return;
    case ErrorCode::TextTooLong:
    case ErrorCode::BadText:
        showError(tr("The server refused the topic: %1").arg(message));
        return;
    default:
        showError(tr("The server refused: %1").arg(message));
        return;
    }
}

void JoinRoomDialog::setBusy(bool busy)
{
    m_busy = busy;
    if (!busy && !m_statusIsError) {
        setStatus({}, false); // "Joining dev…" is over
    }
    updateButtons();
}

void JoinRoomDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    if (event->spontaneous()) {
        return; // back from being minimised: the same visit
    }
    // Every visit starts afresh, with the list as the server has it now.
    m_busy = false;
    m_pendingRoom.clear();
    m_pendingCreate = false;
    setStatus({}, false);
    m_filter->clear();
    m_createName->clear();
    m_createTopic->clear();
    m_private->setChecked(false);
    m_prefilledName.clear();
    m_loading = m_model->rowCount() == 0;
    updateEmptyState();
    m_filter->setFocus();
    emit refreshRequested();
}

QModelIndex JoinRoomDialog::selectedIndex() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QModelIndex() : rows.constFirst();
}

void JoinRoomDialog::selectRow(int proxyRow)
{
    const QModelIndex index = m_proxy->index(proxyRow, 0);
    if (!index.isValid()) {
        return;
    }
    m_view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void JoinRoomDialog::join(const QModelIndex &index)
{
    if (m_busy || !index.isValid()) {
        return;
    }
    const QString room = index.data(RoomDirectoryModel::NameRole).toString();
    const bool joined = index.data(RoomDirectoryModel::JoinedRole).toBool();
    m_pendingRoom = room;
    m_pendingCreate = false;
    setBusy(true);
    setStatus(joined ? tr("Opening %1…").arg(room) : tr("Joining %1…").arg(room), false);
    emit joinRequested(room);
}

void JoinRoomDialog::create()
{
    if (m_busy) {
        return;
    }
    const QString typed = m_createName->text().trimmed();
    if (!FrameValidator::validateRoom(typed).isValid()) {
        setStatus(roomNameRule(), true);
        m_createName->setFocus();
        return;
    }
    // Names compare ignoring case: the server keeps what it is sent, so send what it means.
    const QString room = typed.toLower();
    if (m_model->rowOf(room) >= 0) {
        setStatus(tr("There is a room called %1 already: join it from the list, or pick another "
                     "name.")
                      .arg(room),
            true);
        m_createName->setFocus();
        m_createName->selectAll();
        return;
    }
    m_pendingRoom = room;
    m_pendingCreate = true;
    setBusy(true);
    setStatus(tr("Creating %1…").arg(room), false);
    emit createRequested(room, m_createTopic->text().trimmed(), m_private->isChecked());
}

void JoinRoomDialog::onFilterChanged(const QString &text)
{
    m_proxy->setFilterFixedString(text.trimmed());
    // So that Return joins the best match straight away.
    if (!text.trimmed().isEmpty() && !selectedIndex().isValid()) {
        selectRow(0);
    }
    if (!m_busy && m_status->isVisible()) {
        setStatus({}, false);
    }
    updateEmptyState();
}

void JoinRoomDialog::updateEmptyState()
{
    const QString filter = m_filter->text().trimmed();
    if (m_proxy->rowCount() > 0) {
        m_listStack->setCurrentWidget(m_view);
    } else {
        if (m_loading) {
            m_emptyLabel->setText(tr("Loading…"));
        } else if (filter.isEmpty()) {
            m_emptyLabel->setText(tr("No rooms yet: create the first one below."));
        } else if (FrameValidator::validateRoom(filter).isValid()) {
            m_emptyLabel->setText(
                tr("No rooms match “%1”.\nPress Return to create it below.").arg(filter));
        } else {
            m_emptyLabel->setText(tr("No rooms match “%1”.").arg(filter));
        }
        m_listStack->setCurrentWidget(m_emptyLabel);
    }
    offerToCreate();
    updateButtons();
}

void JoinRoomDialog::offerToCreate()
{
    // Only a name the person has not typed themselves is replaced.
    const QString typed = m_createName->text();
    if (!typed.isEmpty() && typed != m_prefilledName) {
        m_prefilledName.clear();
        return;
    }
    const QString wanted = m_filter->text().trimmed().toLower();
    const bool nothingMatches = !m_loading && !wanted.isEmpty() && m_proxy->rowCount() == 0;
    m_prefilledName
        = nothingMatches && FrameValidator::validateRoom(wanted).isValid() ? wanted : QString();
    m_createName->setText(m_prefilledName);
}

void JoinRoomDialog::updateButtons()
{
    const QModelIndex selected = selectedIndex();
    const bool joined
        = selected.isValid() && selected.data(RoomDirectoryModel::JoinedRole).toBool();
    m_join->setText(joined ? tr("&Open") : tr("&Join"));
    m_join->setToolTip(joined ? tr("You are in this room already: go to it")
                              : tr("Join the selected room (or double-click it)"));
    m_join->setEnabled(!m_busy && selected.isValid());
    m_create->setEnabled(!m_busy);
}

void JoinRoomDialog::setStatus(const QString &text, bool error)
{
    m_statusIsError = error && !text.isEmpty();
    m_status->setStyleSheet(error ? u"color: #c0392b;"_s : QString());
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}
