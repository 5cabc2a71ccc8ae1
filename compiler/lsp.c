/* SPDX-License-Identifier: MIT */
/*
 * lsp.c: the language server's loop (cb_lsp_serve, casebook/lsp.h):
 * reading the framed messages, the lifecycle, and the dispatch of
 * notifications (to lsp_state.c) and requests (to lsp_features.c).
 *
 * What comes in is untrusted: a header without a Content-Length, or with
 * one that is negative, not a number or larger than LSP_MESSAGE_MAX, is
 * reported on the log and skipped (the bytes of an oversized body are
 * read and dropped, never held); a body that is not JSON gets a
 * ParseError; a request before `initialize` gets ServerNotInitialized, an
 * unknown one MethodNotFound, and unknown notifications are ignored. The
 * end of the input ends the server as `exit` without `shutdown` does
 * (status 1).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "casebook/lsp.h"
#include "lsp.h"

/* The largest message read (a document of the project's limit per file,
 * escaped as JSON, fits), and the largest header section. */
#define LSP_MESSAGE_MAX ((size_t)512 << 20)
#define LSP_HEADER_MAX 8192

/* ---- reading and writing messages ------------------------------------ */

/* Reads more input into s->in; 0, or -1 at the end of the input. */
static int fill(cb_lsp *s) {
  if (s->eof)
    return -1;
  if (s->in_cap - s->in_len < 65536) {
    size_t cap = s->in_cap ? s->in_cap * 2 : 131072;
    char *p = cb_realloc(s->in, cap);
    if (!p) {
      cb_lsp__say(s, "out of memory");
      s->eof = 1;
      return -1;
    }
    s->in = p;
    s->in_cap = cap;
  }
  for (;;) {
    ssize_t k = read(s->in_fd, s->in + s->in_len, s->in_cap - s->in_len);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      s->eof = 1;
      return -1;
    }
    s->in_len += (size_t)k;
    return 0;
  }
}

static void consume(cb_lsp *s, size_t n) {
  memmove(s->in, s->in + n, s->in_len - n);
  s->in_len -= n;
}

/* Is a message waiting (read, or readable within ms)? */
static int pending(cb_lsp *s, int ms) {
  if (s->in_len)
    return 1;
  struct pollfd p = {s->in_fd, POLLIN, 0};
  return !s->eof && poll(&p, 1, ms) != 0;
}

/* The value of the Content-Length header in head[0..n) (the headers
 * without the blank line): -1 when it is missing, not a number of at most
 * 18 digits, or given twice with two values. */
static long long content_length(const char *head, size_t n) {
  static const char name[] = "content-length:";
  long long found = -1;
  for (size_t at = 0; at < n;) {
    const char *nl = memchr(head + at, '\n', n - at);
    size_t end = nl ? (size_t)(nl - head) : n;
    if (end - at > sizeof name - 1 &&
        strncasecmp(head + at, name, sizeof name - 1) == 0) {
      size_t k = at + sizeof name - 1;
      while (k < end && (head[k] == ' ' || head[k] == '\t'))
        k++;
      long long v = 0;
      size_t digits = 0;
      for (; k < end && head[k] >= '0' && head[k] <= '9'; k++, digits++)
        if (digits < 18)
          v = v * 10 + (head[k] - '0');
      while (k < end && (head[k] == ' ' || head[k] == '\t' || head[k] == '\r'))
        k++;
      if (!digits || digits > 18 || k != end || (found >= 0 && found != v))
        return -1;
      found = v;
    }
    at = end + 1;
  }
  return found;
}

/* Reads and drops n bytes of input (the body of a message too large to
 * hold). Returns 0, or -1 at the end of the input. */
static int drain(cb_lsp *s, unsigned long long n) {
  while (n) {
    if (!s->in_len && fill(s) < 0)
      return -1;
    size_t k = (unsigned long long)s->in_len < n ? s->in_len : (size_t)n;
    consume(s, k);
    n -= k;
  }
  return 0;
}

/* The next message's body, cb_malloc'd, in *body (NUL-terminated).
 * Returns 1 for a message, 0 for a framing error that was skipped, -1 at
 * the end of the input. */
