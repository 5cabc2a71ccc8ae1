# SPDX-License-Identifier: MIT
# casebook: plain Makefile. `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BUILD   ?= build
WERROR  ?= 1
SAN     ?=
CC      ?= cc

PKGS    := libcmark-gfm libgit2 libxml-2.0 lua5.4 jansson libmicrohttpd
# The version, read from the one place it is written.
version_part = $(shell sed -n 's/^\#define CB_VERSION_$(1) \([0-9]*\)$$/\1/p' include/casebook/version.h)
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION_MINOR := $(call version_part,MINOR)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(call version_part,PATCH)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lm

WARN := -std=c11 -pedantic -Wall -Wextra -Wshadow -Wundef -Wwrite-strings \
        -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
        -Wformat=2
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifneq ($(SAN),)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
OPT ?= -O1 -g
else
OPT ?= -O2 -g
endif

CFLAGS  ?=
LDFLAGS ?=
ALL_CFLAGS := $(WARN) $(OPT) $(SANFLAGS) -pthread -D_POSIX_C_SOURCE=200809L \
              -Iinclude -Icompiler -I$(BUILD) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) -pthread $(LDFLAGS)
# The library's objects go into the static and the shared library alike:
# position-independent, and with only what include/casebook/ declares
# (CB_EXTERN) visible. -fno-semantic-interposition keeps calls between
# the library's own public functions direct, as in the binary before.
LIB_CFLAGS := -fPIC -fvisibility=hidden -fno-semantic-interposition

ifeq ($(V),1)
Q :=
else
Q := @
endif

CLI_SRC  := compiler/main.c compiler/cli.c $(wildcard compiler/cli_*.c)
CLI_OBJ  := $(CLI_SRC:compiler/%.c=$(BUILD)/obj/%.o)
LIB_SRC  := $(filter-out $(CLI_SRC),$(wildcard compiler/*.c))
LIB_OBJ  := $(LIB_SRC:compiler/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/embedded.o
EMBED_IN := $(wildcard compiler/rules/*.lua) $(shell find templates schemas compiler/scaffold compiler/serve -type f 2>/dev/null)
BIN      := $(BUILD)/casebook
LIB      := $(BUILD)/libcasebook.a
SO       := $(BUILD)/libcasebook.so
# The soname changes with every release that may break the ABI: the
# minor version while the major is 0, the major after.
SOVERSION := $(if $(filter 0,$(VERSION_MAJOR)),0.$(VERSION_MINOR),$(VERSION_MAJOR))
SONAME   := libcasebook.so.$(SOVERSION)
# Requires.private of casebook.pc: what a static link needs besides.
PC_REQUIRES := $(PKGS)
PC_LIBS_PRIVATE := -lcmark-gfm-extensions -pthread -lm

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: layers all help test test-run deps test-update asan ubsan bench fuzz install uninstall clean demo

all: $(BIN) $(SO)

help:
	@echo "make            build $(BIN)"
	@echo "make test       every test (unit, CLI golden, spec, corpus)"
	@echo "make test-update  accept reviewed changes of the golden CLI outputs"
	@echo "make asan       the whole suite under ASan+UBSan (build/asan)"
	@echo "make bench      benchmark against cmark-gfm on a synthetic project"
	@echo "make fuzz       libFuzzer targets (clang)"
	@echo "make layers     calls between modules against compiler/LAYERS"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR): the binary, the"
	@echo "                headers, libcasebook.a and .so, casebook.pc"
	@echo "make demo       compile casebooks/chat-safety"

$(BUILD)/obj/%.o: compiler/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/embedded.c: compiler/embed.sh $(EMBED_IN)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EMBED   $@")
	$(Q)sh compiler/embed.sh $@ compiler/rules=rules templates=templates schemas=schemas compiler/scaffold=scaffold compiler/serve=serve

$(BUILD)/obj/embedded.o: $(BUILD)/embedded.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -pedantic,$(ALL_CFLAGS)) -c -o $@ $<

$(LIB_OBJ): ALL_CFLAGS += $(LIB_CFLAGS)
# Flags live here: objects built with other flags are stale.
$(LIB_OBJ) $(CLI_OBJ): Makefile

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# The shared library: the same objects; -z defs so that a missing
# library on the link line is found here, not by its users.
$(SO): $(LIB_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs $(ALL_LDFLAGS) \
	  -o $@ $^ $(PKG_LIBS)

$(BIN): $(CLI_OBJ) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# `make test` first installs what is missing (tests/deps.sh), then builds
# and runs the suite in a second make, so pkg-config sees the new packages.
# SWEEPS=1 (or CASEBOOK_TEST_SWEEPS=1 in the environment, as .ci/run sets)
# runs the unit tests' out-of-memory sweeps whole instead of sampled.
SWEEPS ?=
test:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) test-run

test-run: $(BIN) $(SO) $(UNIT_BIN) $(TOOL_BIN)
	@BUILD=$(BUILD) $(if $(SWEEPS),CASEBOOK_TEST_SWEEPS=$(SWEEPS)) sh tests/run.sh

test-update: $(BIN) $(TOOL_BIN)
	@BUILD=$(BUILD) UPDATE=1 sh tests/run.sh cli

asan:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) BUILD=build/asan SAN=1 test-run

deps:
	@sh tests/deps.sh

# The calls between the modules against compiler/LAYERS: what goes up a
# layer or closes a cycle.
layers: $(LIB_OBJ) $(CLI_OBJ)
	@sh tests/tools/layers.sh $(BUILD)/obj compiler/LAYERS compiler

ubsan: asan

bench: $(BIN) $(TOOL_BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

fuzz:
	@BUILD=build/fuzz sh tests/fuzz/run.sh

demo:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	@$(BIN) build casebooks/chat-safety

# casebook.pc is written here from casebook.pc.in, with the PREFIX (and
# LIBDIR, INCLUDEDIR) of this install.
install: $(BIN) $(LIB) $(SO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(INCLUDEDIR)/casebook \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/share/casebook/templates \
	  $(DESTDIR)$(PREFIX)/share/casebook/schemas $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/casebook
	install -m 644 include/casebook/*.h $(DESTDIR)$(INCLUDEDIR)/casebook/
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SO) $(DESTDIR)$(LIBDIR)/libcasebook.so.$(VERSION)
	ln -sf libcasebook.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libcasebook.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  -e 's|@REQUIRES_PRIVATE@|$(PC_REQUIRES)|g' \
	  -e 's|@LIBS_PRIVATE@|$(PC_LIBS_PRIVATE)|g' \
	  casebook.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/casebook.pc
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/casebook/templates/
	[ ! -d schemas ] || cp -R schemas/. $(DESTDIR)$(PREFIX)/share/casebook/schemas/
	install -m 644 docs/casebook.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/casebook $(DESTDIR)$(LIBDIR)/libcasebook.a \
	  $(DESTDIR)$(LIBDIR)/libcasebook.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libcasebook.so.$(VERSION) \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/casebook.pc \
	  $(DESTDIR)$(PREFIX)/share/man/man1/casebook.1
	rm -rf $(DESTDIR)$(INCLUDEDIR)/casebook $(DESTDIR)$(PREFIX)/share/casebook

clean:
	rm -rf build

# `make print-VAR` prints a variable: the header test compiles with the
# flags the modules are built with (tests/layers/headers.sh).
print-%:
	@echo $($*)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)
