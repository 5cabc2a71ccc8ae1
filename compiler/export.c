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

const cb_exporter cb_exporters[] = {
    {"rubric.xml", cb_export_xml__run},
    {"JSON Schema", cb_export_schema__run},
    {"LLM judge", cb_export_judge__run},
    {"Label Studio", cb_export_labelstudio__run},
    {"Argilla", cb_export_argilla__run},
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
