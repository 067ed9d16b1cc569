// libFuzzer target: everything the server does with bytes from a client before any socket or
// thread is involved. The first input byte picks how the rest is split into reads; the lines
// then go through the frame codec and validator (JSON mode), the text-command parser (plain-
// text mode), and every decoded frame is rendered as text, as a plain-text reader would see it.
//
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build/fuzz/tests/fuzz/fuzz_frames -max_total_time=600 tests/fuzz/corpus

#include "framecodec.h"
#include "framereader.h"
#include "framevalidator.h"
#include "textcommandparser.h"
#include "textrenderer.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const qsizetype chunk = 1 + data[0] % 64;
    const QByteArray bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    FrameReader reader(1024);
    for (qsizetype offset = 0; offset < bytes.size(); offset += chunk) {
        reader.append(bytes.mid(offset, chunk));
        while (const std::optional<QByteArray> line = reader.nextLine()) {
            const FrameCodec::Decoded decoded = FrameCodec::decode(*line);
            if (decoded.isValid()) {
                const FrameValidator::Verdict verdict
                    = FrameValidator::validateClientFrame(decoded.frame);
                FrameValidator::validateName(
                    decoded.frame.value(QLatin1StringView("name")).toString());
                FrameValidator::validateText(
                    decoded.frame.value(QLatin1StringView("text")).toString());
                TextRenderer::render(decoded.frame, QStringLiteral("self"));
                if (verdict.isValid()) {
                    FrameCodec::encode(decoded.frame);
                }
            }
            if (const std::optional<QString> text = FrameCodec::decodeUtf8(*line)) {
                TextCommandParser::parse(*text, {false, 0});
                TextCommandParser::parse(*text, {true, 3});
            }
        }
        if (reader.hasOverflowed()) {
            break;
        }
    }
    return 0;
}
