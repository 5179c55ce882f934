/*
 * b64url.h - strict base64url (RFC 4648 section 5) as JWK uses it
 * (RFC 7515 section 2): alphabet A-Z a-z 0-9 - _, no padding, no
 * whitespace, and the unused low bits of the last character must be zero
 * (so every byte string has exactly one encoding).
 */
#ifndef DS_B64URL_H
#define DS_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Bytes that n characters decode to (n % 4 == 1 is never valid). */
static inline size_t ds_b64url_declen(size_t n)
{
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

/* Decode s[0, n) into out (cap bytes).  Returns the decoded length, or
 * (size_t)-1 if the text is not strict base64url or does not fit.  On
 * failure out may hold partial output: the caller cleanses it either way. */
size_t ds_b64url_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap);

#endif
