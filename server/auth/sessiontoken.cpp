#include "sessiontoken.h"

#include "sodiuminit.h"

#include <sodium.h>

QByteArray SessionToken::mint()
{
    SodiumInit::ensure();
    unsigned char raw[RandomBytes];
    randombytes_buf(raw, sizeof raw);
    const QByteArray token
        = QByteArray::fromRawData(reinterpret_cast<const char *>(raw), sizeof raw)
              .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    sodium_memzero(raw, sizeof raw);
    return token;
}

QByteArray SessionToken::digest(const QByteArray &token)
{
    SodiumInit::ensure();
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(out.data()),
        reinterpret_cast<const unsigned char *>(token.constData()),
        static_cast<unsigned long long>(token.size()));
    return out;
}
