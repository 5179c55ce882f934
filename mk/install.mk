# mk/install.mk - included by the Makefile: libdumpscrub (shared + static,
# pkg-config), make install / uninstall, make deb.
#
#   make lib                       build/libdumpscrub.so.0 and build/libdumpscrub.a
#   make install   PREFIX=/usr/local DESTDIR=
#   make uninstall PREFIX=/usr/local DESTDIR=   (removes exactly what install put)
#   make deb                       build/deb/*.deb (dumpscrub, libdumpscrub0, libdumpscrub-dev)

VERSION      := $(shell sed -n 's/^\#define DUMPSCRUB_VERSION "\(.*\)"/\1/p' include/dumpscrub.h)
SOVER        := 0
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
UNITDIR      ?= $(PREFIX)/lib/systemd/system

SONAME   := libdumpscrub.so.$(SOVER)
SHLIB    := build/libdumpscrub.so.$(VERSION)

.PHONY: lib deb

lib: $(SHLIB) build/libdumpscrub.a build/dumpscrub.pc

# The same -fPIC objects as the static archive; the version script exports
# only the dumpscrub_* API of include/dumpscrub.h.
$(SHLIB): $(OBJ) lib/dumpscrub.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/dumpscrub.map \
	    -Wl,--no-undefined -Wl,-z,relro -Wl,-z,now -o $@ $(OBJ) $(PKG_LIBS)
	ln -sf $(notdir $@) build/$(SONAME)
	ln -sf $(SONAME) build/libdumpscrub.so

build/dumpscrub.pc: lib/dumpscrub.pc.in include/dumpscrub.h FORCE_PC
	@mkdir -p build
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(PKGS)|' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE_PC
FORCE_PC:

# Files install puts under $(DESTDIR); uninstall removes exactly these.
INSTALLED = $(BINDIR)/dumpscrub \
    $(MANDIR)/man1/dumpscrub.1.gz $(MANDIR)/man5/dumpscrub-rules.5.gz \
    $(patsubst patterns/%,$(DATADIR)/patterns/%,$(wildcard patterns/*.rules)) \
    $(DATADIR)/sysctl/50-dumpscrub.conf \
    $(BASHCOMPDIR)/dumpscrub \
    $(UNITDIR)/dumpscrub-gate@.service \
    $(LIBDIR)/libdumpscrub.so.$(VERSION) $(LIBDIR)/$(SONAME) $(LIBDIR)/libdumpscrub.so \
    $(LIBDIR)/libdumpscrub.a $(INCLUDEDIR)/dumpscrub.h $(PKGCONFIGDIR)/dumpscrub.pc

# @BINDIR@ / @DATADIR@ in the unit and the sysctl template.
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g'

install: build/dumpscrub $(SHLIB) build/libdumpscrub.a build/dumpscrub.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/patterns $(DESTDIR)$(DATADIR)/sysctl \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 build/dumpscrub $(DESTDIR)$(BINDIR)/dumpscrub
	install -m 0644 patterns/*.rules $(DESTDIR)$(DATADIR)/patterns/
	gzip -9nc docs/man/dumpscrub.1 > $(DESTDIR)$(MANDIR)/man1/dumpscrub.1.gz
	gzip -9nc docs/man/dumpscrub-rules.5 > $(DESTDIR)$(MANDIR)/man5/dumpscrub-rules.5.gz
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/dumpscrub.1.gz $(DESTDIR)$(MANDIR)/man5/dumpscrub-rules.5.gz
	install -m 0644 docs/bash-completion/dumpscrub $(DESTDIR)$(BASHCOMPDIR)/dumpscrub
	$(SUBST) docs/systemd/dumpscrub-gate@.service > $(DESTDIR)$(UNITDIR)/dumpscrub-gate@.service
	$(SUBST) docs/systemd/50-dumpscrub.conf.in > $(DESTDIR)$(DATADIR)/sysctl/50-dumpscrub.conf
	chmod 0644 $(DESTDIR)$(UNITDIR)/dumpscrub-gate@.service $(DESTDIR)$(DATADIR)/sysctl/50-dumpscrub.conf
	install -m 0644 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libdumpscrub.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libdumpscrub.so
	install -m 0644 build/libdumpscrub.a $(DESTDIR)$(LIBDIR)/libdumpscrub.a
	install -m 0644 include/dumpscrub.h $(DESTDIR)$(INCLUDEDIR)/dumpscrub.h
	install -m 0644 build/dumpscrub.pc $(DESTDIR)$(PKGCONFIGDIR)/dumpscrub.pc
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR)/patterns $(DESTDIR)$(DATADIR)/sysctl $(DESTDIR)$(DATADIR) 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# --- Debian packages -------------------------------------------------------
deb: build/dumpscrub $(SHLIB) build/libdumpscrub.a
	@PKGS="$(PKGS)" ./packaging/mkdeb.sh $(VERSION)
