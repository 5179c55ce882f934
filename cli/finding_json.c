/*
 * finding_json.c - JSON object -> ds_finding (jansson parses the JSON).
 */
#include "finding_json.h"

#include <stdlib.h>
#include <string.h>

int fingerprint_parse(const char *s, uint8_t out[32])
{
    if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
        return -1;
    s += 7;
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = s[2 * i + j];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
            else return -1;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int get_u64(json_t *obj, const char *key, uint64_t *v)
{
    json_t *j = json_object_get(obj, key);
    if (!json_is_integer(j) || json_integer_value(j) < 0)
        return -1;
    *v = (uint64_t)json_integer_value(j);
    return 0;
}

static char *get_str(json_t *obj, const char *key, int *bad)
{
    json_t *j = json_object_get(obj, key);
    if (!j)
        return NULL;
    if (!json_is_string(j)) {
        *bad = 1;
        return NULL;
    }
    char *s = strdup(json_string_value(j));
    if (!s)
        *bad = 1;
    return s;
}

int finding_from_json(json_t *obj, ds_finding *f, const char **file)
{
    memset(f, 0, sizeof *f);
    if (!json_is_object(obj))
        return -1;
    if (file) {
        json_t *j = json_object_get(obj, "file");
        *file = json_is_string(j) ? json_string_value(j) : NULL;
    }
    int bad = 0;
    if (get_u64(obj, "offset", &f->offset) < 0 || get_u64(obj, "length", &f->length) < 0)
        return -1;
    const char *conf = json_string_value(json_object_get(obj, "confidence"));
    if (!conf || (f->confidence = ds_confidence_parse(conf)) == DS_CONF_NONE)
        return -1;
    json_t *bits = json_object_get(obj, "bits");
    if (bits) {
        if (!json_is_integer(bits) || json_integer_value(bits) < 0 ||
            json_integer_value(bits) > 1 << 20)
            return -1;
        f->bits = (int)json_integer_value(bits);
    }
    const char *fp = json_string_value(json_object_get(obj, "fingerprint"));
    if (fp) {
        if (fingerprint_parse(fp, f->fingerprint) < 0)
            return -1;
        f->has_fingerprint = 1;
    }
    const char *va = json_string_value(json_object_get(obj, "vaddr"));
    if (va) {
        char *end;
        if (strncmp(va, "0x", 2) != 0)
            return -1;
        f->vaddr = strtoull(va + 2, &end, 16);
        if (*end || end == va + 2)
            return -1;
        f->has_vaddr = 1;
    }
    char *kind = get_str(obj, "kind", &bad);
    char *det = get_str(obj, "detector", &bad);
    char *enc = get_str(obj, "encoding", &bad);
    char *reg = get_str(obj, "region", &bad);
    if (bad || !kind || !det) {
        free(kind);
        free(det);
        free(enc);
        free(reg);
        return -1;
    }
    f->kind = kind;
    f->detector = det;
    f->encoding = enc;
    f->region = reg;
    return 0;
}
