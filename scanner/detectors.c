/*
 * detectors.c - the registry of detectors, in the order they run.
 * Add one line per detector module (and its extern in this file).
 */
#include "detector.h"

/* detector externs (one per module) */

const ds_detector *const ds_detectors[] = {
    /* detector registry entries */
    NULL
};
