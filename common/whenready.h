#pragma once

#include <QFutureWatcher>
#include <QObject>

#include <utility>

// Calls handler(result) in context's thread once future has a result, unless context is gone
// by then or the future was cancelled. Qt 6.4's QFuture::then(context, ...) still runs its
// continuation after context is destroyed (later Qt versions cancel it); a QFutureWatcher owned
// by context is destroyed with it, which disconnects it from the future, so a late answer to a
// client that has left touches nothing.
//
// cancelled, if given, is called instead of handler when the future ends without a result.
template<typename T, typename Handler, typename Cancelled = void (*)()>
void whenReady(
    const QFuture<T> &future, QObject *context, Handler handler, Cancelled cancelled = [] {})
{
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context,
        [watcher, handler = std::move(handler), cancelled = std::move(cancelled)]() mutable {
            if (!watcher->isCanceled() && watcher->future().resultCount() > 0) {
                handler(watcher->result());
            } else {
                cancelled();
            }
            watcher->deleteLater();
        });
    watcher->setFuture(future);
}
