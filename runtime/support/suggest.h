/*
 * suggest.h — "did you mean ...?": the closest of a list of names to a
 * misspelt one. One rule for every vocabulary sasc suggests from (settings,
 * command-line options, analyses, layer kinds and keywords of the language),
 * so a typo is answered the same way wherever it is made.
 */
#ifndef SASC_SUGGEST_H
#define SASC_SUGGEST_H

/* Optimal string alignment distance of `a` and `b`: insertions, deletions,
 * substitutions and transpositions of adjacent characters each count one
 * ("btach" is one edit from "batch"). Words longer than 64 characters are
 * never close: the distance is then a large number. */
int sasc_edit_distance(const char *a, const char *b);

/* The candidate closest to `name`, or NULL when none is close enough to be a
 * typo of it: a name of up to 3 characters tolerates one edit, a longer one
 * two. Of candidates equally close, the first wins. */
const char *sasc_closest_name(const char *name, const char *const *candidates, int count);

#endif
