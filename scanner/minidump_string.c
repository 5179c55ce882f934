/*
 * minidump_string.c - MINIDUMP_STRING (u32 Length in bytes, then UTF-16LE
 * code units, no terminator counted) to UTF-8.
 *
 * Invalid UTF-16 (unpaired surrogates) becomes U+FFFD so the result is
 * always valid UTF-8; a U+0000 ends the string (some writers count the
 * terminator in Length, and a C string cannot hold it anyway).
 */
#include "minidump_int.h"

#include <stdlib.h>

/* Longest name decoded: Windows paths stop at 32767 UTF-16 units. */
#define MD_STRING_MAX_UNITS 32768u

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * `units` UTF-16LE code units at p -> malloc'd NUL-terminated UTF-8.
 * Each unit yields at most 3 bytes (a surrogate pair: 2 units, 4 bytes).
 */
char *ds_md_utf16_to_utf8(const uint8_t *p, size_t units)
{
    if (units > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(units * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = md_ld16(p + 2 * i);
        if (u == 0)
            break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            uint32_t lo = md_ld16(p + 2 * (i + 1));
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                o += put_utf8(o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            u = 0xFFFD;   /* lone surrogate */
        o += put_utf8(o, u);
    }
    *o = '\0';
    return out;
}

/*
 * The MINIDUMP_STRING at `rva`, decoded; NULL (with a problem recorded)
 * if it cannot be read.  A string running past the readable bytes is
 * decoded as far as it goes.  `what` names it in problems.
 */
char *ds_md_string(md_ctx *c, uint32_t rva, const char *what)
{
    if (!md_fits(rva, 4, c->len)) {
        ds_dump_problem(c->d, "minidump %s string at 0x%x is outside the file",
                        what, (unsigned)rva);
        c->partial = 1;
        if (!md_fits(rva, 4, c->fsize))
            c->d->truncated = 1;
        return NULL;
    }
    uint32_t bytes = md_ld32(c->buf + rva);
    if (bytes & 1) {
        ds_dump_problem(c->d, "minidump %s string at 0x%x has odd length %u",
                        what, (unsigned)rva, (unsigned)bytes);
        c->partial = 1;
    }
    size_t room = (c->len - rva - 4) / 2;
    size_t units = bytes / 2;
    if (units > room) {
        ds_dump_problem(c->d, "minidump %s string at 0x%x runs past the end of the file",
                        what, (unsigned)rva);
        c->partial = 1;
        if (!md_fits((uint64_t)rva + 4, bytes, c->fsize))
            c->d->truncated = 1;
        units = room;
    }
    if (units > MD_STRING_MAX_UNITS) {
        ds_dump_problem(c->d, "minidump %s string at 0x%x is %zu characters long; cut",
                        what, (unsigned)rva, units);
        c->partial = 1;
        units = MD_STRING_MAX_UNITS;
    }
    if (units > c->str_budget) {
        /* Many entries pointing at one long string: stop decoding. */
        if (!c->str_exhausted)
            ds_dump_problem(c->d, "minidump strings exceed the file size; names not decoded");
        c->str_exhausted = 1;
        c->partial = 1;
        return NULL;
    }
    c->str_budget -= units;
    char *s = ds_md_utf16_to_utf8(c->buf + rva + 4, units);
    if (!s)
        ds_md_problem_oom(c);
    return s;
}
