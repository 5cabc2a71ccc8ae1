/*
 * export.c: the list of exports `build` writes (export.h), and the loop
 * that runs them.
 */
#include "export.h"

/* One line per exporter; each declares its function here. */
int cb_export_xml__run(cb_ctx *ctx, const cb_book *book, const char *outdir);
int cb_export_schema__run(cb_ctx *ctx, const cb_book *book,
                          const char *outdir);
int cb_export_judge__run(cb_ctx *ctx, const cb_book *book, const char *outdir);
int cb_export_labelstudio__run(cb_ctx *ctx, const cb_book *book,
                               const char *outdir);
int cb_export_argilla__run(cb_ctx *ctx, const cb_book *book,
                           const char *outdir);

/* The lane balances the two threads of a large build (emit.c): lane 1
 * runs beside the pages, with rubric.json and gold.jsonl; Label Studio's
 * tasks, the largest export, goes there. */
const cb_exporter cb_exporters[] = {
    {"rubric.xml", cb_export_xml__run, 0},
    {"JSON Schema", cb_export_schema__run, 0},
    {"LLM judge", cb_export_judge__run, 0},
    {"Label Studio", cb_export_labelstudio__run, 1},
    {"Argilla", cb_export_argilla__run, 0},
    {NULL, NULL, 0},
};

int cb_export__all(cb_ctx *ctx, const cb_book *book, const char *outdir,
                   int lane) {
  for (const cb_exporter *e = cb_exporters; e->run; e++) {
    if (lane >= 0 && e->lane != lane)
      continue;
    int err = e->run(ctx, book, outdir);
    if (err < 0)
      return err;
  }
  return 0;
}
