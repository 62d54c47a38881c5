/*
 * run_directory.c — locking, checking and clearing a run directory
 * (run_directory.h).
 */
#include "runtime/train/run_directory.h"
#include "runtime/model/checkpoint.h"
#include "runtime/support/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the lock ---- */

/* The process id the holder wrote into the lock file, or 0. */
static long holder_pid(int fd)
{
    char text[32] = "";
    ssize_t got = pread(fd, text, sizeof text - 1, 0);
    return got > 0 ? strtol(text, NULL, 10) : 0;
}

/* Open (or create) the lock file; *created says whether it is new, since
 * only a lock file that was there before marks the directory as sasc's. */
static int open_lock(const char *lock, bool *created)
{
    int fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    *created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    return fd;
}

static bool take_lock(sasc_run_directory *d, const char *path, bool *created, char *error,
                      size_t size)
{
    char lock[8192];
    snprintf(lock, sizeof lock, "%s/%s", path, SASC_RUN_LOCK_FILE);
    int fd = open_lock(lock, created);
    if (fd < 0) {
        snprintf(error, size, "cannot lock the run directory %s: %s", path, strerror(errno));
        return false;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int failure = errno;
        long pid = holder_pid(fd);
        close(fd);
        if (failure == EWOULDBLOCK && pid > 0)
            snprintf(error, size, "the run directory %s is in use by another sasc (process %ld); "
                     "wait for it to finish or give another --out", path, pid);
        else if (failure == EWOULDBLOCK)
            snprintf(error, size, "the run directory %s is in use by another sasc; wait for it "
                     "to finish or give another --out", path);
        else
            snprintf(error, size, "cannot lock the run directory %s: %s", path, strerror(failure));
        return false;
    }
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)length, 0) != length) {
        /* the pid is only for the message of a second run; the lock is what counts */
    }
    d->lock_fd = fd;
    return true;
}

/* ---- what the directory holds ---- */

/* ".NAME.tmp.XXXXXX": a temporary file of an atomic write (output.c). */
static bool is_temporary(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' && n > 12 && strncmp(name + n - 11, ".tmp.", 5) == 0;
}

typedef struct {
    bool results;       /* run.json or a checkpoint: a run finished something here */
    bool sasc_files;    /* sasc's lock file or a run's results: a run directory */
    int others;         /* entries besides the lock and temporaries */
    int temporaries;    /* names of atomic writes' temporary files */
    char example[256];  /* one of them, for the message */
} contents;

/* What `path` holds; its lock file marks it as sasc's only if it was there
 * before this claim (`lock_is_new`: this claim created it). */
static bool survey(const char *path, bool lock_is_new, contents *c, char *error, size_t size)
{
    memset(c, 0, sizeof *c);
    DIR *dir = opendir(path);
    if (!dir) {
        snprintf(error, size, "cannot read the run directory %s: %s", path, strerror(errno));
        return false;
    }
    for (struct dirent *e; (e = readdir(dir));) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (is_temporary(name)) {
            c->temporaries++;
            continue;
        }
        if (strcmp(name, SASC_RUN_LOCK_FILE) == 0) {
            c->sasc_files = c->sasc_files || !lock_is_new;
            continue;
        }
        c->results = c->results || strcmp(name, "run.json") == 0 ||
                     strcmp(name, SASC_CHECKPOINT_FILE) == 0;
        c->sasc_files = c->sasc_files || c->results;
        if (c->others++ == 0)
            snprintf(c->example, sizeof c->example, "%s", name);
    }
    closedir(dir);
    return true;
}

/* ---- clearing ---- */

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
    (void)status;
    (void)type;
    if (walk->level == 0)
        return 0;   /* the directory itself stays */
    const char *base = path + walk->base;
    if (walk->level == 1 && strcmp(base, SASC_RUN_LOCK_FILE) == 0)
        return 0;   /* held: removing it would let a second run lock a new file */
    return remove(path) == 0 ? 0 : errno;
}

/* Everything in `path` but the lock, depth first, never following a
 * symbolic link (a link is removed, not what it points to). */
static bool clear(const char *path, char *error, size_t size)
{
    int failure = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failure != 0) {
        snprintf(error, size, "cannot clear the run directory %s: %s", path,
                 strerror(failure > 0 ? failure : errno));
        return false;
    }
    return true;
}

/* Leftovers of atomic writes cut short (`kill -9`): never a finished file. */
static void remove_temporaries(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir)
        return;
    for (struct dirent *e; (e = readdir(dir));) {
        if (!is_temporary(e->d_name))
            continue;
        char file[8192];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        struct stat status;
        if (lstat(file, &status) == 0 && S_ISREG(status.st_mode))
            unlink(file);
    }
    closedir(dir);
}

/* ---- claiming ---- */

static bool check_use(const char *path, sasc_run_directory_use use, bool lock_is_new,
                      char *error, size_t size)
{
    contents c;
    if (!survey(path, lock_is_new, &c, error, size))
        return false;
    if (!c.sasc_files)
        c.others += c.temporaries;   /* only in sasc's own directory are they its leftovers */
    if (use == SASC_RUN_DIRECTORY_RESUME || use == SASC_RUN_DIRECTORY_ANALYSIS || c.others == 0)
        return true;
    if (!c.sasc_files) {
        snprintf(error, size, "the output directory %s is not empty (it holds %s%s) and is not a "
                 "sasc run directory; give another --out (sasc never clears a directory it did "
                 "not make)", path, c.example, c.others > 1 ? " and more" : "");
        return false;
    }
    if (c.results && use != SASC_RUN_DIRECTORY_REPLACE) {
        snprintf(error, size, "the output directory %s holds another run; give --force to replace "
                 "it, --resume %s to continue it, or another --out", path, path);
        return false;
    }
    return clear(path, error, size);   /* --force, or a run that finished nothing */
}

bool sasc_run_directory_claim(sasc_run_directory *directory, const char *path,
                              sasc_run_directory_use use, char *error, size_t error_size)
{
    directory->lock_fd = -1;
    bool created = false;
    if (!sasc_make_directories(path, error, error_size) ||
        !take_lock(directory, path, &created, error, error_size))
        return false;
    if (!check_use(path, use, created, error, error_size)) {
        if (created) {   /* leave a refused directory as it was */
            char lock[8192];
            snprintf(lock, sizeof lock, "%s/%s", path, SASC_RUN_LOCK_FILE);
            unlink(lock);
        }
        sasc_run_directory_release(directory);
        return false;
    }
    remove_temporaries(path);
    return true;
}

void sasc_run_directory_release(sasc_run_directory *directory)
{
    if (directory->lock_fd >= 0)
        close(directory->lock_fd);   /* closing the descriptor drops the flock */
    directory->lock_fd = -1;
}
