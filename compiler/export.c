/*
 * export.c: the list of exports `build` writes (export.h), and the loop
 * that runs them.
 */
#include "export.h"

/* One line per exporter; each declares its function here. */

const cb_exporter cb_exporters[] = {
    {NULL, NULL},
};

int cb_export__all(cb_ctx *ctx, const cb_book *book, const char *outdir) {
  for (const cb_exporter *e = cb_exporters; e->run; e++) {
    int err = e->run(ctx, book, outdir);
    if (err < 0)
      return err;
  }
  return 0;
}
