/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c: the Lua sandbox (see sandbox.h for what it guarantees).
 *
 * The allocator counts bytes and refuses to grow past the cap; Lua turns
 * the refusal into a memory error, runs an emergency collection and
 * unwinds. The count hook (lua_budget.c) fires every HOOK_STEP
 * instructions; once the budget is spent, or the watchdog has seen the
 * deadline pass, it fires on every instruction and raises each time, so
 * `pcall(function() while true do end end)` in a loop still ends: the
 * first instruction after the pcall raises again (the way redis stops a
 * script it has killed).
 *
 * The watchdog is one thread per sandbox that sleeps until the deadline
 * of the current run. It never touches the state except through
 * lua_sethook, which Lua allows from another thread or a signal handler
 * (it only sets a few fields, as lua.c does on Ctrl-C); every other
 * lua_sethook call takes the same mutex, so the two never interleave.
 */
#include "sandbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "alloc.h"
#include "casebook/casebook.h"
#include "lua_bounded.h"
#include "lua_budget.h"
#include "lua_pattern.h"
#include "utf8.h"

/* ---- allocator -------------------------------------------------------- */

/* Lua makes and frees many small objects (tables, strings, closures):
 * blocks of up to SLAB_MAX bytes come from size-class free lists carved
 * out of SLAB_CHUNK-byte chunks, which are freed all at once with the
 * state. That is several times cheaper than malloc and free per object.
 * Under AddressSanitizer every block is its own malloc, so the sanitizer
 * still sees each one. The chunks come from cb_malloc, so a test that
 * fails the N-th allocation fails them too. */

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_OFF 1
#else
#define SLAB_OFF 0
#endif

static size_t size_class(size_t n) { return (n + SLAB_ALIGN - 1) / SLAB_ALIGN; }

/* A block of class k (k * SLAB_ALIGN bytes), or NULL. */
static void *slab_get(cb_sandbox *sb, size_t k) {
  void *p = sb->free_blocks[k];
  if (p) {
    memcpy(&sb->free_blocks[k], p, sizeof(void *));
    return p;
  }
  size_t size = k * SLAB_ALIGN;
  if (sb->chunk_left < size) {
    char *chunk = cb_malloc(SLAB_CHUNK);
    if (!chunk)
      return NULL;
    /* the first bytes link the chunks for cb_sandbox__free */
    memcpy(chunk, &sb->chunks, sizeof(void *));
    sb->chunks = chunk;
    sb->chunk_next = chunk + SLAB_ALIGN;
    sb->chunk_left = SLAB_CHUNK - SLAB_ALIGN;
  }
  p = sb->chunk_next;
  sb->chunk_next += size;
  sb->chunk_left -= size;
  return p;
}

static void slab_put(cb_sandbox *sb, void *p, size_t k) {
  memcpy(p, &sb->free_blocks[k], sizeof(void *));
  sb->free_blocks[k] = p;
}

/* Larger blocks are cb_malloc'd behind a header (BLOCK_HEAD bytes, which
 * keeps the alignment) that links them all, so that cb_sandbox__free can
 * free them without walking the state's objects. */
#define BLOCK_HEAD                                                             \
  ((sizeof(cb_sandbox_block) + SLAB_ALIGN - 1) / SLAB_ALIGN * SLAB_ALIGN)

static cb_sandbox_block *block_of(void *p) {
  return (cb_sandbox_block *)(void *)((char *)p - BLOCK_HEAD);
}

/* Puts b first on the list and returns the block's usable bytes. */
static void *block_link(cb_sandbox *sb, cb_sandbox_block *b) {
  b->prev = NULL;
  b->next = sb->blocks;
  if (b->next)
    b->next->prev = b;
  sb->blocks = b;
  return (char *)b + BLOCK_HEAD;
}

static void block_unlink(cb_sandbox *sb, cb_sandbox_block *b) {
  if (b->prev)
    b->prev->next = b->next;
  else
    sb->blocks = b->next;
  if (b->next)
    b->next->prev = b->prev;
}

/* A larger block of n bytes, or NULL. */
static void *block_get(cb_sandbox *sb, size_t n) {
  cb_sandbox_block *b =
      n <= SIZE_MAX - BLOCK_HEAD ? cb_malloc(BLOCK_HEAD + n) : NULL;
  return b ? block_link(sb, b) : NULL;
}

