/*
 * keytext.c - prefilter, UTF-16LE narrowing and base64 for text-encoded keys.
 */
#include "keytext.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

void ds_text_view(ds_text *t, const uint8_t *buf, size_t lo, size_t hi, unsigned unit,
                  uint8_t *scratch)
{
    t->origin = lo;
    t->unit = unit;
    if (unit == 1) {
        t->s = buf + lo;
        t->n = hi - lo;
        return;
    }
    size_t n = (hi - lo) / 2;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *u = buf + lo + 2 * i;
        scratch[i] = u[1] ? 0xFF : u[0];
    }
    t->s = scratch;
    t->n = n;
}

int ds_u16_eq(const uint8_t *p, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[2 * i] != (uint8_t)lit[i] || p[2 * i + 1] != 0)
            return 0;
    return 1;
}

int ds_b64_decode_body(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    /* EVP_DecodeUpdate skips blanks and line breaks itself, rejects any
     * other non-base64 byte, and stops at '-' (an armor line): refuse that
     * here, since the caller already cut the body out. */
    if (n > INT_MAX || cap < n / 4 * 3 + 3 || memchr(s, '-', n))
        return 0;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!ctx)
        return 0;
    int a = 0, b = 0, ok = 0;
    EVP_DecodeInit(ctx);
    if (EVP_DecodeUpdate(ctx, out, &a, s, (int)n) >= 0 && EVP_DecodeFinal(ctx, out + a, &b) == 1) {
        *outlen = (size_t)a + (size_t)b;
        ok = 1;
    }
    EVP_ENCODE_CTX_free(ctx);
    return ok;
}

size_t ds_unescape_b64_text(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        if (++i == n)
            return (size_t)-1;
        switch (s[i]) {
        case 'n': case 'r': case 't': out[o++] = ' '; break;
        case '/': out[o++] = '/'; break;
        default: return (size_t)-1;
        }
    }
    return o;
}

size_t ds_line_end(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && s[i] != '\n' && s[i] != '\r')
        i++;
    return i;
}

size_t ds_next_line(const uint8_t *s, size_t n, size_t i)
{
    i = ds_line_end(s, n, i);
    if (i < n && s[i] == '\r')
        i++;
    if (i < n && s[i] == '\n')
        i++;
    return i;
}
