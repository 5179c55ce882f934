/*
 * output_sarif.h - `scan --format sarif`: one SARIF 2.1.0 log for the whole
 * run, for security dashboards (GitHub code scanning, DefectDojo...).
 * Results are written as they come; the tool description (with one rule
 * per kind seen) and the invocation (exit code, per-file notifications)
 * follow them, which JSON allows.  Never a secret byte: a result carries
 * only what the JSON Lines output carries.
 */
#ifndef DS_OUTPUT_SARIF_H
#define DS_OUTPUT_SARIF_H

#include <stdio.h>

#include "finding.h"

typedef struct {
    FILE *fp;
    size_t nresults;
    char kinds[64][48];       /* distinct kinds seen: the driver's rules */
    size_t nkinds;
    char *notes;              /* notifications so far, JSON, comma-separated */
    size_t notes_len, notes_cap;
    int error;                /* a file could not be read (exit 2) */
} sarif_out;

/* Start the log on fp. */
void sarif_begin(sarif_out *s, FILE *fp);
/* One result for finding f in the dump at path. */
void sarif_result(sarif_out *s, const char *path, const ds_finding *f);
/* A tool execution notification about path: level "error" (could not be
 * scanned) or "warning" (not proven clean); msg must hold no secret. */
void sarif_note(sarif_out *s, const char *path, const char *level, const char *msg);
/* Close the log (tool, invocation with exit_code) and free s. */
void sarif_end(sarif_out *s, int exit_code);

#endif
