/*
 * output.h - safe printing of untrusted strings (labels, module names and
 * paths come from the dump, i.e. from an attacker) as JSON or as text.
 */
#ifndef DS_OUTPUT_H
#define DS_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "finding.h"

/* A JSON string literal (with quotes); invalid UTF-8 becomes U+FFFD. */
void out_json_str(FILE *fp, const char *s);
/* Text: control characters and invalid UTF-8 become '?'; NULL prints "-". */
void out_text_str(FILE *fp, const char *s, int width);
/* One finding as a JSON object (no newline); file may be NULL. */
void out_finding_json(FILE *fp, const char *file, const ds_finding *f);

#endif
