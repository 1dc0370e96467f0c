/*
 * sha256.h: a small SHA-256 (FIPS 180-4) for weatool's digests of the data
 * bytes. Part of the tool, not of the library.
 */
#ifndef WEATOOL_SHA256_H
#define WEATOOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

/** Running state; caller-owned. */
typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t nbytes;        /* message length so far, in bytes */
    unsigned char buf[64];  /* a partial block */
    size_t nbuf;            /* bytes in buf */
} sha256_ctx;

/** Starts a digest. */
void sha256_init(sha256_ctx *c);
/** Adds \p n bytes at \p data (may be NULL when \p n is 0). */
void sha256_update(sha256_ctx *c, const void *data, size_t n);
/** Ends the digest and writes 32 bytes to \p out. */
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/** The digest of \p n bytes as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *data, size_t n, char out[65]);

#endif /* WEATOOL_SHA256_H */