static void block_put(cb_sandbox *sb, void *p) {
  cb_sandbox_block *b = block_of(p);
  block_unlink(sb, b);
  cb_free(b);
}

/* The larger block p resized to n bytes, or NULL (p is then unchanged). */
static void *block_resize(cb_sandbox *sb, void *p, size_t n) {
  cb_sandbox_block *b = block_of(p);
  if (n > SIZE_MAX - BLOCK_HEAD)
    return NULL;
  block_unlink(sb, b);
  cb_sandbox_block *moved = cb_realloc(b, BLOCK_HEAD + n);
  void *q = block_link(sb, moved ? moved : b);
  return moved ? q : NULL;
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  cb_sandbox *sb = ud;
  size_t old = ptr ? osize : 0;
  int small_old = !SLAB_OFF && ptr && old <= SLAB_MAX;
  if (nsize == 0) {
    if (small_old)
      slab_put(sb, ptr, size_class(old));
    else if (ptr)
      block_put(sb, ptr);
    sb->mem_used -= old;
    return NULL;
  }
  if (nsize > old) {
    size_t grow = nsize - old;
    if (nsize > CB_SANDBOX_MAX_BLOCK || grow > sb->mem_cap ||
        sb->mem_used > sb->mem_cap - grow) {
      sb->mem_refused = 1;
      return NULL;
    }
  }
  void *p;
  if (!SLAB_OFF && nsize <= SLAB_MAX) {
    size_t k = size_class(nsize);
    if (small_old && size_class(old) == k) {
      p = ptr;
    } else if ((p = slab_get(sb, k))) {
      if (ptr) {
        memcpy(p, ptr, old < nsize ? old : nsize);
        if (small_old)
          slab_put(sb, ptr, size_class(old));
        else
          block_put(sb, ptr);
      }
    } else if (ptr && nsize <= old) {
      return ptr; /* Lua may assume shrinking never fails */
    }
  } else if (small_old) {
    if ((p = block_get(sb, nsize))) {
      memcpy(p, ptr, old);
      slab_put(sb, ptr, size_class(old));
    }
  } else {
    p = ptr ? block_resize(sb, ptr, nsize) : block_get(sb, nsize);
    if (!p && ptr && nsize <= old)
      return ptr;
  }
  if (!p) {
    sb->mem_refused = 1;
    return NULL;
  }
  sb->mem_used = sb->mem_used - old + nsize;
  return p;
}

/* ---- watchdog ---------------------------------------------------------- */

static void to_timespec(double t, struct timespec *ts) {
  ts->tv_sec = (time_t)t;
  ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* The watchdog thread: sleeps until the armed deadline, then aborts the
 * run (see the top of the file). */
static void *watchdog(void *arg) {
  cb_sandbox *sb = arg;
  pthread_mutex_lock(&sb->dog_mu);
  while (!sb->dog_quit) {
    if (!sb->dog_armed) {
      pthread_cond_wait(&sb->dog_cv, &sb->dog_mu);
      continue;
    }
    if (cb_lua_budget__now() < sb->dog_deadline) {
      struct timespec ts;
      to_timespec(sb->dog_deadline, &ts);
      pthread_cond_timedwait(&sb->dog_cv, &sb->dog_mu, &ts);
      continue;
    }
    sb->dog_armed = 0;
    atomic_store(&sb->aborted, 1);
    lua_sethook(sb->L, cb_lua_budget__count_hook, LUA_MASKCOUNT, 1);
  }
  pthread_mutex_unlock(&sb->dog_mu);
  return NULL;
}

/* Starts the watchdog. Returns 0 or -1. */
static int start_watchdog(cb_sandbox *sb) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0)
    return -1;
  /* it only sleeps and sets a hook: a small stack is plenty, and keeps a
   * build under a tight address-space limit possible */
  pthread_attr_setstacksize(&attr, (size_t)256 << 10);
  int rc = pthread_create(&sb->dog, &attr, watchdog, sb);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return -1;
  sb->dog_started = 1;
  return 0;
}

