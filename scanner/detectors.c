/*
 * detectors.c - the registry of detectors, in the order they run.
 * Add one line per detector module (and its extern in this file).
 */
#include "detector.h"

/* detector externs (one per module) */
extern const ds_detector ds_detector_symcrypt;
extern const ds_detector ds_detector_rsamem;
extern const ds_detector ds_detector_rules;
extern const ds_detector ds_detector_aes;
extern const ds_detector ds_detector_der;
extern const ds_detector ds_detector_pem;
extern const ds_detector ds_detector_openssh;
extern const ds_detector ds_detector_putty;
extern const ds_detector ds_detector_jwk;
extern const ds_detector ds_detector_winblob;

const ds_detector *const ds_detectors[] = {
    /* detector registry entries */
    &ds_detector_symcrypt,
    &ds_detector_rsamem,
    &ds_detector_rules,
    &ds_detector_aes,
    &ds_detector_der,
    &ds_detector_pem,
    &ds_detector_openssh,
    &ds_detector_putty,
    &ds_detector_jwk,
    &ds_detector_winblob,
    NULL
};
