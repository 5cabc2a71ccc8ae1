/*
 * export.c: the list of exports `build` writes (export.h).
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

/* In the order the tasks of a build start (emit.c): largest first. */
const cb_exporter cb_exporters[] = {
    {"Label Studio", cb_export_labelstudio__run},
    {"Argilla", cb_export_argilla__run},
    {"rubric.xml", cb_export_xml__run},
    {"JSON Schema", cb_export_schema__run},
    {"LLM judge", cb_export_judge__run},
    {NULL, NULL},
};
