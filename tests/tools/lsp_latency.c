/* SPDX-License-Identifier: MIT */
/*
 * lsp_latency.c: the diagnostics latency of `casebook lsp` (`make bench`).
 *
 *   lsp_latency CASEBOOK PROJECT CHAPTER [N]
 *
 * Starts `CASEBOOK lsp` on pipes, initializes it with PROJECT as the
 * root, opens PROJECT/CHAPTER and waits for its first diagnostics; then
 * sends N (default 20) changes of the whole text, every other one with an
 * answer misspelt (the first "- harm: safe" made "- harm: saef"), and
 * times each from the didChange written to the publishDiagnostics of the
 * chapter read. Prints
 *
 *   changes N min MS median MS max MS errors-seen K
 *
 * K the changes whose diagnostics showed the injected error (it must be
 * N/2: the latency of a server that saw no change says nothing). Ends
 * with shutdown and exit; exit status 0, 1 when the server misbehaved,
 * 2 for a usage error.
 */
#define _GNU_SOURCE /* memmem, realpath */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int to_server, from_server;
static char buf[1 << 20];
static size_t have;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "lsp_latency: %s\n", what);
  exit(1);
}

static void send_msg(json_t *msg) {
  char *body = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (!body)
    die("out of memory");
  char head[64];
  int hn =
      snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", strlen(body));
  if (write(to_server, head, (size_t)hn) != hn ||
      write(to_server, body, strlen(body)) != (ssize_t)strlen(body))
    die("cannot write to the server");
  free(body);
}

/* The next message from the server (new reference). */
static json_t *next_msg(void) {
  for (;;) {
    char *end = memmem(buf, have, "\r\n\r\n", 4);
    if (end) {
      size_t head = (size_t)(end - buf) + 4;
      const char *cl = memmem(buf, head, "Content-Length: ", 16);
      if (!cl)
        die("a message without Content-Length");
      size_t len = strtoul(cl + 16, NULL, 10);
      if (head + len > sizeof buf)
        die("a message too large for the tool");
      if (have >= head + len) {
        json_t *m = json_loadb(buf + head, len, 0, NULL);
        memmove(buf, buf + head + len, have - head - len);
        have -= head + len;
        if (!m)
          die("a message that is not JSON");
        return m;
      }
    }
    ssize_t k = read(from_server, buf + have, sizeof buf - have);
    if (k <= 0)
      die("the server closed its output");
    have += (size_t)k;
  }
}

/* Waits for the diagnostics of uri; returns how many have code. */
static int wait_diagnostics(const char *uri, const char *code) {
  for (;;) {
    json_t *m = next_msg();
    const char *method = json_string_value(json_object_get(m, "method"));
    json_t *p = json_object_get(m, "params");
    if (method && strcmp(method, "textDocument/publishDiagnostics") == 0 &&
        strcmp(json_string_value(json_object_get(p, "uri")), uri) == 0) {
      int n = 0;
      size_t i;
      json_t *d;
      json_array_foreach(json_object_get(p, "diagnostics"), i, d) {
        const char *c = json_string_value(json_object_get(d, "code"));
        n += c && strcmp(c, code) == 0;
      }
      json_decref(m);
      return n;
    }
    json_decref(m);
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return NULL;
  char *text = malloc(1 << 24);
  *len = text ? fread(text, 1, (1 << 24) - 1, fp) : 0;
  fclose(fp);
  if (text)
    text[*len] = '\0';
  return text;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: lsp_latency CASEBOOK PROJECT CHAPTER [N]\n");
    return 2;
  }
  int n = argc == 5 ? atoi(argv[4]) : 20;
  if (n < 2 || n > 10000)
    n = 20;
  char *root = realpath(argv[2], NULL);
  if (!root)
    die("no such project");
  char path[4096], uri[4200], root_uri[4200];
  snprintf(path, sizeof path, "%s/%s", root, argv[3]);
  snprintf(uri, sizeof uri, "file://%s", path);
  snprintf(root_uri, sizeof root_uri, "file://%s", root);
  size_t len;
  char *text = read_file(path, &len);
  char *bad = text ? strdup(text) : NULL;
  char *at = bad ? strstr(bad, "- harm: safe") : NULL;
  if (!at)
    die("the chapter has no '- harm: safe' line");
  memcpy(at, "- harm: saef", 12);

  int in[2], out[2];
  if (pipe(in) || pipe(out))
    die("pipe");
  signal(SIGPIPE, SIG_IGN);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    execl(argv[1], argv[1], "lsp", "-q", (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_server = in[1];
  from_server = out[0];

  send_msg(json_pack("{s:s,s:i,s:s,s:{s:s,s:{}}}", "jsonrpc", "2.0", "id", 1,
                     "method", "initialize", "params", "rootUri", root_uri,
                     "capabilities"));
  json_decref(next_msg());
  send_msg(json_pack("{s:s,s:s,s:{}}", "jsonrpc", "2.0", "method",
                     "initialized", "params"));
  send_msg(json_pack("{s:s,s:s,s:{s:{s:s,s:s,s:i,s:s}}}", "jsonrpc", "2.0",
                     "method", "textDocument/didOpen", "params", "textDocument",
                     "uri", uri, "languageId", "markdown", "version", 1, "text",
                     text));
  wait_diagnostics(uri, "unknown-option");

  double *ms = calloc((size_t)n, sizeof *ms);
  int seen = 0;
  for (int i = 0; i < n; i++) {
    int inject = i % 2 == 0;
    double t0 = now_ms();
    send_msg(json_pack("{s:s,s:s,s:{s:{s:s,s:i},s:[{s:s}]}}", "jsonrpc", "2.0",
                       "method", "textDocument/didChange", "params",
                       "textDocument", "uri", uri, "version", i + 2,
                       "contentChanges", "text", inject ? bad : text));
    int k = wait_diagnostics(uri, "unknown-option");
    ms[i] = now_ms() - t0;
    seen += inject && k > 0;
    if (!inject && k > 0)
      die("the error was fixed but its diagnostic stayed");
  }
  send_msg(json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", 2, "method",
                     "shutdown"));
  json_decref(next_msg());
  send_msg(json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", "exit"));
  close(to_server);
  int status = 0;
  waitpid(pid, &status, 0);
  qsort(ms, (size_t)n, sizeof *ms, cmp_double);
  printf("changes %d min %.1f median %.1f max %.1f errors-seen %d\n", n, ms[0],
         ms[n / 2], ms[n - 1], seen);
  free(ms);
  free(text);
  free(bad);
  free(root);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("the server did not exit with status 0 after shutdown and exit");
  return seen == (n + 1) / 2 ? 0 : 1;
}