void cb_sandbox__limit(cb_sandbox *sb, long long instructions, double seconds,
                       size_t mem_growth) {
  pthread_mutex_lock(&sb->dog_mu);
  sb->budget = instructions;
  sb->exhausted = instructions > 0 ? CB_LIMIT_NONE : CB_LIMIT_INSTRUCTIONS;
  sb->deadline = seconds > 0 ? cb_lua_budget__now() + seconds : 0;
  sb->hook_calls = 0;
  sb->mem_refused = 0;
  if (mem_growth == SIZE_MAX || sb->mem_used > SIZE_MAX - mem_growth)
    sb->mem_cap = SIZE_MAX;
  else
    sb->mem_cap = sb->mem_used + mem_growth;
  sb->suspended = 0;
  sb->n_printed = 0;
  sb->printed[0] = '\0';
  sb->print_lost = 0;
  atomic_store(&sb->aborted, 0);
  sb->dog_armed = sb->deadline > 0;
  sb->dog_deadline = sb->deadline;
  pthread_cond_signal(&sb->dog_cv);
  cb_lua_budget__apply_hook(sb);
  pthread_mutex_unlock(&sb->dog_mu);
}

void cb_sandbox__suspend(cb_sandbox *sb) {
  sb->suspended = 1;
  cb_lua_budget__update_hook(sb);
}

int cb_sandbox__resume(cb_sandbox *sb) {
  if (!sb->suspended)
    return 0;
  sb->suspended = 0;
  cb_lua_budget__update_hook(sb);
  return 1;
}

void cb_sandbox__restore(cb_sandbox *sb, int was_suspended) {
  if (was_suspended)
    cb_sandbox__suspend(sb);
}

/* ---- replaced library functions --------------------------------------- */

/* Appends n bytes to what print kept, cutting at the cap: a run of
 * ASCII (divisible) may be cut anywhere, anything else is kept whole or
 * not at all. */
static void keep_printed(cb_sandbox *sb, const char *s, size_t n,
                         int divisible) {
  size_t room = CB_SANDBOX_PRINT_MAX - sb->n_printed;
  size_t k = sb->print_lost ? 0 : n <= room ? n : divisible ? room : 0;
  memcpy(sb->printed + sb->n_printed, s, k);
  sb->n_printed += k;
  sb->printed[sb->n_printed] = '\0';
  sb->print_lost += n - k;
}

/* Code points that reorder or hide text on a terminal or a web page:
 * C1 controls, zero-width and bidirectional controls, the BOM. */
static int invisible(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
         cp == 0xfeff;
}

/* Keeps s escaped: printable ASCII and valid UTF-8 as they are, a
 * backslash doubled, \n and \t as such, every other control byte, invalid
 * byte or invisible code point as \xNN or \u{NNNN}. Nothing print keeps
 * can drive a terminal, start a line of its own (a CI log reads
 * "::command::" at the start of a line as an instruction) or reorder
 * what follows it. */
static void keep_escaped(cb_sandbox *sb, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  char esc[16];
  while (p < end && !sb->print_lost) {
    const unsigned char *q = p;
    while (q < end && *q >= 0x20 && *q < 0x7f && *q != '\\')
      q++;
    if (q > p) {
      keep_printed(sb, (const char *)p, (size_t)(q - p), 1);
      p = q;
      continue;
    }
    uint32_t cp = 0;
    size_t len = *p >= 0x80 ? cb_utf8__seq(p, end, &cp) : 0;
    if (len && !invisible(cp)) {
      keep_printed(sb, (const char *)p, len, 0);
      p += len;
      continue;
    }
    if (len)
      snprintf(esc, sizeof esc, "\\u{%04X}", (unsigned)cp);
    else if (*p == '\\')
      snprintf(esc, sizeof esc, "\\\\");
    else if (*p == '\n')
      snprintf(esc, sizeof esc, "\\n");
    else if (*p == '\t')
      snprintf(esc, sizeof esc, "\\t");
    else
      snprintf(esc, sizeof esc, "\\x%02X", *p);
    keep_printed(sb, esc, strlen(esc), 0);
    p += len ? len : 1;
  }
  if (p < end)
    sb->print_lost += (size_t)(end - p);
}

/* print(...): kept, tab-separated and escaped, for the caller to show as
 * a note (cb_sandbox__printed); nothing is written anywhere, so a rule
 * can neither flood a log nor write raw bytes into it. */
