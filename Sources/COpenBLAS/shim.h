// The only C in the project: Debian's OpenBLAS (libopenblas-dev) through its CBLAS header.
#pragma once
#include <cblas.h>

// Declared by OpenBLAS's own cblas.h; repeated here so the shim states what Swift relies on.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
