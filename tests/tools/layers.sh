#!/bin/sh
# SPDX-License-Identifier: MIT
# layers.sh: checks that compiler/ reads one way, bottom to top.
#
#   sh tests/tools/layers.sh OBJDIR MAPFILE [SRCDIR]
#
# MAPFILE lists the layers bottom first, one a line: a name, a colon, and
# the modules (object file names without .o) in it. Every call or data
# reference from one object to a symbol another object defines (from
# nm) is an edge. An edge from a module to one in a higher layer is an
# upward call; modules of the same layer may call each other but must not
# form a cycle. A module with no layer is an error too, so a new file
# must be placed. With SRCDIR, the #include "NAME.h" lines of its .c and
# .h files are read too: a file of a module that includes the header of
# a module in a higher layer is an upward include (headers that are no
# module's, such as ctx.h, are not judged here); OBJDIR - reads only the
# includes. Prints each problem and exits 1 when there is one.
set -u
OBJ=$1
MAP=$2
SRC=${3:-}
{
  [ "$OBJ" = - ] || nm -A "$OBJ"/*.o 2>/dev/null
  # "#include FILE HEADER" records, apart from nm's by their first field
  if [ -n "$SRC" ]; then
    find "$SRC" -name '*.[ch]' -exec grep -H '^[ \t]*#[ \t]*include[ \t]*"' {} + |
      sed -n 's/^\([^:]*\):[^"]*"\([^"]*\)".*$/#include \1 \2/p'
  fi
} | awk -v map="$MAP" '
function base(p) { sub(/^.*\//, "", p); sub(/\.o:.*$/, "", p); return p }
BEGIN {
  n_layers = 0
  while ((getline line < map) > 0) {
    sub(/#.*/, "", line)
    if (line !~ /:/) continue
    name = line; sub(/:.*/, "", name); gsub(/[ \t]/, "", name)
    rest = line; sub(/^[^:]*:/, "", rest)
    n_layers++
    layer_name[n_layers] = name
    k = split(rest, mods, /[ \t,]+/)
    for (i = 1; i <= k; i++)
      if (mods[i] != "") layer_of[mods[i]] = n_layers
  }
}
$1 == "#include" {
  from = $2; sub(/^.*\//, "", from); sub(/\.[ch]$/, "", from)
  to = $3; sub(/^.*\//, "", to); sub(/\.h$/, "", to)
  if ((from in layer_of) && (to in layer_of) && layer_of[to] > layer_of[from])
    ups[++n_ups] = sprintf("upward include: %s (%s) includes %s.h (%s)", $2, \
      layer_name[layer_of[from]], to, layer_name[layer_of[to]])
  next
}
{
  obj = base($1)
  objs[obj] = 1
  if ($2 == "U") { want[obj, $3] = 1; wants[obj] = wants[obj] " " $3 }
  else if (NF >= 3 && $2 ~ /^[TDBRVWG]$/) owner[$3] = obj
}
function visit(v,    ws, k, i, w) {
  idx[v] = ++counter; low[v] = idx[v]; stack[++sp] = v; onstack[v] = 1
  k = split(adj[v], ws, " ")
  for (i = 1; i <= k; i++) {
    w = ws[i]
    if (!(w in idx)) { visit(w); if (low[w] < low[v]) low[v] = low[w] }
    else if (onstack[w] && idx[w] < low[v]) low[v] = idx[w]
  }
  if (low[v] == idx[v]) {
    comp = ""; size = 0
    do { w = stack[sp--]; onstack[w] = 0; comp = w " " comp; size++ } while (w != v)
    if (size > 1) { print "cycle: " comp; bad++ }
  }
}
END {
  bad = 0
  for (i = 1; i <= n_ups; i++) { print ups[i]; bad++ }
  for (o in objs)
    if (!(o in layer_of)) { print "no layer: " o; bad++ }
  for (o in objs) {
    k = split(wants[o], syms, " ")
    for (i = 1; i <= k; i++) {
      t = owner[syms[i]]
      if (t == "" || t == o || seen[o, t]++) continue
      adj[o] = adj[o] " " t
      if ((o in layer_of) && (t in layer_of) && layer_of[t] > layer_of[o]) {
        printf "upward: %s (%s) -> %s (%s) via %s\n", o, layer_name[layer_of[o]], t, layer_name[layer_of[t]], syms[i]
        bad++
      }
    }
  }
  counter = 0; sp = 0
  for (o in objs) if (!(o in idx)) visit(o)
  if (bad) { print bad " layering problem(s)"; exit 1 }
  print "layers: no upward call, no cycle"
}'
