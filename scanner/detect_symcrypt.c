/*
 * detect_symcrypt.c - RSA private keys held by Windows CNG as SymCrypt
 * objects (issue 9), found by following the key's own pointers through the
 * dump's region map.  Detector id "symcrypt-rsakey".
 *
 * Target: 64-bit little-endian Windows processes (x64 minidumps; ARM64's
 * 32-byte digits are accepted too, but only the x64 layout is tested).
 * Layouts implemented, and where each fact comes from:
 *
 *  KRSM wrapper (bcrypt's key object; daddycocoaman/dumpscan,
 *  dumpscan/common/structs.py MSCRYPT_RSAKEY, and FORMATS.md):
 *     +0  u32 Length = 0x28      +4 "KRSM" (bytes 4B 52 53 4D)
 *     +8  u32 Algid              +12 u32 ModBitLen    +16 8 bytes unknown
 *     +24 u64 pAlg               +32 u64 pKey -> SYMCRYPT_RSAKEY
 *  The prefilter is the 8 bytes 28 00 00 00 4B 52 53 4D at a 16-aligned
 *  vaddr (heap blocks are: winnt.h MEMORY_ALLOCATION_ALIGNMENT is 16 on
 *  64-bit Windows).  A second anchor finds a key whose wrapper is gone
 *  (from_modulus).
 *
 *  SYMCRYPT_RSAKEY (microsoft/SymCrypt inc/symcrypt_internal.h): two
 *  versions exist.  Older builds (the layout dumpscan's structs.py parses)
 *  start with cbTotalSize; current SymCrypt puts a UINT32 fAlgorithmInfo
 *  first, which shifts the UINT32 fields by 4 and the 8-aligned fields by 8.
 *  Offsets below are v1 / v2:
 *     cbTotalSize 0/4, hasPrivateKey (BOOLEAN, padded to 4) 4/8,
 *     nSetBitsOfModulus 8/12, nBitsOfModulus 12/16, nDigitsOfModulus 16/20,
 *     nPubExp 20/24, nPrimes 24/28, nBitsOfPrimes[2] 28/32,
 *     nDigitsOfPrimes[2] 36/40, nMaxDigitsOfPrimes 44/48,
 *     au64PubExp[1] 48/56, then 8-byte pointers from P = 56/64:
 *     pbPrimes[2] P, pbCrtInverses[2] P+16, pbPrivExps[1] P+32,
 *     pbCrtPrivExps[2] P+40, pmModulus P+56, pmPrimes[2] P+64,
 *     peCrtInverses[2] P+80, piPrivExps[1] P+96, piCrtPrivExps[2] P+104,
 *     magic P+120 (struct 184 / 192 bytes).  SymCryptRsakeyCreate places
 *     the objects right after the struct, inside cbTotalSize
 *     (SYMCRYPT_FDEF_SIZEOF_RSAKEY_FROM_PARAMS); the v2 offsets agree with
 *     pmModulus at +120 and pbPrimes at +64 in public decompilations.
 *     MAX_NUMOF_PRIMES = 2, MAX_NUMOF_PUBEXPS = 1.
 *
 *  Digits (symcrypt_internal.h "Digit & alignment sizes"): AMD64
 *  SYMCRYPT_FDEF_DIGIT_SIZE = 64 bytes, ARM64 32; SYMCRYPT_ASYM_ALIGN_VALUE
 *  = 32 on both.  nDigits = ceil(bits / (8 * digit size)).
 *
 *  SYMCRYPT_INT: u32 type @0, u32 nDigits @4, u32 cbSize @8, magic @16,
 *     limbs (32-bit words, least significant first) @32, nDigits digits.
 *     type = 'gI' << 16 (the fdef code; a type's upper 16 bits are a
 *     2-char object tag, its lower 16 a function-table offset).
 *  SYMCRYPT_DIVISOR: type ('gD' << 16) @0, nDigits @4, cbSize @8,
 *     nBits @12, magic @16, W @24, SYMCRYPT_INT @32.
 *  SYMCRYPT_MODULUS: type @0 (tag 'gM', 'mM', '9m', '2x'... << 16 plus a
 *     table offset, per the chosen arithmetic), nDigits @4, cbSize @8,
 *     flags @12, cbModElement @16, inv64 @24, magic @32, Rsqr/k @40,
 *     SYMCRYPT_DIVISOR @64 - so the value's limbs are at +128; after the
 *     divisor come Montgomery constants (R^2 mod m...) up to cbSize.
 *  SYMCRYPT_MODELEMENT: nDigits digits, no header (the CRT inverses; in
 *     Montgomery form x*R mod p when the prime's modulus is Montgomery).
 *
 * What is reported (all "verified", with the key's SPKI SHA-256): the
 * SYMCRYPT_RSAKEY struct, each prime's whole MODULUS object (its R^2 mod p
 * reveals p as gcd(n, R^2 - Rsqr), so all of it is secret), the limbs of d
 * and of each CRT exponent, and each CRT inverse.  The key is proven by
 * ds_verify_rsa (p*q = n, and d when it matches); d, dp, dq and the
 * inverses are compared with the values recomputed from p, q, e, and an
 * object that does not match is still reported when it lies inside the
 * key's own allocation (cbTotalSize), never otherwise.
 *
 * Every count is bounded before use (bits 256..16384, 2 primes, 1 public
 * exponent, digit counts consistent with the bit counts), every object
 * tag is checked, and every pointer is translated through the region map
 * with its whole extent inside one region.  When the dump is streamed (no
 * whole-file view) pointers are followed only inside the current chunk.
 *
 * Cost (1 GiB buffer of libcrypto, python3, libhs and a word list with zero
 * gaps, mapped as one heap region; this detector alone, one core, page
 * cache, shared noisy machine, best of 3): 0.10 s, about 10 GB/s; a pass
 * touching every cache line of the same buffer took 0.08 s.  No KRSM word
 * or divisor tag survived there, so no pointer was followed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "detector.h"
#include "verify.h"

#define SC_SPAN (32u * 1024)  /* a whole RSA-16384 key object; no more than the others' */
#define SC_MIN_BITS 256
#define SC_MAX_BITS 16384
#define SC_MAX_BYTES (SC_MAX_BITS / 8)
#define SC_MAX_TOTAL (1u << 22)     /* cbTotalSize sanity bound */
#define SC_WRAP_LEN 0x28
#define SC_HDR_MAX 192
#define SC_MAX_SEEN 32

