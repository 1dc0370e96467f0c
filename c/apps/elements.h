/*
 * elements.h: weatool's element codec: decode one little-endian element to
 * text or JSON, fill elements for `weatool create` and `weatool fill`, and
 * the IEEE 754 binary16 conversions. Part of the tool, not of the library.
 */
#ifndef WEATOOL_ELEMENTS_H
#define WEATOOL_ELEMENTS_H

#include <stddef.h>
#include <stdint.h>

/** binary16 bits to double (exact). */
double wt_half_to_double(uint16_t h);
/** double to binary16 bits, rounded to nearest, ties to even (as numpy). */
uint16_t wt_double_to_half(double d);

/** Formats the element of type \p etype whose bytes start at \p p.
 *  \p json: 1 for a JSON value (floats with 17 digits, NaN and infinities
 *  as the strings "nan", "inf", "-inf", complex as [re, im], bool as
 *  true/false), 0 for text (shortest round-trip floats, complex as
 *  re+imj). Reads exactly wea_etype_size(etype) bytes. */
void wt_format_element(char *buf, size_t cap, unsigned etype,
                       const unsigned char *p, int json);

/** How to fill elements. */
enum wt_fill_kind { WT_FILL_ZERO, WT_FILL_IOTA, WT_FILL_VALUE };

typedef struct wt_fill {
    enum wt_fill_kind kind;
    double dval;   /* WT_FILL_VALUE of a float, complex or float16 type */
    int64_t ival;  /* WT_FILL_VALUE of a signed integer type or bool */
    uint64_t uval; /* WT_FILL_VALUE of an unsigned integer type */
} wt_fill;

/** Parses a --fill argument for \p etype: "zero", "iota" or a number that
 *  the type can hold. Returns 0 on success, -1 (with a message in \p msg)
 *  on failure. */
int wt_parse_fill(const char *s, unsigned etype, wt_fill *f, char *msg,
                  size_t msgcap);

/** Writes elements number \p first to \p first + \p n - 1 at \p dst.
 *  Element k of WT_FILL_IOTA is k converted to the type: integers modulo
 *  2^bits, floats rounded to nearest, complex k - k*i, bool k % 2. */
void wt_fill_elements(unsigned char *dst, unsigned etype, uint64_t first,
                      size_t n, const wt_fill *f);

#endif /* WEATOOL_ELEMENTS_H */