static int read_message(cb_lsp *s, char **body, size_t *len) {
  *body = NULL;
  for (;;) {
    /* the headers end at a blank line ("\r\n\r\n", or "\n\n") */
    size_t head_end = 0, skip = 0;
    for (size_t k = 0; k + 1 < s->in_len && !skip; k++) {
      if (s->in[k] != '\n')
        continue;
      head_end = k;
      if (s->in[k + 1] == '\n')
        skip = 2;
      else if (s->in[k + 1] == '\r' && k + 2 < s->in_len &&
               s->in[k + 2] == '\n')
        skip = 3;
    }
    if (skip) {
      long long n = content_length(s->in, head_end);
      consume(s, head_end + skip);
      if (n < 0) {
        cb_lsp__say(s, "a message header without a valid Content-Length: "
                       "skipped");
        return 0;
      }
      if ((unsigned long long)n > LSP_MESSAGE_MAX) {
        cb_lsp__say(s, "a message of %lld bytes, larger than %zu: skipped", n,
                    LSP_MESSAGE_MAX);
        return drain(s, (unsigned long long)n) < 0 ? -1 : 0;
      }
      *len = (size_t)n;
      break;
    }
    if (s->in_len > LSP_HEADER_MAX) {
      cb_lsp__say(s, "a message header longer than %d bytes: skipped",
                  LSP_HEADER_MAX);
      consume(s, s->in_len);
    }
    if (fill(s) < 0)
      return -1;
  }
  while (s->in_len < *len)
    if (fill(s) < 0)
      return -1; /* the body was cut short: nothing to answer */
  char *b = cb_malloc(*len + 1);
  if (!b) {
    cb_lsp__say(s, "out of memory reading a message of %zu bytes: skipped",
                *len);
    consume(s, *len);
    return 0;
  }
  memcpy(b, s->in, *len);
  b[*len] = '\0';
  consume(s, *len);
  *body = b;
  return 1;
}

static void respond(cb_lsp *s, json_t *id, json_t *result) {
  cb_lsp__send(s, json_pack("{s:O,s:o}", "id", id, "result",
                            result ? result : json_null()));
}

static void respond_error(cb_lsp *s, json_t *id, int code,
                          const char *message) {
  cb_lsp__send(s, json_pack("{s:O,s:{s:i,s:s}}", "id", id ? id : json_null(),
                            "error", "code", code, "message", message));
}

/* ---- the lifecycle ------------------------------------------------------- */

static json_t *capabilities(void) {
  return json_pack("{s:{s:b,s:i,s:{s:b}},s:b,s:b,s:{s:[s,s,s,s]},s:b,s:b,"
                   "s:{s:[s,s]},s:s}",
                   "textDocumentSync", "openClose", 1, "change", 2, "save",
                   "includeText", 0, "definitionProvider", 1, "hoverProvider",
                   1, "completionProvider", "triggerCharacters", ":", "/", "|",
                   " ", "documentSymbolProvider", 1, "workspaceSymbolProvider",
                   1, "codeActionProvider", "codeActionKinds", "quickfix",
                   "source.fixAll", "positionEncoding", "utf-16");
}

static void initialize(cb_lsp *s, json_t *id, json_t *params) {
  const char *uri = json_string_value(json_object_get(params, "rootUri"));
  json_t *folders = json_object_get(params, "workspaceFolders");
  if (!uri && json_array_size(folders))
    uri = json_string_value(json_object_get(json_array_get(folders, 0), "uri"));
  char *dir = uri ? cb_lsp__uri_path(uri) : NULL;
  const char *root_path =
      json_string_value(json_object_get(params, "rootPath"));
  if (!dir && root_path && *root_path == '/')
    dir = cb_strdup(root_path);
  cb_lsp__set_workspace(s, dir);
  s->initialized = 1;
  s->stale = s->root != NULL; /* the whole project's diagnostics, at once */
  respond(s, id,
          json_pack("{s:o,s:{s:s,s:s}}", "capabilities", capabilities(),
                    "serverInfo", "name", "casebook", "version", cb_version()));
  for (size_t i = 0; i < s->n_docs; i++)
    cb_lsp__doc_locate(s, &s->docs[i]);
}

static int valid_id(const json_t *id) {
  return json_is_string(id) || json_is_integer(id) || json_is_null(id);
}

