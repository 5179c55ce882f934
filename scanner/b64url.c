/*
 * b64url.c - strict base64url decoder (see b64url.h).
 */
#include "b64url.h"

/* 1 + the 6-bit value of each character; 0 for anything outside the
 * alphabet (the entries a designated initializer leaves out). */
static const uint8_t b64url_val[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63,
    ['_'] = 64,
};

size_t ds_b64url_decode(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 == 1 || ds_b64url_declen(n) > cap)
        return (size_t)-1;
    uint32_t acc = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t v = b64url_val[s[i]];
        if (!v)
            return (size_t)-1;
        acc = acc << 6 | (uint32_t)(v - 1);
        if (i % 4 == 3) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
        }
    }
    switch (n % 4) {
    case 2:   /* 12 bits: one byte, 4 spare bits */
        if (acc & 0xF)
            return (size_t)-1;
        out[o++] = (uint8_t)(acc >> 4);
        break;
    case 3:   /* 18 bits: two bytes, 2 spare bits */
        if (acc & 0x3)
            return (size_t)-1;
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
        break;
    }
    return o;
}
