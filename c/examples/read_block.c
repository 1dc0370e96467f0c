/*
 * read_block.c: a minimal consumer of the installed library. Maps a .wea
 * file, prints its type and shape, and sums its float64 elements.
 *
 *   cc read_block.c $(pkg-config --cflags wea) $(pkg-config --libs --static wea)
 */
#include <wea.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    wea_mapping m;
    wea_error err;
    unsigned i;

    if (argc != 2) {
        fprintf(stderr, "usage: read_block FILE\n");
        return 64;
    }
    if (wea_map_file(argv[1], 0, &m, &err) != WEA_OK) {
        fprintf(stderr, "read_block: %s\n", err.message);
        return (int)err.status;
    }
    printf("%s (", wea_etype_name(wea_header_etype(&m.header)));
    for (i = 0; i < wea_header_ndims(&m.header); i++) {
        printf("%s%" PRId64, i ? ", " : "", wea_header_dim(&m.header, i));
    }
    printf(")\n");
    if (wea_header_etype(&m.header) == WEA_FLOAT64) {
        const unsigned char *p = (const unsigned char *)wea_mapping_data(&m);
        double sum = 0, x;
        int64_t k;
        for (k = 0; k < wea_header_count(&m.header); k++) {
            /* memcpy: the data may be unaligned in memory (spec §8.1.2);
             * this example assumes a little-endian host. */
            memcpy(&x, p + 8 * k, sizeof x);
            sum += x;
        }
        printf("sum %g\n", sum);
    }
    (void)wea_unmap(&m, NULL);
    return 0;
}
