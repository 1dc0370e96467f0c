/*
 * wea_deprecated.c: the deprecated names of renamed functions (wea.h,
 * "Deprecated names"; docs/vocabulary.md), each the new function under its
 * old name. Kept as exported functions for one release so that callers
 * and foreign-function bindings keep linking; removing them is deleting
 * this file and that group of wea.h.
 */
#include "wea.h"

size_t wea_data_offset(unsigned ndims)
{
    return wea_canonical_offset(ndims);
}

wea_status wea_peek(const void *block, size_t len, size_t *header_bytes,
                    wea_error *err)
{
    return wea_parse_fixed_header(block, len, header_bytes, err);
}

wea_status wea_plan(unsigned etype, unsigned ndims, const int64_t *dims,
                    wea_header *out, wea_error *err)
{
    return wea_make_header(etype, ndims, dims, out, err);
}