/* 28 00 00 00 4B 52 53 4D as a little-endian word */
#define SC_KRSM_WORD 0x4D53524B00000028ULL
/* type of a SYMCRYPT_DIVISOR ('gD' << 16) and of a SYMCRYPT_INT ('gI' << 16) */
#define SC_DIV_TYPE 0x67440000u
#define SC_INT_TYPE 0x67490000u

/* Field offsets of one SYMCRYPT_RSAKEY version. */
typedef struct {
    uint32_t total, has, setbits, bits, digits, npub, nprimes, pbits, pdigits, maxdig;
    uint32_t pubexp, ptr, size;
} sc_layout;

static const sc_layout layouts[2] = {
    /* current SymCrypt: UINT32 fAlgorithmInfo first */
    { 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 192 },
    /* older builds (dumpscan's structs.py) */
    { 0, 4, 8, 12, 16, 20, 24, 28, 36, 44, 48, 56, 184 },
};

/* Pointer slots relative to sc_layout.ptr. */
enum { P_PM_MODULUS = 56, P_PM_PRIMES = 64, P_PE_CRTINV = 80, P_PI_PRIVEXP = 96,
       P_PI_CRTPRIVEXP = 104 };

typedef struct {
    const uint8_t *whole;
    size_t whole_len;
    const ds_dump *dump;
    const uint8_t *buf;
    size_t len;
    uint64_t base;
} sc_view;

