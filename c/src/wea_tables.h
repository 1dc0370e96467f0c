/*
 * wea_tables.h: the format's tables as the C library holds them: the
 * element types of spec §4 (code, size, name), the names of the statuses
 * (the error categories of §6.2, then the binding's own), and the texts
 * that list them in messages.
 *
 * This file is the one place in c/src that spells these tables out. The
 * regions between BEGIN GENERATED and END GENERATED are written by
 * tools/gen_tables.py from spec/registry.json (`make tables`): edit the
 * registry, never them. It is included once, by wea.c (the tables are
 * static, on the reader's hot path, and must stay in that translation
 * unit). The enums `wea_etype` and `wea_status` they use are in
 * include/wea.h, generated from the registry in the same way.
 *
 * Contract with wea.c:
 *   WEA__ETYPES            the element types: the core codes 1 to
 *                          WEA__CORE_LAST in order, then the extension
 *                          codes WEA__EXT_FIRST to WEA__EXT_LAST in order;
 *   WEA__N_ETYPES          their number;
 *   WEA__ETYPE_CODES_TEXT  the valid codes, as R3 and §7.1 messages say;
 *   WEA__ETYPE_NAMES_TEXT  the valid names, as §4 messages say;
 *   WEA__STATUS_NAMES      the name of each status 0 to WEA_STATUS_MAX.
 */
#ifndef WEA_TABLES_H
#define WEA_TABLES_H

#include "wea.h"

struct wea__etype_info {
    uint16_t code;
    uint16_t size;
    const char *name;
};

/* ---- begin tables (spec §4, §6.2) ---------------------------------- */

/* BEGIN GENERATED etypes: from spec/registry.json, `make tables` */
/* The core codes 1 to WEA__CORE_LAST (§4.1), then the extension codes
 * WEA__EXT_FIRST to WEA__EXT_LAST (§4.2). */
#define WEA__CORE_LAST 12u
#define WEA__EXT_FIRST 256u
#define WEA__EXT_LAST 257u

/* Every element type, in code order: code, size S, name (§4). */
static const struct wea__etype_info WEA__ETYPES[] = {
    {WEA_INT8, 1, "int8"},
    {WEA_UINT8, 1, "uint8"},
    {WEA_INT16, 2, "int16"},
    {WEA_UINT16, 2, "uint16"},
    {WEA_INT32, 4, "int32"},
    {WEA_UINT32, 4, "uint32"},
    {WEA_INT64, 8, "int64"},
    {WEA_UINT64, 8, "uint64"},
    {WEA_FLOAT32, 4, "float32"},
    {WEA_FLOAT64, 8, "float64"},
    {WEA_COMPLEX64, 8, "complex64"},
    {WEA_COMPLEX128, 16, "complex128"},
    {WEA_BOOL, 1, "bool"},
    {WEA_FLOAT16, 2, "float16"},
};

/* The valid codes, as the R3 and §7.1 messages list them, and the
 * valid names, as the §4 message lists them. */
#define WEA__ETYPE_CODES_TEXT "1 to 12, 256 or 257"
#define WEA__ETYPE_NAMES_TEXT                                                 \
    "int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, "     \
    "float64, complex64, complex128, bool or float16"
/* END GENERATED etypes */

static const char *const WEA__STATUS_NAMES[WEA_STATUS_MAX + 1] = {
    "ok",
    /* BEGIN GENERATED status-names: from spec/registry.json, `make tables` */
    "truncated",
    "bad_magic",
    "wrong_byte_order",
    "unsupported_version",
    "unsupported_type",
    "invalid_ndims",
    "invalid_offset",
    "invalid_dimension",
    "overflow",
    "data_truncated",
    /* END GENERATED status-names */
    /* The binding's own statuses (include/wea.h). */
    "invalid_argument",
    "buffer_too_small",
    "invalid_name",
    "exists",
    "not_found",
    "permission",
    "no_space",
    "system",
};

/* ---- end tables ---------------------------------------------------- */

#define WEA__N_ETYPES (sizeof WEA__ETYPES / sizeof WEA__ETYPES[0])

#endif /* WEA_TABLES_H */
