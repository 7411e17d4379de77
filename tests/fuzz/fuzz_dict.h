/*
 * Dictionaries for the text fuzz targets, made from the packet library
 * itself so they follow every descriptor added: each target writes its
 * dictionary when V6LAB_FUZZ_DICT names a file, and exits.
 */
#ifndef V6LAB_FUZZ_DICT_H
#define V6LAB_FUZZ_DICT_H

/* When V6LAB_FUZZ_DICT is set: writes the notation words (layer and field
 * names, node names, functions, punctuation) and the NULL-terminated extra
 * words to that file in libFuzzer's format, then exits. */
void fz_dict_maybe_write(const char *const *extra);

#endif
