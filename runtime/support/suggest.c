/*
 * suggest.c — the closest name to a misspelt one (suggest.h).
 */
#include "runtime/support/suggest.h"

#include <limits.h>
#include <string.h>

enum { LONGEST = 64 };

int sasc_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > LONGEST || m > LONGEST)
        return INT_MAX;
    int d[LONGEST + 1][LONGEST + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *sasc_closest_name(const char *name, const char *const *candidates, int count)
{
    /* Short names tolerate one edit, longer ones two: beyond that a
     * suggestion is more often noise than help. */
    int allowed = strlen(name) <= 3 ? 1 : 2;
    const char *best = NULL;
    int best_distance = allowed + 1;
    for (int i = 0; i < count; i++) {
        int distance = sasc_edit_distance(name, candidates[i]);
        if (distance < best_distance) {
            best = candidates[i];
            best_distance = distance;
        }
    }
    return best;
}
