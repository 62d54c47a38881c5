/*
 * link.c — finding and running the system linker and archiver.
 */
#include "compiler/codegen/link.h"
#include "compiler/codegen/failure.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef SASC_LIBDIR
#define SASC_LIBDIR "/usr/local/lib"
#endif
#ifndef SASC_LINK_LIBS
#define SASC_LINK_LIBS "-lopenblas -lz -lpthread -lm"
#endif
#ifndef SASC_CONFIGURED_CC
#define SASC_CONFIGURED_CC "cc"
#endif
#ifndef SASC_LINK_FLAGS
#define SASC_LINK_FLAGS ""
#endif

enum { MAX_WORDS = 64, PATH_SIZE = 4096 };

/* A command line under construction; words point into `text` or elsewhere. */
typedef struct {
    const char *word[MAX_WORDS + 1];
    int count;
    char text[8192];      /* storage for words split from strings */
    size_t used;
} command;


static bool add_word(command *c, const char *word)
{
    if (c->count >= MAX_WORDS)
        return false;
    c->word[c->count++] = word;
    c->word[c->count] = NULL;
    return true;
}

/* Append the blank-separated words of `text` (no quoting: tool names and flags). */
static bool add_words(command *c, const char *text)
{
    for (const char *at = text; *at;) {
        size_t skip = strspn(at, " \t\n"), length = strcspn(at + skip, " \t\n");
        at += skip;
        if (length == 0)
            break;
        if (c->used + length + 1 > sizeof c->text)
            return false;
        char *word = c->text + c->used;
        memcpy(word, at, length);
        word[length] = '\0';
        c->used += length + 1;
        if (!add_word(c, word))
            return false;
        at += length;
    }
    return true;
}

static bool is_file(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

/* Is `name` (without a slash) an executable in $PATH? */
static bool in_path(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0;
    const char *path = getenv("PATH");
    for (const char *dir = path ? path : "/usr/bin:/bin"; *dir;) {
        size_t length = strcspn(dir, ":");
        char candidate[PATH_SIZE];
        int written = snprintf(candidate, sizeof candidate, "%.*s/%s", (int)length, dir, name);
        bool fits = written >= 0 && (size_t)written < sizeof candidate;
        if (fits && access(candidate, X_OK) == 0)
            return true;
        dir += length + (dir[length] == ':');
    }
    return false;
}

/* The first of the environment variables' values, then the fallbacks, whose
 * program is installed. */
static const char *find_tool(const char *const *variables, const char *const *fallbacks)
{
    for (; *variables; variables++) {
        const char *value = getenv(*variables);
        if (value && value[0] != '\0')
            return value;   /* an explicit choice is used as given, even if wrong: it is reported */
    }
    for (; *fallbacks; fallbacks++) {
        char first[PATH_SIZE];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(*fallbacks, " "), *fallbacks);
        if (in_path(first))
            return *fallbacks;
    }
    return NULL;
}

/* The directory of the running sasc executable. */
static bool executable_directory(char *dir, size_t size)
{
    char self[PATH_SIZE];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
        return false;
    self[length] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return false;
    *slash = '\0';
    snprintf(dir, size, "%s", self);
    return true;
}

static bool runtime_in(const char *dir)
{
    char a[PATH_SIZE + 32], b[PATH_SIZE + 32];
    int written_a = snprintf(a, sizeof a, "%s/libsascrt.a", dir);
    int written_b = snprintf(b, sizeof b, "%s/libsascmain.a", dir);
    if (written_a < 0 || (size_t)written_a >= sizeof a || written_b < 0 || (size_t)written_b >= sizeof b)
        return false;  /* a truncated path would name some other file */
    return is_file(a) && is_file(b);
}

static bool find_runtime(char *dir, size_t size, char *error, size_t error_size)
{
    char candidates[4][PATH_SIZE] = {{0}};
    const char *variable = getenv("SASC_RUNTIME_DIR");
    if (variable)
        snprintf(candidates[0], PATH_SIZE, "%s", variable);
    char self[PATH_SIZE];
    if (executable_directory(self, sizeof self)) {
        snprintf(candidates[1], PATH_SIZE, "%s", self);
        snprintf(candidates[2], PATH_SIZE, "%.4000s/../lib", self);
    }
    snprintf(candidates[3], PATH_SIZE, "%s", SASC_LIBDIR);
    for (int k = 0; k < 4; k++)
        if (candidates[k][0] && runtime_in(candidates[k]) && strlen(candidates[k]) < size) {
            memcpy(dir, candidates[k], strlen(candidates[k]) + 1);
            return true;
        }
    return failf(error, error_size, "cannot find the sasc runtime library (libsascrt.a and "
                 "libsascmain.a) next to sasc, in ../lib or in %s; set SASC_RUNTIME_DIR to the "
                 "directory that holds it", SASC_LIBDIR);
}

