#ifndef MODA_RELAY_COPENSSL_SHIM_H
#define MODA_RELAY_COPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/core_names.h>
#include <stddef.h>

/// A keyed HMAC-SHA256 context, initialised once per secret. NULL on failure.
static inline EVP_MAC_CTX *relay_hmac_sha256_new(const void *key, size_t key_len) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(ctx, (const unsigned char *)key, key_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/// HMAC-SHA256 over the concatenation a || b || c using a copy of a keyed context.
/// Writes 32 bytes to out; returns 1 on success.
static inline int relay_hmac_sha256_3(const EVP_MAC_CTX *keyed,
                                      const void *a, size_t a_len,
                                      const void *b, size_t b_len,
                                      const void *c, size_t c_len,
                                      unsigned char *out) {
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(keyed);
    if (ctx == NULL) return 0;
    size_t out_len = 0;
    int ok = EVP_MAC_update(ctx, (const unsigned char *)a, a_len) == 1
        && EVP_MAC_update(ctx, (const unsigned char *)b, b_len) == 1
        && EVP_MAC_update(ctx, (const unsigned char *)c, c_len) == 1
        && EVP_MAC_final(ctx, out, &out_len, 32) == 1
        && out_len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok;
}

/// SHA-256 of data into out (32 bytes); returns 1 on success.
static inline int relay_sha256(const void *data, size_t len, unsigned char *out) {
    unsigned int out_len = 0;
    return EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) == 1 && out_len == 32;
}

#endif
