/*
 * replay.c — main() for a fuzz target built without libFuzzer: every input
 * runs through LLVMFuzzerTestOneInput once, as libFuzzer runs a reproducer.
 * A crash or a sanitizer report is the failure; a refusal of the input is
 * the expected end of almost every one.
 *
 * With files on the command line, those. Without, as a test of make check:
 * every file of SRCDIR/tests/fuzz/regressions/FORMAT/ (one per finding, named
 * after it) and of SRCDIR/tests/fuzz/corpus_FORMAT/ (the campaigns' corpus),
 * FORMAT being the target's (FUZZ_FORMAT); none at all is a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Defined by the targets that set something up first (libFuzzer calls it too). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t capacity = 4096, used = 0;
    unsigned char *data = malloc(capacity);
    for (size_t got; data && (got = fread(data + used, 1, capacity - used, f)) > 0;) {
        used += got;
        if (used == capacity) {
            unsigned char *bigger = realloc(data, capacity *= 2);
            if (!bigger)
                free(data);
            data = bigger;
        }
    }
    fclose(f);
    *size = used;
    return data;
}

static int replay(const char *path)
{
    size_t size = 0;
    unsigned char *data = read_whole(path, &size);
    if (!data) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return 0;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 1;
}

/* Every regular file of `dir`; returns how many were replayed. */
static int replay_directory(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int count = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        count += replay(path);
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (!replay(argv[i]))
                return 2;
        return 0;
    }
#if defined(SRCDIR) && defined(FUZZ_FORMAT)
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regressions/%s", SRCDIR, FUZZ_FORMAT);
    int regressions = replay_directory(dir);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus_%s", SRCDIR, FUZZ_FORMAT);
    int corpus = replay_directory(dir);
    printf("replayed %d reproducers and %d corpus inputs of %s\n", regressions, corpus, FUZZ_FORMAT);
    return regressions + corpus > 0 ? 0 : 1;
#else
    fprintf(stderr, "usage: %s FILE...\n", argv[0]);
    return 2;
#endif
}