static void describe(const command *c, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < c->count && used < size; k++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", k ? " " : "", c->word[k]);
}

/* Run `c` and wait; its messages go to our stderr. */
static bool run(const command *c, const char *what, char *error, size_t error_size)
{
    char line[2048];
    describe(c, line, sizeof line);
    pid_t child;
    int failure = posix_spawnp(&child, c->word[0], NULL, NULL, (char *const *)c->word, environ);
    if (failure != 0)
        return failf(error, error_size, "%s: cannot run '%s': %s", what, c->word[0], strerror(failure));
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return failf(error, error_size, "%s: lost track of '%s': %s", what, c->word[0], strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFEXITED(status))
        return failf(error, error_size, "%s failed: '%s' exited with status %d (its messages are above)",
                     what, line, WEXITSTATUS(status));
    return failf(error, error_size, "%s failed: '%s' was killed by signal %d", what, line, WTERMSIG(status));
}

bool link_executable(const char *object, const char *output, char *error, size_t error_size)
{
    static const char *const variables[] = {"SASC_CC", "CC", NULL};
    static const char *const fallbacks[] = {"cc", "gcc", "clang", SASC_CONFIGURED_CC, NULL};
    const char *cc = find_tool(variables, fallbacks);
    if (!cc)
        return failf(error, error_size, "cannot link %s: no C compiler found (tried $SASC_CC, $CC, "
                     "cc, gcc, clang); install one (Debian: gcc) or set SASC_CC", output);
    char dir[PATH_SIZE], main_library[PATH_SIZE + 32], runtime_library[PATH_SIZE + 32];
    if (!find_runtime(dir, sizeof dir, error, error_size))
        return false;
    snprintf(main_library, sizeof main_library, "%s/libsascmain.a", dir);
    snprintf(runtime_library, sizeof runtime_library, "%s/libsascrt.a", dir);
    command c = {.count = 0};
    bool ok = add_words(&c, cc) && add_words(&c, SASC_LINK_FLAGS) && add_word(&c, "-o") &&
              add_word(&c, output) && add_word(&c, object) && add_word(&c, main_library) &&
              add_word(&c, runtime_library) && add_words(&c, SASC_LINK_LIBS);
    if (!ok)
        return failf(error, error_size, "cannot link %s: the linker command is too long", output);
    return run(&c, "linking", error, error_size);
}

/* Copy the file `from` to `to`. */
static bool copy_file(const char *from, const char *to, char *error, size_t error_size)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return failf(error, error_size, "cannot read %s: %s", from, strerror(errno));
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return failf(error, error_size, "cannot write %s: %s", to, strerror(errno));
    }
    char block[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(block, 1, sizeof block, in)) > 0)
        ok = ok && fwrite(block, 1, n, out) == n;
    ok = ok && !ferror(in);
    fclose(in);
    ok = (fclose(out) == 0) && ok;
    if (!ok)
        return failf(error, error_size, "cannot copy %s to %s", from, to);
    return true;
}

bool link_library(const char *object, const char *output, char *error, size_t error_size)
{
    static const char *const variables[] = {"SASC_AR", "AR", NULL};
    static const char *const fallbacks[] = {"ar", "gcc-ar", "llvm-ar", NULL};
    const char *ar = find_tool(variables, fallbacks);
    if (!ar)
        return failf(error, error_size, "cannot make %s: no archiver found (tried $SASC_AR, $AR, ar); "
                     "install binutils or set SASC_AR", output);
    char dir[PATH_SIZE], runtime_library[PATH_SIZE + 32];
    if (!find_runtime(dir, sizeof dir, error, error_size))
        return false;
    snprintf(runtime_library, sizeof runtime_library, "%s/libsascrt.a", dir);
    if (!copy_file(runtime_library, output, error, error_size))
        return false;
    /* `r` adds the model as a new member, `s` rebuilds the symbol index. */
    command c = {.count = 0};
    bool ok = add_words(&c, ar) && add_word(&c, "rs") && add_word(&c, output) && add_word(&c, object);
    if (!ok)
        return failf(error, error_size, "cannot make %s: the archiver command is too long", output);
    return run(&c, "archiving", error, error_size);
}
