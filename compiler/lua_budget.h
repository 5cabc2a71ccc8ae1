/* SPDX-License-Identifier: MIT */
/*
 * lua_budget.h: the state of a Lua sandbox (cb_sandbox) and the limits a
 * run is held to: the instruction budget, the deadline and the abort flag
 * the watchdog sets, and the count hook that charges the budget.
 *
 * It lies beneath the sandbox (sandbox.c makes the state, its allocator
 * and the watchdog thread, and opens the libraries) and beneath the
 * library functions that charge their own work because it does not pass
 * through the count hook (lua_bounded.c, lua_pattern.c, lua_lib.c): all
 * of them charge here (cb_lua_budget__charge), none calls back into the
 * sandbox.
 */
#ifndef CB_LUA_BUDGET_H
#define CB_LUA_BUDGET_H

#include <pthread.h>
#include <stddef.h>

#include <lua.h>

/* Which limit stopped the code, if any. */
typedef enum cb_sandbox_limit {
  CB_LIMIT_NONE = 0,
  CB_LIMIT_INSTRUCTIONS,
  CB_LIMIT_TIME,
  CB_LIMIT_MEMORY
} cb_sandbox_limit;

/* Small blocks of the allocator (sandbox.c): size classes of SLAB_ALIGN
 * bytes up to SLAB_MAX (the hash part of a table of up to 32 fields fits),
 * carved from SLAB_CHUNK-byte chunks. */
#define SLAB_ALIGN 16
#define SLAB_MAX 1024
#define SLAB_CHUNK ((size_t)256 << 10)

/* Bytes of print output kept per run (cb_sandbox__printed). */
#define CB_SANDBOX_PRINT_MAX 2000

/* The header of a larger block: they are linked so that freeing the
 * sandbox frees them all. */
typedef struct cb_sandbox_block {
  struct cb_sandbox_block *prev, *next;
} cb_sandbox_block;

typedef struct cb_sandbox {
  lua_State *L;
  size_t mem_used;     /* bytes held by the state */
  size_t mem_cap;      /* the allocator refuses to grow past this */
  long long budget;    /* instructions left */
  double deadline;     /* CLOCK_MONOTONIC seconds, 0 for none */
  cb_sandbox_limit exhausted; /* set by the hook once a limit is spent */
  int mem_refused;     /* set when the allocator refused a request */
  unsigned hook_calls;
  int suspended;       /* no count hook: see cb_sandbox__suspend */
  const char *focus;   /* chunk name ("@rules/x.lua") errors are placed in */
  /* Filled by the message handler: the frame an error was raised in. */
  char err_source[256];
  int err_line;
  /* the allocator's small blocks: free lists per size class, and the
   * chunks they come from (linked through their first bytes) */
  void *free_blocks[SLAB_MAX / SLAB_ALIGN + 1];
  char *chunks, *chunk_next;
  size_t chunk_left;
  cb_sandbox_block *blocks; /* the larger blocks */
  /* the watchdog: a thread that at the deadline sets aborted and turns the
   * count hook on (sandbox.c); dog_mu guards every lua_sethook call and
   * the fields below it */
  _Atomic int aborted;
  int dog_started, dog_quit, dog_armed;
  double dog_deadline;
  pthread_t dog;
  pthread_mutex_t dog_mu;
  pthread_cond_t dog_cv;
  /* what print was given since the last cb_sandbox__limit, escaped */
  char printed[CB_SANDBOX_PRINT_MAX + 1];
  size_t n_printed;    /* bytes in printed */
  size_t print_lost;   /* bytes print was given beyond the cap */
} cb_sandbox;

/* CLOCK_MONOTONIC now, in seconds (0 when the clock cannot be read). */
double cb_lua_budget__now(void);

/* The sandbox of a state made by cb_sandbox__new. */
cb_sandbox *cb_lua_budget__of(lua_State *L);

/* Charges units of work (instructions' worth) done by a C function of the
 * library to the budget of L's sandbox, unless suspended, and checks the
 * abort flag. Raises the limit's error (as the count hook does, and
 * leaving the hook firing on every instruction) when the budget is spent
 * or the deadline passed; returns otherwise. Cheap: call it every few
 * thousand steps of a loop. */
void cb_lua_budget__charge(lua_State *L, long long units);

/* The count hook: charges HOOK_STEP instructions (none while suspended)
 * and raises once a limit is spent. The watchdog sets it to fire on every
 * instruction at the deadline. */
void cb_lua_budget__count_hook(lua_State *L, lua_Debug *ar);

/* Sets the hook sb's state calls for: on every instruction once a limit
 * is spent or the watchdog fired, none while suspended, else every
 * HOOK_STEP instructions. The caller holds dog_mu. */
void cb_lua_budget__apply_hook(cb_sandbox *sb);

/* cb_lua_budget__apply_hook under dog_mu. */
void cb_lua_budget__update_hook(cb_sandbox *sb);

#endif
