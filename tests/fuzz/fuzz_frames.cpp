// libFuzzer target: everything the server does with bytes from a client before any socket or
// thread is involved. The first input byte picks how the rest is split into reads; the first
// line chooses the wire format, as it does on a connection, and every line is decoded by it and
// by the other format too (as a registered client with an open quiz question and as a
// newcomer); every decoded frame is encoded back, and rendered as a plain-text reader sees it.
//
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build/fuzz/tests/fuzz/fuzz_frames -max_total_time=600 tests/fuzz/corpus

#include "framecodec.h"
#include "framereader.h"
#include "framevalidator.h"
#include "jsonwire.h"
#include "textwire.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const qsizetype chunk = 1 + data[0] % 64;
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    FrameReader reader(1024);
    std::unique_ptr<WireFormat> chosen;
    const JsonWire json;
    const TextWire text;
    for (qsizetype offset = 0; offset < bytes.size(); offset += chunk) {
        reader.append(bytes.mid(offset, chunk));
        while (const std::optional<QByteArray> line = reader.nextLine()) {
            if (!chosen) {
                chosen = WireFormat::forFirstLine(*line);
            }
            for (const WireFormat *wire : {static_cast<const WireFormat *>(chosen.get()),
                     static_cast<const WireFormat *>(&json),
                     static_cast<const WireFormat *>(&text)}) {
                for (const WireFormat::Context context :
                    {WireFormat::Context{false, 0}, WireFormat::Context{true, 3}}) {
                    const WireFormat::Decoded decoded = wire->decode(*line, context);
                    if (decoded.frame.isEmpty()) {
                        continue;
                    }
                    FrameValidator::validateName(
                        decoded.frame.value(QLatin1StringView("name")).toString());
                    FrameValidator::validateText(
                        decoded.frame.value(QLatin1StringView("text")).toString());
                    const QByteArray encoded = json.encode(decoded.frame, QStringLiteral("self"));
                    text.encodeShared({encoded}, QStringLiteral("self"));
                }
            }
        }
        if (reader.hasOverflowed()) {
            break;
        }
    }
    return 0;
}
