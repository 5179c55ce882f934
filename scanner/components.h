/*
 * components.h - the private components of a key that a text or SSH-wire
 * detector found, for the scrubber's echo pass (scrubber/echo.c), which
 * then scrubs every other copy of them.
 *
 * DER, PEM and the Windows blobs the echo pass parses itself; the formats
 * here need their detector's own parser.  Each function takes exactly the
 * bytes of one finding of its detector, re-parses them and hands each
 * private component (big-endian magnitude: RSA d p q iqmp/qi, the EC or
 * DSA scalar, the EdDSA/X seed) to fn.  The bytes are valid only during
 * the call and cleansed after it.  Returns the number of components
 * handed over (0: not this format, encrypted, or no private member), -1
 * when fn failed or memory ran out.
 */
#ifndef DS_COMPONENTS_H
#define DS_COMPONENTS_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 to go on, -1 to stop with an error. */
typedef int (*ds_component_fn)(void *ctx, const uint8_t *be, size_t len);

/* An "openssh-pem" (ASCII or UTF-16LE armor) or "openssh-binary" finding. */
int ds_openssh_components(const uint8_t *p, size_t n, ds_component_fn fn, void *ctx);
/* A "putty-ppk" finding (unencrypted files only). */
int ds_putty_components(const uint8_t *p, size_t n, ds_component_fn fn, void *ctx);
/* A "jwk" finding: the members d, p, q, dp, dq, qi. */
int ds_jwk_components(const uint8_t *p, size_t n, ds_component_fn fn, void *ctx);

#endif
