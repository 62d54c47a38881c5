/*
 * embed.c — predicting with a trained sasc ensemble from a C program.
 *
 * Train the quick-start model, make its library, compile this file against
 * it and run it on the trained ensemble:
 *
 *   sasc run examples/quickstart.sas --out runs/qs
 *   sasc build examples/quickstart.sas --library -o libquick.a    # also writes quick.h
 *   cc embed.c -I. $(pkg-config --cflags sasc) libquick.a $(pkg-config --static --libs sasc) -o embed
 *   ./embed runs/qs
 *
 * The pkg-config line needs `make install` first: it reads the installed
 * sasc.pc, and the headers it points at are installed ones. From a build
 * tree without installing (as tests/build.sh does; libquick.a holds the
 * runtime, so only the system libraries are added, from the build tree's
 * sasc.pc; SRC is the source tree):
 *
 *   cc embed.c -I. -ISRC libquick.a $(sed -n 's/^Libs.private: //p' sasc.pc) -o embed
 *
 * quick.h declares quick_load(); the rest is the generic ensemble API
 * (ensemble.h): the mean-field prediction, or that of a network sampled
 * from the ensemble. The program prints both for two made-up images and
 * fails if a prediction is not a probability distribution.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "quick.h"

enum { IMAGES = 2 };

/* Image 0 is blank; image 1 has a bright square in the middle. */
static void make_images(double *images, int width)
{
    int side = (int)sqrt((double)width);
    for (int k = 0; k < width; k++) {
        int row = k / side, col = k % side;
        images[k] = 0.0;
        images[width + k] = row > side / 4 && row < 3 * side / 4 && col > side / 4 && col < 3 * side / 4;
    }
}

/* Print each image's probabilities; false unless each row sums to 1. */
static int report(const char *what, const double *probabilities, int classes)
{
    int ok = 1;
    for (int i = 0; i < IMAGES; i++) {
        double sum = 0;
        int best = 0;
        printf("%s image %d:", what, i);
        for (int c = 0; c < classes; c++) {
            const double p = probabilities[i * classes + c];
            printf(" %.3f", p);
            sum += p;
            best = p > probabilities[i * classes + best] ? c : best;
        }
        printf("  -> class %d\n", best);
        ok = ok && fabs(sum - 1.0) < 1e-4;
    }
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s RUN_DIR\n", argv[0]);
        return 1;
    }
    char error[1024];
    sasc_ensemble *ensemble = quick_load(argv[1], error, sizeof error);
    if (!ensemble) {
        fprintf(stderr, "embed: %s\n", error);
        return 1;
    }
    int width = sasc_ensemble_input_width(ensemble), classes = sasc_ensemble_classes(ensemble);
    double *images = malloc(sizeof(double) * IMAGES * (size_t)width);
    double *probabilities = malloc(sizeof(double) * IMAGES * (size_t)classes);
    int ok = images && probabilities;
    if (ok) {
        make_images(images, width);
        ok = sasc_ensemble_predict(ensemble, images, IMAGES, SASC_MEAN_FIELD, 0, probabilities,
                                   error, sizeof error) &&
             report("mean-field", probabilities, classes) &&
             sasc_ensemble_predict(ensemble, images, IMAGES, 0, 42, probabilities,
                                   error, sizeof error) &&
             report("sampled network 0", probabilities, classes);
    }
    if (!ok)
        fprintf(stderr, "embed: prediction failed: %s\n", error);
    free(images);
    free(probabilities);
    sasc_ensemble_free(ensemble);
    return ok ? 0 : 1;
}
