/*
 * run_directory.h — a run directory belongs to one run.
 *
 * While a run (or an analysis writing into a run directory) works, it holds
 * an exclusive lock on DIR/.sasc-lock (flock: released by the kernel when
 * the process ends, however it ends), so two `sasc run` into one directory
 * cannot both write it: the second is refused, naming the first's process.
 *
 * A new run takes only a directory that holds no other run's results:
 *  - an absent or empty directory is taken as it is;
 *  - a directory of a run that finished nothing (sasc's lock file, maybe a
 *    model.sas or a metrics.csv header, but no run.json and no checkpoint)
 *    is cleared and taken (a directory is sasc's when it holds the lock
 *    file, or a run.json or checkpoint of a run made before the lock);
 *  - a directory holding a run (run.json or checkpoint.sasc) is refused
 *    unless the run is resumed (`--resume`) or replaced (`--force`, which
 *    clears it first), so no file of an earlier run (an analysis.csv, a
 *    figure) is left beside the new run's;
 *  - a non-empty directory that is not a sasc run directory is refused even
 *    with --force: sasc never clears a directory it did not make.
 * Temporary files an interrupted atomic write left (".NAME.tmp.XXXXXX",
 * output.h; `kill -9` runs no clean-up) are removed when the lock is taken.
 */
#ifndef SASC_RUN_DIRECTORY_H
#define SASC_RUN_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#define SASC_RUN_LOCK_FILE ".sasc-lock"

typedef enum {
    SASC_RUN_DIRECTORY_NEW,       /* a new run: refuse another run's directory */
    SASC_RUN_DIRECTORY_REPLACE,   /* --force: clear another run's directory first */
    SASC_RUN_DIRECTORY_RESUME,    /* --resume: the directory's own run continues */
    SASC_RUN_DIRECTORY_ANALYSIS   /* sasc analyze: add files to a finished run */
} sasc_run_directory_use;

typedef struct {
    int lock_fd;      /* -1 when not held */
} sasc_run_directory;

/* Create `path` if needed, lock it and check it may be used as `use` says;
 * on refusal one sentence in `error`. */
bool sasc_run_directory_claim(sasc_run_directory *directory, const char *path,
                              sasc_run_directory_use use, char *error, size_t error_size);

/* Give the lock up (the lock file stays: it marks the directory as sasc's). */
void sasc_run_directory_release(sasc_run_directory *directory);

#endif