typedef struct {
    BN_CTX *ctx;
    uint8_t tmp[SC_MAX_BYTES];
    uint64_t seen[SC_MAX_SEEN];
    size_t nseen;
    int usable;             /* 64-bit little-endian dump with a region map */
} sc_state;

/* One object the key points to: where it is and its value. */
typedef struct {
    uint64_t va, off, len;  /* the span to report */
    BIGNUM *x;              /* value (secure heap); NULL if not loaded */
} sc_obj;

static inline uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ld64(const uint8_t *p) { return ld32(p) | (uint64_t)ld32(p + 4) << 32; }

static const uint8_t *sc_bytes(const sc_view *v, uint64_t off, size_t n)
{
    return ds_file_bytes(v->whole, v->whole_len, v->buf, v->base, v->len, off, n);
}

/* n bytes at virtual address va, all of them in one mapped region. */
static const uint8_t *sc_va(const sc_view *v, uint64_t va, size_t n, uint64_t *off)
{
    uint64_t o, last;
    if (!n || va & 7 || va > UINT64_MAX - n || ds_dump_vaddr_to_off(v->dump, va, &o) < 0 ||
        ds_dump_vaddr_to_off(v->dump, va + n - 1, &last) < 0 || last != o + n - 1)
        return NULL;
    const ds_region *r = ds_dump_region_at(v->dump, o);
    if (!r || r != ds_dump_region_at(v->dump, last))
        return NULL;
    if (off)
        *off = o;
    return sc_bytes(v, o, n);
}

static size_t digits_for(uint32_t bits, uint32_t ds)
{
    uint32_t db = 8 * ds;
    return (bits + db - 1) / db;
}

