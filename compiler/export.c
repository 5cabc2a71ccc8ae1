/* SPDX-License-Identifier: MIT */
/*
 * export.c: the list of exports `build` writes (export.h).
 */
#include "export.h"

#include "export_schema.h"
#include "export_xml.h"

/* In the order the tasks of a build start (emit.c): largest first. */
const cb_exporter cb_exporters[] = {
    {"Label Studio", cb_export_labelstudio__run},
    {"Argilla", cb_export_argilla__run},
    {"rubric.xml", cb_export_xml__run},
    {"JSON Schema", cb_export_schema__run},
    {"evals", cb_export_evals__run},
    {"LLM judge", cb_export_judge__run},
    {NULL, NULL},
};
