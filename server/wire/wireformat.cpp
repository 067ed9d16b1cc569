#include "wireformat.h"

#include "jsonwire.h"
#include "textwire.h"

std::unique_ptr<WireFormat> WireFormat::forFirstLine(const QByteArray &line)
{
    const QByteArray trimmed = withoutByteOrderMark(line.trimmed()).trimmed();
    // "{quit}" is a person leaving the way older chat clients did, not JSON.
    if (trimmed.startsWith('{') && trimmed != "{quit}") {
        return std::make_unique<JsonWire>();
    }
    return std::make_unique<TextWire>();
}

QByteArray WireFormat::namePrompt()
{
    return "Welcome to Natter (plain-text mode). What is your name?\n";
}

QByteArray WireFormat::withoutByteOrderMark(const QByteArray &line)
{
    static const QByteArray mark("\xEF\xBB\xBF");
    return line.startsWith(mark) ? line.sliced(mark.size()) : line;
}
