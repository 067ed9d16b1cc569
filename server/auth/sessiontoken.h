#pragma once

#include <QByteArray>

// Sign-in tokens: 32 random bytes a client keeps as its secret, of which the server stores only
// the SHA-256. A stolen table of digests then signs nobody in, and since the token is random
// and long, no slow hash is needed to protect it.
class SessionToken
{
public:
    static constexpr int RandomBytes = 32;
    static constexpr int EncodedLength = 43; // base64url of 32 bytes, no padding
    static constexpr int DigestBytes = 32;

    // A new token: 32 bytes from randombytes_buf, base64url without padding.
    static QByteArray mint();
    // SHA-256 of the token as the client sends it, 32 raw bytes: what the store keeps.
    static QByteArray digest(const QByteArray &token);
};
