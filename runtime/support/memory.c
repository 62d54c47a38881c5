/*
 * memory.c — the memory a process may use, and the check against it.
 */
#include "runtime/support/memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static double physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? (double)pages * (double)page_size : 0.0;
}

/* cgroup v2 limit of this process's group ("max" or absent: none). */
static double cgroup_limit(void)
{
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (!f)
        return 0.0;
    char text[64] = "";
    bool read = fgets(text, sizeof text, f) != NULL;
    fclose(f);
    char *end;
    double limit = read ? strtod(text, &end) : 0.0;
    return read && end != text && limit > 0 ? limit : 0.0;
}

static double rlimit_bytes(int resource)
{
    struct rlimit limit;
    if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return 0.0;
    return (double)limit.rlim_cur;
}

/* The address space this process already uses (VmSize), from /proc. */
static double address_space_used(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0.0;
    unsigned long pages = 0;
    bool read = fscanf(f, "%lu", &pages) == 1;
    fclose(f);
    long page_size = sysconf(_SC_PAGE_SIZE);
    return read && page_size > 0 ? (double)pages * (double)page_size : 0.0;
}

/* What an address-space limit (ulimit -v) leaves: the limit less what the
 * process has mapped already (its code, LLVM, the buffers so far). */
static double address_space_left(void)
{
    double limit = rlimit_bytes(RLIMIT_AS);
    if (limit == 0)
        return 0.0;
    double left = limit - address_space_used();
    return left > 1 ? left : 1;   /* 1 byte, not 0 (which means "no limit") */
}

/* The smallest of the known limits (0 = unknown). */
static double tighter(double limit, double candidate)
{
    return candidate > 0 && (limit == 0 || candidate < limit) ? candidate : limit;
}

double sasc_memory_limit(void)
{
    double limit = physical_memory();
    limit = tighter(limit, cgroup_limit());
    limit = tighter(limit, address_space_left());
    return tighter(limit, rlimit_bytes(RLIMIT_DATA));
}

void sasc_memory_format(double bytes, char *out, size_t size)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int unit = 0;
    while (bytes >= 1000 && unit < 5) {
        bytes /= 1000;
        unit++;
    }
    snprintf(out, size, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
}

bool sasc_memory_check(double bytes, const char *what, char *error, size_t error_size)
{
    double limit = sasc_memory_limit();
    if (limit == 0 || bytes <= limit)
        return true;
    char need[32], have[32];
    sasc_memory_format(bytes, need, sizeof need);
    sasc_memory_format(limit, have, sizeof have);
    snprintf(error, error_size, "%s need %s of memory but at most %s are available to this process",
             what, need, have);
    return false;
}