static void handle(cb_lsp *s, json_t *msg) {
  if (!json_is_object(msg)) {
    respond_error(s, NULL, LSP_INVALID_REQUEST, "not a JSON-RPC message");
    return;
  }
  json_t *id = json_object_get(msg, "id");
  json_t *jm = json_object_get(msg, "method");
  const char *method = json_string_value(jm);
  json_t *params = json_object_get(msg, "params");
  if (!method) {
    /* a response: the server sends no request, so there is none to read */
    if (id && (json_object_get(msg, "result") || json_object_get(msg, "error")))
      return;
    respond_error(s, id && valid_id(id) ? id : NULL, LSP_INVALID_REQUEST,
                  "a message without a method");
    return;
  }
  if (id && !valid_id(id)) {
    respond_error(s, NULL, LSP_INVALID_REQUEST,
                  "an id that is not a string "
                  "or a number");
    return;
  }
  if (strcmp(method, "exit") == 0) {
    s->done = 1;
    s->exit_code = s->shutdown ? 0 : 1;
    return;
  }
  if (!s->initialized) {
    if (id && strcmp(method, "initialize") == 0)
      initialize(s, id, params);
    else if (id)
      respond_error(s, id, LSP_NOT_INITIALIZED,
                    "the server is not "
                    "initialized");
    return;
  }
  if (s->shutdown) {
    if (id)
      respond_error(s, id, LSP_INVALID_REQUEST, "the server is shut down");
    return;
  }
  if (!id) {
    if (strcmp(method, "textDocument/didOpen") == 0)
      cb_lsp__did_open(s, params);
    else if (strcmp(method, "textDocument/didChange") == 0)
      cb_lsp__did_change(s, params);
    else if (strcmp(method, "textDocument/didClose") == 0)
      cb_lsp__did_close(s, params);
    else if (strcmp(method, "textDocument/didSave") == 0 ||
             strcmp(method, "workspace/didChangeWatchedFiles") == 0)
      s->stale = 1; /* files on disk may have changed */
    return;         /* others (initialized, $/cancelRequest...) ignored */
  }
  if (strcmp(method, "initialize") == 0) {
    respond_error(s, id, LSP_INVALID_REQUEST, "already initialized");
    return;
  }
  if (strcmp(method, "shutdown") == 0) {
    s->shutdown = 1;
    respond(s, id, json_null());
    return;
  }
  json_t *result = NULL;
  const char *message = NULL;
  int rc = cb_lsp__request(s, method, json_is_object(params) ? params : NULL,
                           &result, &message);
  if (rc == 1)
    respond_error(s, id, LSP_METHOD_NOT_FOUND, "unknown method");
  else if (rc < 0)
    respond_error(s, id, rc, message ? message : "the request failed");
  else
    respond(s, id, result);
}

int cb_lsp_serve(int in_fd, int out_fd, FILE *log) {
  cb_lsp s;
  memset(&s, 0, sizeof s);
  s.in_fd = in_fd;
  s.out_fd = out_fd;
  s.log = log;
  s.exit_code = 1;
  while (!s.done) {
    /* a change is checked when the client is quiet (typing sends a
     * change per key: only the last one is checked) */
    if (s.stale && s.initialized && !s.shutdown && !pending(&s, 0)) {
      cb_lsp__fresh(&s);
      continue;
    }
    if (s.full_pending && !s.stale && !s.shutdown &&
        !pending(&s, LSP_QUIET_MS)) {
      cb_lsp__full_check(&s);
      continue;
    }
    char *body = NULL;
    size_t len = 0;
    int rc = read_message(&s, &body, &len);
    if (rc < 0)
      break; /* the end of the input: as `exit` */
    if (rc == 0)
      continue;
    json_error_t jerr;
    /* a document may hold NUL (the compiler reports it): its text is
     * read with its length */
    json_t *msg = json_loadb(body, len, JSON_ALLOW_NUL, &jerr);
    cb_free(body);
    if (!msg)
      respond_error(&s, NULL, LSP_PARSE_ERROR, "the message is not JSON");
    else
      handle(&s, msg);
    json_decref(msg);
  }
  if (!s.done)
    s.exit_code = s.shutdown ? 0 : 1;
  for (size_t i = 0; i < s.n_docs; i++)
    cb_lsp__doc_free(&s.docs[i]);
  cb_free(s.docs);
  for (size_t i = 0; i < s.n_published; i++)
    cb_free(s.published[i]);
  cb_free(s.published);
  cb_free(s.in);
  cb_free(s.root);
  cb_ctx_free(s.ctx);
  return s.exit_code;
}