static int sb_print(lua_State *L) {
  cb_sandbox *sb = cb_lua_budget__of(L);
  int n = lua_gettop(L);
  for (int i = 1; i <= n; i++) {
    size_t len;
    const char *s = luaL_tolstring(L, i, &len);
    if (i > 1)
      keep_escaped(sb, "\t", 1);
    keep_escaped(sb, s, len);
    lua_pop(L, 1);
    cb_lua_budget__charge(L, (long long)(len >> 6));
  }
  if (sb->n_printed || sb->print_lost)
    keep_escaped(sb, "\n", 1);
  return 0;
}

const char *cb_sandbox__printed(const cb_sandbox *sb, size_t *lost) {
  if (lost)
    *lost = sb->print_lost;
  return sb->printed;
}

/* setmetatable(t, mt), refusing metatables with a finalizer: __gc would
 * run sandboxed code at any later time, outside any budget. */
static int sb_setmetatable(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "setmetatable: __gc is not allowed here");
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/* The reader load is given for a string chunk: the chunk in pieces of
 * LOAD_PIECE bytes, each charged, so that compiling a long chunk stops at
 * the deadline like everything else. Upvalues: the chunk, the offset. */
#define LOAD_PIECE ((size_t)64 << 10)
static int load_piece(lua_State *L) {
  size_t len;
  const char *s = lua_tolstring(L, lua_upvalueindex(1), &len);
  size_t at = (size_t)lua_tointeger(L, lua_upvalueindex(2));
  if (at >= len)
    return 0;
  size_t n = len - at < LOAD_PIECE ? len - at : LOAD_PIECE;
  /* a byte read by the lexer costs about what an instruction does */
  cb_lua_budget__charge(L, (long long)(n / 4));
  lua_pushinteger(L, (lua_Integer)(at + n));
  lua_replace(L, lua_upvalueindex(2));
  lua_pushlstring(L, s + at, n);
  return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]): text only; env defaults to
 * the environment the loader belongs to (upvalue 2), never to the state's
 * shared globals. A string chunk is read in charged pieces (load_piece)
 * under its usual chunk name. */
static int sb_load(lua_State *L) {
  int nargs = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1)); /* the base library's load */
  if (lua_type(L, 1) == LUA_TSTRING) {
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, load_piece, 2);
    if (nargs >= 2 && !lua_isnil(L, 2))
      lua_pushvalue(L, 2);
    else
      lua_pushvalue(L, 1); /* load's own default name for a string */
  } else {
    lua_pushvalue(L, 1);
    if (nargs >= 2)
      lua_pushvalue(L, 2);
    else
      lua_pushnil(L);
  }
  lua_pushliteral(L, "t");
  if (nargs >= 4)
    lua_pushvalue(L, 4);
  else
    lua_pushvalue(L, lua_upvalueindex(2));
  lua_call(L, 4, LUA_MULTRET);
  return lua_gettop(L) - nargs;
}

/* Pushes a load closure whose default environment is the table at env. */
static void push_loader(lua_State *L, int env) {
  env = lua_absindex(L, env);
  lua_getfield(L, LUA_REGISTRYINDEX, "cb.load");
  lua_pushvalue(L, env);
  lua_pushcclosure(L, sb_load, 2);
}

static int open_libs(lua_State *L) {
  static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                  {LUA_TABLIBNAME, luaopen_table},
                                  {LUA_STRLIBNAME, luaopen_string},
                                  {LUA_MATHLIBNAME, luaopen_math},
                                  {LUA_UTF8LIBNAME, luaopen_utf8},
                                  {NULL, NULL}};
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  lua_pushglobaltable(L);
  static const char *const removed[] = {"dofile", "loadfile", "require",
                                        "collectgarbage", NULL};
  for (const char *const *r = removed; *r; r++) {
    lua_pushnil(L);
    lua_setfield(L, -2, *r);
  }
  lua_getfield(L, -1, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  /* the functions that could work without end inside one C call */
  cb_lua_bounded__install(L);
  cb_lua_pattern__install(L);

  lua_pushcfunction(L, sb_print);
  lua_setfield(L, -2, "print");

  lua_getfield(L, -1, "setmetatable");
  lua_pushcclosure(L, sb_setmetatable, 1);
  lua_setfield(L, -2, "setmetatable");

  lua_getfield(L, -1, "load");
  lua_setfield(L, LUA_REGISTRYINDEX, "cb.load");
  push_loader(L, -1);
  lua_setfield(L, -2, "load");
  lua_pop(L, 1);

  /* hide the string metatable: its __index is the shared string table */
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 0;
}