static int is_tagch(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Value of nd digits of LE 32-bit words at p, secure heap. */
static BIGNUM *load_le(sc_state *st, const uint8_t *p, size_t n)
{
    if (n > sizeof st->tmp)
        return NULL;
    memcpy(st->tmp, p, n);
    BIGNUM *x = BN_secure_new();
    if (x && !BN_lebin2bn(st->tmp, (int)n, x)) {
        BN_clear_free(x);
        x = NULL;
    }
    OPENSSL_cleanse(st->tmp, n);
    return x;
}

/* A SYMCRYPT_INT header at h: tag 'I', nDigits, cbSize covering the limbs. */
static int int_hdr_ok(const uint8_t *h, uint32_t nd, uint32_t ds)
{
    uint32_t type = ld32(h);
    return (type & 0xffff) == 0 && (type >> 16 & 0xff) == 'I' && is_tagch((uint8_t)(type >> 24)) &&
           ld32(h + 4) == nd && ld32(h + 8) >= 32 + nd * ds && ld32(h + 8) <= 64 + 2 * nd * ds;
}

/* SYMCRYPT_INT at va: the limbs (span and value). */
static int load_int(sc_state *st, const sc_view *v, uint64_t va, uint32_t nd, uint32_t ds,
                    sc_obj *o)
{
    uint64_t off;
    const uint8_t *h = sc_va(v, va, 32 + (size_t)nd * ds, &off);
    if (!h || !int_hdr_ok(h, nd, ds))
        return 0;
    o->va = va + 32;
    o->off = off + 32;
    o->len = (uint64_t)nd * ds;
    return (o->x = load_le(st, h + 32, (size_t)nd * ds)) != NULL;
}

/* SYMCRYPT_MODULUS at va: the whole object (span) and its value. */
static int load_modulus(sc_state *st, const sc_view *v, uint64_t va, uint32_t nd, uint32_t ds,
                        sc_obj *o)
{
    uint64_t off;
    const uint8_t *h = sc_va(v, va, 128 + (size_t)nd * ds, &off);
    if (!h)
        return 0;
    uint32_t type = ld32(h), cb = ld32(h + 8), dtype = ld32(h + 64);
    if ((type & 0xffff) >= 0x1000 || !is_tagch((uint8_t)(type >> 16)) ||
        !is_tagch((uint8_t)(type >> 24)) || ld32(h + 4) != nd ||
        cb < 128 + nd * ds || cb > 256 + 3 * nd * ds ||
        (dtype & 0xffff) != 0 || (dtype >> 16 & 0xff) != 'D' || ld32(h + 68) != nd ||
        !int_hdr_ok(h + 96, nd, ds) || !sc_va(v, va, cb, NULL))
        return 0;
    o->va = va;
    o->off = off;
    o->len = cb;
    return (o->x = load_le(st, h + 128, (size_t)nd * ds)) != NULL;
}

/* A MODELEMENT (no header) at va. */
static int load_modelement(sc_state *st, const sc_view *v, uint64_t va, uint32_t nd, uint32_t ds,
                           sc_obj *o)
{
    uint64_t off;
    const uint8_t *p = sc_va(v, va, (size_t)nd * ds, &off);
    if (!p)
        return 0;
    o->va = va;
    o->off = off;
    o->len = (uint64_t)nd * ds;
    return (o->x = load_le(st, p, (size_t)nd * ds)) != NULL;
}

/* The header fields a key must have to be worth following. */
typedef struct {
    uint32_t total, bits, digits, ds, pbits[2], pdigits[2];
    uint64_t e;
    uint64_t modulus, primes[2], crtinv[2], privexp, crtexp[2];
} sc_key;

static int parse_header(const uint8_t *h, const sc_layout *L, sc_key *k)
{
    uint32_t setbits = ld32(h + L->setbits);
    memset(k, 0, sizeof *k);
    k->total = ld32(h + L->total);
    k->bits = ld32(h + L->bits);
    k->digits = ld32(h + L->digits);
    if (h[L->has] != 1 || k->total < L->size || k->total > SC_MAX_TOTAL ||
        setbits < SC_MIN_BITS || setbits > SC_MAX_BITS || k->bits < SC_MIN_BITS ||
        k->bits > setbits || ld32(h + L->npub) != 1 || ld32(h + L->nprimes) != 2)
        return 0;
    if (k->digits == digits_for(setbits, 64))
        k->ds = 64;
    else if (k->digits == digits_for(setbits, 32))
        k->ds = 32;
    else
        return 0;
    uint32_t maxd = 0;
    for (int i = 0; i < 2; i++) {
        k->pbits[i] = ld32(h + L->pbits + 4 * i);
        k->pdigits[i] = ld32(h + L->pdigits + 4 * i);
        if (k->pbits[i] < 128 || k->pbits[i] >= k->bits || k->pdigits[i] < 1 ||
            k->pdigits[i] > k->digits || (uint64_t)k->pdigits[i] * k->ds * 8 < k->pbits[i])
            return 0;
        if (k->pdigits[i] > maxd)
            maxd = k->pdigits[i];
    }
    if (ld32(h + L->maxdig) != maxd || k->pbits[0] + k->pbits[1] < k->bits ||
        k->pbits[0] + k->pbits[1] > k->bits + 1)
        return 0;
    k->e = ld64(h + L->pubexp);
    if (!(k->e & 1) || k->e < 3)
        return 0;
    const uint8_t *p = h + L->ptr;
    k->modulus = ld64(p + P_PM_MODULUS);
    k->privexp = ld64(p + P_PI_PRIVEXP);
    for (int i = 0; i < 2; i++) {
        k->primes[i] = ld64(p + P_PM_PRIMES + 8 * i);
        k->crtinv[i] = ld64(p + P_PE_CRTINV + 8 * i);
        k->crtexp[i] = ld64(p + P_PI_CRTPRIVEXP + 8 * i);
    }
    return 1;
}

static void emit(ds_scan *s, const sc_obj *o, const char *enc, const ds_keyid *id)
{
    ds_finding f;
    memset(&f, 0, sizeof f);
    f.offset = o->off;
    f.length = o->len;
    f.kind = DS_KIND_RSA;
    f.detector = "symcrypt-rsakey";
    f.confidence = id->confidence;
    f.bits = id->bits;
    f.has_fingerprint = id->has_fingerprint;
    memcpy(f.fingerprint, id->fingerprint, 32);
    f.encoding = enc;
    ds_emit(s, &f);
}

/* Report o if its value is one of want[0..nw) or it lies in the key's block. */
static void emit_if(ds_scan *s, const sc_obj *o, const char *enc, const ds_keyid *id,
                    uint64_t kva, uint32_t total, const BIGNUM *const *want, int nw)
{
    if (!o->len)
        return;
    int ok = o->va >= kva && o->va - kva <= total && o->len <= total - (o->va - kva);
    for (int i = 0; i < nw && !ok; i++)
        ok = o->x && want[i] && BN_cmp(o->x, want[i]) == 0;
    if (ok)
        emit(s, o, enc, id);
}

/* a^-1 mod m in a new secure BIGNUM, NULL if there is none. */
static BIGNUM *inverse(const BIGNUM *a, const BIGNUM *m, BN_CTX *ctx)
{
    BIGNUM *r = BN_secure_new();
    if (r && !BN_mod_inverse(r, a, m, ctx)) {
        BN_clear_free(r);
        r = NULL;
    }
    return r;
}

/* Follow one SYMCRYPT_RSAKEY of layout L at kva; returns 1 if a key was
 * proven (and reported). */
static int try_key(sc_state *st, ds_scan *s, const sc_view *v, uint64_t kva, const sc_layout *L)
{
    uint64_t koff;
    const uint8_t *h = sc_va(v, kva, L->size, &koff);
    sc_key k;
    if (!h || !parse_header(h, L, &k))
        return 0;
    sc_obj n = { 0 }, p[2] = { { 0 } }, d = { 0 }, dx[2] = { { 0 } }, ci[2] = { { 0 } };
    BN_CTX *ctx = st->ctx;
    BN_CTX_start(ctx);
    BIGNUM *e = BN_CTX_get(ctx), *t = BN_CTX_get(ctx), *pm1 = BN_CTX_get(ctx);
    BIGNUM *want[2][3] = { { NULL } }, *dwant[2] = { NULL, NULL };
    ds_keyid id;
    memset(&id, 0, sizeof id);
    int ok = pm1 && BN_set_word(e, k.e) &&
             load_modulus(st, v, k.modulus, k.digits, k.ds, &n) && BN_num_bits(n.x) == (int)k.bits &&
             BN_is_odd(n.x);
    for (int i = 0; ok && i < 2; i++)
        ok = load_modulus(st, v, k.primes[i], k.pdigits[i], k.ds, &p[i]) &&
             BN_num_bits(p[i].x) == (int)k.pbits[i] && BN_is_odd(p[i].x);
    ok = ok && BN_mul(t, p[0].x, p[1].x, ctx) && BN_cmp(t, n.x) == 0;
    if (ok) {
        int have_d = load_int(st, v, k.privexp, k.digits, k.ds, &d);
        ERR_set_mark();
        ok = (have_d && ds_verify_rsa(n.x, e, d.x, p[0].x, p[1].x, &id)) ||
             ds_verify_rsa(n.x, e, NULL, p[0].x, p[1].x, &id);
        ERR_pop_to_mark();
    }
    if (ok) {
        /* Values the private objects should hold, recomputed from p, q, e. */
        BIGNUM *qm1 = BN_CTX_get(ctx), *phi = BN_CTX_get(ctx), *g = BN_CTX_get(ctx);
        BIGNUM *lam = BN_CTX_get(ctx);
        ERR_set_mark();
        if (lam && BN_sub(pm1, p[0].x, BN_value_one()) && BN_sub(qm1, p[1].x, BN_value_one()) &&
            BN_mul(phi, pm1, qm1, ctx) && BN_gcd(g, pm1, qm1, ctx) &&
            BN_div(lam, NULL, phi, g, ctx)) {
            dwant[0] = inverse(e, lam, ctx);
            dwant[1] = inverse(e, phi, ctx);
        }
        for (int i = 0; i < 2; i++) {
            const BIGNUM *pi = p[i].x, *po = p[1 - i].x;
            if (!BN_sub(pm1, pi, BN_value_one()))
                continue;
            want[i][0] = inverse(e, pm1, ctx);     /* d mod p-1 */
            want[i][1] = inverse(po, pi, ctx);     /* CRT inverse */
            /* Montgomery form: inverse * 2^(8 * digit bytes) mod p */
            if (want[i][1] && (want[i][2] = BN_secure_new()) != NULL &&
                (!BN_lshift(want[i][2], want[i][1], (int)(k.pdigits[i] * k.ds * 8)) ||
                 !BN_mod(want[i][2], want[i][2], pi, ctx))) {
                BN_clear_free(want[i][2]);
                want[i][2] = NULL;
            }
        }
        ERR_pop_to_mark();
        sc_obj hdr = { kva, koff, L->size, NULL };
        emit(s, &hdr, "symcrypt-rsakey", &id);
        for (int i = 0; i < 2; i++) {
            emit(s, &p[i], "symcrypt-modulus", &id);
            if (load_int(st, v, k.crtexp[i], k.pdigits[i], k.ds, &dx[i]) || dx[i].len)
                emit_if(s, &dx[i], "symcrypt-int", &id, kva, k.total,
                        (const BIGNUM *const *)&want[i][0], 1);
            if (load_modelement(st, v, k.crtinv[i], k.pdigits[i], k.ds, &ci[i]))
                emit_if(s, &ci[i], "symcrypt-modelement", &id, kva, k.total,
                        (const BIGNUM *const *)&want[i][1], 2);
        }
        if (d.len)
            emit_if(s, &d, "symcrypt-int", &id, kva, k.total, (const BIGNUM *const *)dwant, 2);
    }
    BN_clear_free(n.x);
    BN_clear_free(d.x);
    BN_clear_free(dwant[0]);
    BN_clear_free(dwant[1]);
    for (int i = 0; i < 2; i++) {
        BN_clear_free(p[i].x);
        BN_clear_free(dx[i].x);
        BN_clear_free(ci[i].x);
        for (int j = 0; j < 3; j++)
            BN_clear_free(want[i][j]);
    }
    BN_CTX_end(ctx);
    return ok;
}

static void *sc_open(ds_scan *s, int *err)
{
    sc_state *st = calloc(1, sizeof *st);
    if (!st || !(st->ctx = BN_CTX_secure_new())) {
        free(st);
        *err = 1;
        return NULL;
    }
    const ds_dump *d = ds_scan_dump(s);
    st->usable = d->word_size != 4 && !d->big_endian && d->nby_vaddr > 0;
    return st;
}

static void sc_close(void *state)
{
    sc_state *st = state;
    if (!st)
        return;
    BN_CTX_free(st->ctx);
    OPENSSL_cleanse(st->tmp, sizeof st->tmp);
    free(st);
}

static int seen(sc_state *st, uint64_t kva)
{
    for (size_t i = 0; i < st->nseen; i++)
        if (st->seen[i] == kva)
            return 1;
    if (st->nseen < SC_MAX_SEEN)
        st->seen[st->nseen++] = kva;
    return 0;
}

/* Follow a KRSM wrapper at file offset woff (its 8 tag bytes checked). */
static void from_wrapper(sc_state *st, ds_scan *s, const sc_view *v, uint64_t woff)
{
    const uint8_t *w = sc_bytes(v, woff, SC_WRAP_LEN);
    if (!w)
        return;
    uint32_t modbits = ld32(w + 12);
    uint64_t kva = ld64(w + 32);
    if (modbits < SC_MIN_BITS || modbits > SC_MAX_BITS || !kva || kva & 7 || seen(st, kva))
        return;
    for (int l = 0; l < 2; l++)
        if (try_key(st, s, v, kva, &layouts[l]))
            return;
}

/*
 * The key without its wrapper (the KRSM object freed or overwritten, or
 * SymCrypt used directly): SymCryptRsakeyCreate puts the modulus n right
 * after the SYMCRYPT_RSAKEY (sizeof = 192 in both layouts, 32-aligned), so
 * a MODULUS object at mva - found by its divisor's type word at mva+64 and
 * its int's at mva+96 - whose mva - 192 holds a struct with pmModulus ==
 * mva is a key.  Needs no pointer to reach the struct, so it also works
 * when the wrapper is in another chunk of a streamed dump.  Reported by the
 * chunk that holds the struct's first byte in its own part.
 */
static void from_modulus(sc_state *st, ds_scan *s, const sc_view *v, size_t own, uint64_t moff,
                         uint64_t mva)
{
    uint64_t koff;
    const uint8_t *it = sc_bytes(v, moff + 96, 4);
    if (!it || ld32(it) != SC_INT_TYPE || mva < SC_HDR_MAX)
        return;
    uint64_t kva = mva - SC_HDR_MAX;
    const uint8_t *h = sc_va(v, kva, SC_HDR_MAX, &koff);
    if (!h || koff < v->base || koff - v->base >= own)
        return;
    for (int l = 0; l < 2; l++)
        if (ld64(h + layouts[l].ptr + P_PM_MODULUS) == mva && !seen(st, kva) &&
            try_key(st, s, v, kva, &layouts[l]))
            return;
}

/* File offset where the first region starting after off begins, or
 * UINT64_MAX (regions are sorted by file offset). */
static uint64_t next_region(const ds_dump *d, uint64_t off)
{
    size_t lo = 0, hi = d->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->regions[mid].file_off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->nregions ? d->regions[lo].file_off : UINT64_MAX;
}

/*
 * One pass over the words of the chunk that are 16-aligned in the process's
 * address space (every Windows x64 heap block is, and SymCrypt objects
 * are 32-aligned), region by region: a word equal
 * to the KRSM wrapper's first 8 bytes, or - 32-aligned - a divisor's type
 * word.  One load and two compares per 16 bytes; memmem was ten times
 * slower on zero-heavy dumps (both needles start with zero bytes).
 */
static void sc_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                    uint64_t base)
{
    sc_state *st = state;
    if (!st->usable || !own)
        return;
    sc_view v = { .dump = ds_scan_dump(s), .buf = buf, .len = len, .base = base };
    v.whole = ds_scan_whole(s, &v.whole_len);
    st->nseen = 0;
    /* wrappers start in [0, own); a struct starting in own has its
     * divisor type word up to 192 + 64 bytes later */
    size_t lim = own + SC_HDR_MAX + 64 + 8 < len ? own + SC_HDR_MAX + 64 + 8 : len;
    for (size_t i = 0; i + 8 <= lim;) {
        uint64_t off = base + i;
        const ds_region *r = ds_dump_region_at(v.dump, off);
        if (!r || !r->has_vaddr) {
            uint64_t nx = next_region(v.dump, off);
            if (nx == UINT64_MAX || nx <= off || nx - base >= lim)
                break;
            i = (size_t)(nx - base);
            continue;
        }
        uint64_t rend = r->file_off + r->file_size;
        size_t end = rend - base < lim ? (size_t)(rend - base) : lim;
        uint64_t va = r->vaddr + (off - r->file_off);
        for (size_t j = i + (size_t)((16 - (va & 15)) & 15); j + 8 <= end; j += 16) {
            uint64_t w = ld64(buf + j);
            if (w == SC_KRSM_WORD) {
                if (j < own)
                    from_wrapper(st, s, &v, base + j);
            } else if ((uint32_t)w == SC_DIV_TYPE && j >= 64) {
                uint64_t vj = r->vaddr + (base + j - r->file_off);
                if (!(vj & 31))
                    from_modulus(st, s, &v, own, base + j - 64, vj - 64);
            }
        }
        i = end > i ? end : i + 1;
    }
}

const ds_detector ds_detector_symcrypt = {
    .name = "symcrypt",
    .max_span = SC_SPAN,
    .open = sc_open,
    .scan = sc_scan,
    .close = sc_close,
};
