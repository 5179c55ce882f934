/*
 * scrub_report.h - the JSON report of one scrub (--report FILE.json).
 */
#ifndef DS_SCRUB_REPORT_H
#define DS_SCRUB_REPORT_H

#include <stdio.h>

#include "scrub.h"

/* The report object (one JSON object, no newline). */
void scrub_report_print(FILE *fp, const ds_scrub_opts *o, const ds_scrub_result *r,
                        const char *target, int exit_code);
/* Write it to path through a hidden temp and rename (never half-written).
 * 0, or -1 with a message in err. */
int scrub_report_write(const char *path, const ds_scrub_opts *o, const ds_scrub_result *r,
                       const char *target, int exit_code, char *err, size_t errlen);

#endif
