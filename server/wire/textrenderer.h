#pragma once

#include <QByteArray>
#include <QJsonObject>

// Plain-text mode's output side: renders each server frame as the readable lines a person at
// nc or telnet sees ("[15:04] alice: hello", "* bob joined", "! error"). Chat times are shown
// in the server's time zone.
class TextRenderer
{
public:
    // UTF-8 lines, each ending in "\n" (none at all for an empty history page). self is the
    // reader's name (to tell its own dms apart); room the reader's current room: what happens
    // in another is marked "#room".
    static QByteArray render(
        const QJsonObject &frame, const QString &self, const QString &room = {});
};
