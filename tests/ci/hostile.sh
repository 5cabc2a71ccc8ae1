#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/ci/hostile.sh DIR: writes a casebook project into DIR whose text is
# hostile to every CI format: a project rule reporting messages with % , :
# line breaks, ]]>, <script>, Markdown and invalid UTF-8, a bidirectional
# control, "##[" and lines that would be workflow commands ("::" after a
# line break and white space); a chapter whose
# file name holds % , and :, another a line break; a diagnostic with no position; multibyte
# text before a suggestion's span. Used by tests/layers/ci.sh and the
# golden tests tests/cli/check-ci-hostile-*.
set -e
d=$1
mkdir -p "$d/rules"
cat >"$d/book.md" <<'EOF'
# Hostile <script>alert(1)</script>

## Question harm: Is it harmful?

- scope: response

| Option | Meaning |
|---|---|
| safe | Fine. |
| harmful | Not fine. |

## Criterion charity: Read charitably

Be kind.

## Case c1: Ünïcödé — a case

```prompt
héllo ]]> <script>
```

```response Ää
fine
```

| Response | harm |
|---|---|
| Ää | harmfull |

- criteria: charty

Because « ça ».
EOF
printf '# Second\n\n## Case c%%2C,x:y<b>: odd id\n\n```prompt\nyo\n```\n\nok\n' >"$d/we%ird,na:me.md"
printf -- '-- reports hostile text on purpose\nreturn {\n  id = "hostile",\n  severity = "error",\n  summary = "Reports hostile text <script>]]>",\n  rationale = "Line one\\nline two %%0A, : ]]> <b>",\n  example = "```\\ncode\\n```",\n  check = function(book, report)\n    local c = book.cases[1]\n    report { at = c, message = "100%% sure, really: yes\\nnext line\\r\\n]]> <script>alert(1)</script> & \\"q\\" bad \\255\\254 bytes ::error::x %%0A %%25" }\n    report { at = c, severity = "warning", message = "|pipe| `tick` *star* _u_ [l](x) @user #1 <br> \\\\ \\t tab \\1 ctrl" }\n    report { message = "no position at all: %%s %%d" }\n    report { at = c, severity = "warning", message = "bidi \\u{202E}evil\\u{202C} ##[error]forged\\n::stop-commands::tok\\n \\u{A0}::error::forged" }\n  end,\n}\n' >"$d/rules/hostile.lua"
printf '# Third\n\nSee [nowhere](#nowhere).\n' >"$d/new
line.md"