int cb_sandbox__new(cb_sandbox **out, size_t mem_cap) {
  *out = NULL;
  cb_sandbox *sb = cb_calloc(1, sizeof *sb);
  if (!sb)
    return CB_ENOMEM;
  sb->mem_cap = mem_cap;
  pthread_condattr_t ca;
  int cond_ok = pthread_condattr_init(&ca) == 0;
  if (cond_ok) {
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    cond_ok = pthread_cond_init(&sb->dog_cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
  }
  if (!cond_ok) {
    cb_free(sb);
    return CB_ENOMEM;
  }
  if (pthread_mutex_init(&sb->dog_mu, NULL) != 0) {
    pthread_cond_destroy(&sb->dog_cv);
    cb_free(sb);
    return CB_ENOMEM;
  }
  sb->L = lua_newstate(sb_alloc, sb);
  if (!sb->L || start_watchdog(sb) < 0) {
    cb_sandbox__free(sb);
    return CB_ENOMEM;
  }
  lua_pushcfunction(sb->L, open_libs);
  if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
    cb_sandbox__free(sb);
    return CB_ENOMEM;
  }
  sb->exhausted = CB_LIMIT_INSTRUCTIONS;
  cb_lua_budget__update_hook(sb);
  *out = sb;
  return 0;
}

/* Every block of the state is in a chunk or on the list of larger blocks:
 * freeing them frees the state without lua_close, which would visit each
 * of its objects (a million for a large book). Nothing is lost: the
 * sandbox lets no code set a finalizer, and the C side frees nothing of
 * its own from one. */
void cb_sandbox__free(cb_sandbox *sb) {
  if (!sb)
    return;
  if (sb->dog_started) {
    pthread_mutex_lock(&sb->dog_mu);
    sb->dog_quit = 1;
    pthread_cond_signal(&sb->dog_cv);
    pthread_mutex_unlock(&sb->dog_mu);
    pthread_join(sb->dog, NULL);
  }
  pthread_mutex_destroy(&sb->dog_mu);
  pthread_cond_destroy(&sb->dog_cv);
  while (sb->blocks) {
    cb_sandbox_block *next = sb->blocks->next;
    cb_free(sb->blocks);
    sb->blocks = next;
  }
  while (sb->chunks) {
    char *next;
    memcpy(&next, sb->chunks, sizeof next);
    cb_free(sb->chunks);
    sb->chunks = next;
  }
  cb_free(sb);
}

/* ---- environments ----------------------------------------------------- */

void cb_sandbox__push_env(cb_sandbox *sb) {
  lua_State *L = sb->L;
  lua_pushglobaltable(L);
  int g = lua_gettop(L);
  lua_newtable(L);
  int env = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, g)) {
    if (lua_type(L, -1) == LUA_TTABLE && !lua_rawequal(L, -1, g)) {
      /* a library: copy it one level deep */
      int lib = lua_gettop(L);
      lua_newtable(L);
      lua_pushnil(L);
      while (lua_next(L, lib)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
      }
      lua_replace(L, lib);
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, env);
  }
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  push_loader(L, env);
  lua_setfield(L, env, "load");
  lua_remove(L, g);
}

void cb_sandbox__set_env(lua_State *L, int fidx) {
  fidx = lua_absindex(L, fidx);
  if (!lua_setupvalue(L, fidx, 1))
    lua_pop(L, 1);
}

/* ---- errors ------------------------------------------------------------ */

int cb_sandbox__split_where(const char *msg, char *path, size_t n,
                            const char **text) {
  /* "path:LINE: text" where path has no newline; take the first ":N:" */
  for (const char *p = msg; *p && *p != '\n'; p++) {
    if (*p != ':' || p == msg)
      continue;
    const char *d = p + 1;
    int line = 0;
    while (*d >= '0' && *d <= '9' && line < 100000000)
      line = line * 10 + (*d++ - '0');
    if (d == p + 1 || *d != ':')
      continue;
    if (path && n) {
      size_t k = (size_t)(p - msg);
      if (k >= n)
        k = n - 1;
      memcpy(path, msg, k);
      path[k] = '\0';
    }
    d++;
    if (*d == ' ')
      d++;
    if (text)
      *text = d;
    return line;
  }
  return 0;
}

