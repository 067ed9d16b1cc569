#include "wireformat.h"

#include "jsonwire.h"
#include "textwire.h"

namespace {

const QByteArray ByteOrderMark("\xEF\xBB\xBF");

} // namespace

std::unique_ptr<WireFormat> WireFormat::forFirstLine(const QByteArray &line)
{
    QByteArray trimmed = line.trimmed();
    if (trimmed.startsWith(ByteOrderMark)) {
        trimmed = trimmed.sliced(ByteOrderMark.size()).trimmed();
    }
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
