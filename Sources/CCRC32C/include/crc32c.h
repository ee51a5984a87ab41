#ifndef MODA_RELAY_CRC32C_H
#define MODA_RELAY_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the SSE 4.2 CRC32 instruction (x86-64); 0 elsewhere.
int relay_crc32c_hardware(void);

/// Continues a CRC-32C (Castagnoli) over `length` bytes with the CRC32 instruction. `crc` is the
/// running value before the final inversion (start with 0xFFFFFFFF, invert at the end). Only
/// call it when relay_crc32c_hardware() says so.
uint32_t relay_crc32c_update(uint32_t crc, const void *bytes, size_t length);

#endif