/* Message handler: remember the frame the error comes from (the focus
 * chunk if it is on the stack, else the innermost chunk with a file
 * name) and turn a non-string error value into a string. */
static int msgh(lua_State *L) {
  cb_sandbox *sb = cb_lua_budget__of(L);
  lua_Debug ar;
  int found = 0;
  sb->err_source[0] = '\0';
  sb->err_line = 0;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar))
      break;
    if (ar.source[0] != '@' || ar.currentline <= 0)
      continue;
    int focus = sb->focus && strcmp(ar.source, sb->focus) == 0;
    if (!found || focus) {
      snprintf(sb->err_source, sizeof sb->err_source, "%s", ar.source + 1);
      sb->err_line = ar.currentline;
      found = 1;
    }
    if (focus)
      break;
  }
  if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER)
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  else
    lua_pushvalue(L, 1);
  return 1;
}

/* Fills err from the error value on top of the stack (popped). */
static void fill_error(cb_sandbox *sb, int status, cb_sandbox_error *err,
                       int from_handler) {
  lua_State *L = sb->L;
  const char *msg = lua_tostring(L, -1);
  if (!msg)
    msg = "(error object is not a string)";
  memset(err, 0, sizeof *err);
  err->status = status;
  err->limit = sb->exhausted;
  /* a memory error that passed through a protected call of a bounded
   * library function (lua_bounded.c) comes back as a runtime error */
  if (status == LUA_ERRMEM ||
      (sb->mem_refused && strcmp(msg, "not enough memory") == 0)) {
    err->limit = CB_LIMIT_MEMORY;
    msg = "memory limit exceeded";
  } else if (status == LUA_ERRERR && sb->exhausted == CB_LIMIT_NONE) {
    err->limit = CB_LIMIT_NONE;
  }
  if (err->limit == CB_LIMIT_INSTRUCTIONS)
    msg = "instruction budget exhausted (an endless loop?)";
  else if (err->limit == CB_LIMIT_TIME)
    msg = "time limit exceeded";

  char where[256];
  const char *text = msg;
  int line = cb_sandbox__split_where(msg, where, sizeof where, &text);
  if (err->limit != CB_LIMIT_NONE)
    line = 0, text = msg;
  if (from_handler && sb->err_line > 0) {
    snprintf(err->path, sizeof err->path, "%s", sb->err_source);
    err->line = sb->err_line;
    /* the message's own position wins when it names the same chunk,
     * e.g. error("x", 2) pointing at the caller */
    if (line > 0 && strcmp(where, sb->err_source) == 0)
      err->line = line;
  } else if (line > 0 && strncmp(where, "...", 3) != 0) {
    snprintf(err->path, sizeof err->path, "%s", where);
    err->line = line;
  }
  if (line > 0 || err->line > 0)
    snprintf(err->message, sizeof err->message, "%s", text);
  else
    snprintf(err->message, sizeof err->message, "%s", msg);
  lua_pop(L, 1);
}

int cb_sandbox__load(cb_sandbox *sb, const char *text, size_t len,
                     const char *chunkname, cb_sandbox_error *err) {
  int status = luaL_loadbufferx(sb->L, text, len, chunkname, "t");
  if (status == LUA_OK)
    return 0;
  cb_sandbox_error dummy;
  fill_error(sb, status, err ? err : &dummy, 0);
  return -1;
}

int cb_sandbox__call(cb_sandbox *sb, int nargs, int nresults,
                     cb_sandbox_error *err) {
  lua_State *L = sb->L;
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, msgh);
  lua_insert(L, base);
  sb->err_source[0] = '\0';
  sb->err_line = 0;
  int status = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  if (status == LUA_OK)
    return 0;
  cb_sandbox_error dummy;
  fill_error(sb, status, err ? err : &dummy, status != LUA_ERRMEM);
  return -1;
}
