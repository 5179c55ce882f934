/*
 * finding_json.h - read back a finding that out_finding_json() wrote (the
 * fixed JSON Lines schema), for the state file and for `merge`.
 */
#ifndef DS_FINDING_JSON_H
#define DS_FINDING_JSON_H

#include <jansson.h>

#include "finding.h"

/* Fill f from one JSON object; its strings (kind, detector, encoding,
 * region) are fresh copies the caller frees (sweep_result_free does).
 * *file, if file is not NULL, points into obj ("file" member, or NULL).
 * Returns 0, or -1 when a required member is missing or malformed. */
int finding_from_json(json_t *obj, ds_finding *f, const char **file);

/* Parse "sha256:<64 hex>" into 32 bytes: 0, or -1. */
int fingerprint_parse(const char *s, uint8_t out[32]);

#endif
