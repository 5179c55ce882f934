/*
 * finding.c - names of the fixed vocabulary.
 */
#include "finding.h"

#include <string.h>

const char *ds_confidence_name(ds_confidence c)
{
    switch (c) {
    case DS_CONF_VERIFIED: return "verified";
    case DS_CONF_LIKELY:   return "likely";
    case DS_CONF_POSSIBLE: return "possible";
    default:               return "none";
    }
}

ds_confidence ds_confidence_parse(const char *s)
{
    if (!strcmp(s, "verified")) return DS_CONF_VERIFIED;
    if (!strcmp(s, "likely"))   return DS_CONF_LIKELY;
    if (!strcmp(s, "possible")) return DS_CONF_POSSIBLE;
    return DS_CONF_NONE;
}

void ds_fingerprint_str(const uint8_t fp[32], char out[72])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[fp[i] >> 4];
        out[8 + 2 * i] = hex[fp[i] & 15];
    }
    out[71] = '\0';
}
