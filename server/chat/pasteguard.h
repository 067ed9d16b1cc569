#pragma once

#include "floodguard.h"

#include <QtGlobal>

#include <optional>

// Flood control for a person in plain-text mode, where a burst of lines is a paste, not a
// script's requests. Lines that arrive less than QuietMs apart are one paste (a terminal's
// paste reaches the server in one read, or in a few close together), and a paste lasts at most
// MaxPasteMs, so that endless input still comes to an end.
//
// Each line that asks the room for something takes a token from a bucket of five times the
// JSON burst (100 lines with the default --burst 20), refilled at the JSON rate (--rate): a
// paste of up to 100 lines goes through whole, and the sustained rate is JSON's. A line the
// bucket refuses is dropped and counted, and the count is told once, when its paste ends.
// A paste that was cut short is a strike, one that went through whole clears them; more than
// MaxStrikes in a row is flooding, so one paste, however long, never is. Time comes from a
// clock the owner may inject, so tests can drive it. The bucket may be kept elsewhere instead
// (ChatBudgets, shared by every connection of one person); the pastes are this connection's.
class PasteGuard
{
public:
    using Clock = FloodGuard::Clock;

    static constexpr qint64 QuietMs = 500;
    static constexpr qint64 MaxPasteMs = 2000;
    static constexpr int MaxStrikes = 5;
    static constexpr double LinesPerBurst = 5;

    struct Paste
    {
        int lines = 0; // every line of it, commands and all
        int dropped = 0; // the lines the bucket refused
        bool flooding = false; // the last of more than MaxStrikes cut short in a row
    };

    PasteGuard(double rate, double burst, Clock clock = FloodGuard::steadyClock());
    // take: a token from a bucket of pasteLines() refilled at rate, kept elsewhere.
    PasteGuard(double rate, double burst, Clock clock, FloodGuard::Take take);

    // A line arrived. If it begins a new paste because the last one went quiet or lasted too
    // long, that one is over: it is returned.
    std::optional<Paste> lineArrived();
    // Takes a token for a line of the current paste; false: the line is dropped (and counted).
    bool admit();
    // The current paste is over (the owner's quiet timer ran out); nothing if there is none.
    std::optional<Paste> end();

    // The most lines a paste may hold (when the bucket is full), and the rate it refills at.
    double pasteLines() const { return m_pasteLines; }
    double rate() const { return m_rate; }
    int strikes() const { return m_strikes; }

private:
    const double m_rate;
    const double m_pasteLines;
    FloodGuard::Take m_take;
    Clock m_clock;
    std::optional<Paste> m_paste; // the current one
    bool m_admittedAny = false; // a line of the current paste took a token
    qint64 m_startedMs = 0;
    qint64 m_lastLineMs = 0;
    int m_strikes = 0;
};
