/* SPDX-License-Identifier: MIT */
/*
 * json_scan.c: the baseline of the grade benchmark (`make bench`).
 *
 *   json_scan FILE.jsonl
 *
 * Parses FILE one line at a time with jansson alone (getline, json_loadb,
 * json_decref), the least any grader of JSONL must do, and prints
 *
 *   lines N invalid N bytes N seconds S
 *
 * on stdout, S the wall time of the loop (monotonic clock). Empty lines
 * are skipped; lines that do not parse are counted, not fatal.
 *
 * Exit status: 0 read, 1 an I/O error, 2 usage error.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: json_scan FILE.jsonl\n");
    return 2;
  }
  double t0 = now();
  FILE *fp = fopen(argv[1], "r");
  if (!fp) {
    fprintf(stderr, "json_scan: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned long long n_lines = 0, n_invalid = 0, n_bytes = 0;
  while ((len = getline(&line, &cap, fp)) > 0) {
    n_bytes += (unsigned long long)len;
    if (len == 1 && line[0] == '\n')
      continue;
    json_error_t err;
    json_t *v = json_loadb(line, (size_t)len, 0, &err);
    n_lines++;
    if (!v)
      n_invalid++;
    json_decref(v);
  }
  int bad = ferror(fp);
  free(line);
  fclose(fp);
  if (bad) {
    fprintf(stderr, "json_scan: %s: read error\n", argv[1]);
    return 1;
  }
  printf("lines %llu invalid %llu bytes %llu seconds %.3f\n", n_lines,
         n_invalid, n_bytes, now() - t0);
  return 0;
}
