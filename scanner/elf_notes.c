/*
 * elf_notes.c - the PT_NOTE segments of an ELF core.
 *
 * Notes are walked by hand (not with gelf_getnote) so that every length is
 * checked against both the declared segment and the bytes we really have.
 * Layouts come from the kernel's include/linux/elfcore.h (elf_prstatus,
 * elf_prpsinfo), fs/binfmt_elf.c (NT_FILE) and NetBSD's sys/kern/core_elf32.c
 * (netbsd_elfcore_procinfo).  Linux core notes are 4-byte aligned on every
 * architecture, 32- and 64-bit alike.
 */
#include "elf_core_int.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif
#ifndef AT_EXECFN
#define AT_EXECFN 31
#endif
#ifndef AT_SYSINFO_EHDR
#define AT_SYSINFO_EHDR 33
#endif

#define NETBSD_CORE_PROCINFO 1

/* Does [off, off + n) lie inside a descriptor of `size` bytes? */
static int in_desc(uint64_t size, uint64_t off, uint64_t n)
{
    return n <= size && off <= size - n;
}

static uint64_t align4(uint64_t x)
{
    /* x is at most 2^32 - 1 here (a note length): cannot overflow. */
    return (x + 3) & ~(uint64_t)3;
}

static int64_t sign32(uint64_t v)
{
    return (int64_t)(int32_t)(uint32_t)v;
}

/* ------------------------------------------------------------------ */
/* Registers: where sp and pc sit in elf_gregset_t, per architecture.  */

typedef struct {
    uint16_t machine;
    int is64;
    uint8_t size;           /* bytes per register */
    uint8_t sp, pc;         /* indexes into the register array */
} reg_layout;

/* Indexes from each architecture's user_regs_struct / pt_regs:
 *  x86_64  r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi
 *          orig_rax rip(16) cs eflags rsp(19) ss ...
 *  i386    ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip(12) cs
 *          eflags esp(15) ss
 *  aarch64 x0..x30, sp(31), pc(32), pstate
 *  arm     r0..r12, sp(13), lr, pc(15), cpsr, orig_r0
 *  s390x   psw.mask, psw.addr(1), gprs[16] (sp = r15 -> 17), acrs...
 *  ppc     gpr[32] (sp = r1), nip(32), msr, ...
 *  riscv   pc(0), ra, sp(2), ...
 *  mips    o32: 6 pad words, r0..r31 (sp = r29 -> 35), lo, hi, epc(40)
 *          n64: r0..r31 (sp 29), lo, hi, epc(34)                       */
static const reg_layout linux_regs[] = {
    { EM_X86_64,  1, 8, 19, 16 },
    { EM_386,     0, 4, 15, 12 },
    { EM_AARCH64, 1, 8, 31, 32 },
    { EM_ARM,     0, 4, 13, 15 },
    { EM_S390,    1, 8, 17, 1 },
    { EM_PPC64,   1, 8, 1, 32 },
    { EM_PPC,     0, 4, 1, 32 },
    { EM_RISCV,   1, 8, 2, 0 },
    { EM_RISCV,   0, 4, 2, 0 },
    { EM_MIPS,    0, 4, 35, 40 },
    { EM_MIPS,    1, 8, 29, 34 },
};

/* NetBSD per-LWP register notes: the type is PT_GETREGS, which is
 * machine-dependent (PT_FIRSTMACH + 0 on aarch64, + 1 on amd64).
 *  aarch64 struct reg: r_reg[31], r_sp(31), r_pc(32), r_spsr, r_tpidr
 *  amd64   struct reg: mcontext order, _REG_RIP 21, _REG_RSP 24        */
typedef struct {
    uint16_t machine;
    uint32_t type;
    reg_layout regs;
} netbsd_reg_layout;

static const netbsd_reg_layout netbsd_regs[] = {
    { EM_AARCH64, 0x20, { EM_AARCH64, 1, 8, 31, 32 } },
    { EM_X86_64,  0x21, { EM_X86_64,  1, 8, 24, 21 } },
};

static const reg_layout *find_linux_regs(const ds_elf_core *c)
{
    for (size_t i = 0; i < sizeof linux_regs / sizeof linux_regs[0]; i++)
        if (linux_regs[i].machine == c->machine && linux_regs[i].is64 == c->is64)
            return &linux_regs[i];
    return NULL;
}

/* Fill t->sp and t->pc from a register array of `n` bytes (0 if absent). */
static void read_sp_pc(const ds_elf_core *c, const reg_layout *l,
                       const uint8_t *regs, uint64_t n, ds_thread *t)
{
    if (!l)
        return;
    uint64_t sp_off = (uint64_t)l->sp * l->size, pc_off = (uint64_t)l->pc * l->size;
    if (in_desc(n, sp_off, l->size))
        t->sp = ds_elf_get(c, regs + sp_off, l->size);
    if (in_desc(n, pc_off, l->size))
        t->pc = ds_elf_get(c, regs + pc_off, l->size);
}

/* ------------------------------------------------------------------ */
/* Linux "CORE" notes.                                                 */

/* struct elf_prstatus: elf_siginfo (3 ints), short pr_cursig, 2 longs,
 * 4 pid_t, 4 struct timeval, then pr_reg.  With 8-byte longs that puts
 * pr_pid at 32 and pr_reg at 112; with 4-byte longs at 24 and 72. */
static void note_prstatus(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    uint64_t pid_off = c->is64 ? 32 : 24, reg_off = c->is64 ? 112 : 72;
    if (!in_desc(n, pid_off, 4)) {
        ds_elf_problem(c, "NT_PRSTATUS: %llu bytes is too short", (unsigned long long)n);
        return;
    }
    ds_thread t = { 0 };
    t.signal = (int)(int16_t)ds_elf_get(c, desc + 12, 2);
    t.tid = (uint64_t)sign32(ds_elf_get(c, desc + pid_off, 4));
    if (n > reg_off)
        read_sp_pc(c, find_linux_regs(c), desc + reg_off, n - reg_off, &t);
    c->nprstatus++;
    if (ds_dump_add_thread(c->d, &t) < 0)
        c->oom = 1;
}

/* Copy a fixed-size char array (not necessarily NUL-terminated). */
static int set_fixed_str(char **field, const uint8_t *p, size_t max, int trim_spaces)
{
    size_t n = strnlen((const char *)p, max);
    /* The kernel turns the NUL after each argument into a space, the last
     * one included: "./a.out x " for argv {"./a.out", "x"}. */
    while (trim_spaces && n > 0 && p[n - 1] == ' ')
        n--;
    if (n == 0)
        return 0;
    return ds_dump_set_str(field, (const char *)p, n);
}

/* struct elf_prpsinfo: 4 chars, long pr_flag, uid, gid, 4 pid_t,
 * fname[16], psargs[80].  uid/gid are 16-bit on some 32-bit ABIs (i386,
 * arm, s390), 32-bit elsewhere: the descriptor size tells which. */
static void note_prpsinfo(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    uint64_t flag_off = c->is64 ? 8 : 4, flag_size = c->is64 ? 8 : 4;
    uint64_t id_size = (!c->is64 && n == 124) ? 2 : 4;
    uint64_t uid_off = flag_off + flag_size;
    uint64_t pid_off = uid_off + 2 * id_size;
    uint64_t fname_off = pid_off + 16, psargs_off = fname_off + 16;
    if (!in_desc(n, psargs_off, 80)) {
        ds_elf_problem(c, "NT_PRPSINFO: %llu bytes is too short", (unsigned long long)n);
        return;
    }
    c->have_prpsinfo = 1;
    c->ps_sname = (char)desc[1];
    c->ps_flag = ds_elf_get(c, desc + flag_off, flag_size);
    c->ps_uid = (uint32_t)ds_elf_get(c, desc + uid_off, id_size);
    c->ps_gid = (uint32_t)ds_elf_get(c, desc + uid_off + id_size, id_size);
    c->ps_pid = sign32(ds_elf_get(c, desc + pid_off, 4));
    c->ps_ppid = sign32(ds_elf_get(c, desc + pid_off + 4, 4));
    if (set_fixed_str(&c->d->process_name, desc + fname_off, 16, 0) < 0 ||
        set_fixed_str(&c->d->cmdline, desc + psargs_off, 80, 1) < 0)
        c->oom = 1;
}

/* NT_SIGINFO belongs to the thread whose NT_PRSTATUS came last.  The
 * kernel writes one, for the thread that took the signal (the first); gdb
 * writes one per thread.  Its si_signo is that thread's signal. */
static void note_siginfo(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    if (!in_desc(n, 0, 4)) {
        ds_elf_problem(c, "NT_SIGINFO: %llu bytes is too short", (unsigned long long)n);
        return;
    }
    int signo = (int)sign32(ds_elf_get(c, desc, 4));
    if (!c->have_siginfo)
        c->si_signo = signo;
    c->have_siginfo = 1;
    size_t n_threads = c->d->nthreads;
    if (c->nprstatus == 0 || n_threads == 0)
        return;
    size_t cur = n_threads - 1;
    if (cur >= c->thread_siginfo_cap) {
        size_t cap = c->thread_siginfo_cap ? c->thread_siginfo_cap : 16;
        while (cap <= cur)
            cap *= 2;
        unsigned char *p = realloc(c->thread_siginfo, cap);
        if (!p) {
            c->oom = 1;
            return;
        }
        memset(p + c->thread_siginfo_cap, 0, cap - c->thread_siginfo_cap);
        c->thread_siginfo = p;
        c->thread_siginfo_cap = cap;
    }
    c->thread_siginfo[cur] = 1;
    c->d->threads[cur].signal = signo;
}

static void note_auxv(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    size_t w = c->is64 ? 8 : 4;
    c->have_auxv = 1;
    for (uint64_t off = 0; in_desc(n, off, 2 * w); off += 2 * w) {
        uint64_t type = ds_elf_get(c, desc + off, w), val = ds_elf_get(c, desc + off + w, w);
        switch (type) {
        case AT_NULL:         return;
        case AT_PHDR:         c->at_phdr = val; break;
        case AT_PHENT:        c->at_phent = val; break;
        case AT_PHNUM:        c->at_phnum = val; break;
        case AT_ENTRY:        c->at_entry = val; break;
        case AT_EXECFN:       c->at_execfn = val; break;
        case AT_SYSINFO_EHDR: c->at_sysinfo_ehdr = val; break;
        default:              break;
        }
    }
}

/* NT_FILE: long count, long page_size, count * {start, end, file_ofs},
 * then count NUL-terminated paths. */
static void note_file(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    size_t w = c->is64 ? 8 : 4;
    if (!in_desc(n, 0, 2 * w)) {
        ds_elf_problem(c, "NT_FILE: %llu bytes is too short", (unsigned long long)n);
        return;
    }
    uint64_t count = ds_elf_get(c, desc, w);
    uint64_t page_size = ds_elf_get(c, desc + w, w);
    /* The paths start right after the table, so a wrong count leaves no
     * way to find them: reject the note rather than guess. */
    if (count > (n - 2 * w) / (3 * w)) {
        ds_elf_problem(c, "NT_FILE: count %llu does not fit in %llu bytes",
                       (unsigned long long)count, (unsigned long long)n);
        return;
    }
    if (c->have_nt_file) {
        ds_elf_problem(c, "NT_FILE: more than one note, later ones ignored");
        return;
    }
    ds_elf_map *maps = count ? calloc((size_t)count, sizeof *maps) : NULL;
    if (count && !maps) {
        c->oom = 1;
        return;
    }
    uint64_t names = 2 * w + count * 3 * w;
    uint64_t missing = 0, bad = 0;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *e = desc + 2 * w + i * 3 * w;
        ds_elf_map *m = &maps[i];
        m->start = ds_elf_get(c, e, w);
        m->end = ds_elf_get(c, e + w, w);
        m->pgoff = ds_elf_get(c, e + 2 * w, w);
        if (m->start >= m->end)
            bad++;
        const uint8_t *nul = names < n ? memchr(desc + names, 0, (size_t)(n - names)) : NULL;
        if (!nul) {
            missing = count - i;
            names = n;
            continue;
        }
        m->path = (const char *)(desc + names);
        names = (uint64_t)(nul - desc) + 1;
    }
    if (missing)
        ds_elf_problem(c, "NT_FILE: %llu of %llu paths missing",
                       (unsigned long long)missing, (unsigned long long)count);
    if (bad)
        ds_elf_problem(c, "NT_FILE: %llu entries with start >= end", (unsigned long long)bad);
    c->have_nt_file = 1;
    c->nt_file_count = count;
    c->nt_file_page_size = page_size;
    c->maps = maps;
    c->nmaps = (size_t)count;
}

/* kdump's VMCOREINFO is "KEY=value\n" text; keep the kernel release. */
static void note_vmcoreinfo(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    static const char key[] = "OSRELEASE=";
    const size_t klen = sizeof key - 1;
    c->have_vmcoreinfo = 1;
    c->d->os = "linux";
    for (uint64_t off = 0; off < n;) {
        const uint8_t *line = desc + off;
        const uint8_t *nl = memchr(line, '\n', (size_t)(n - off));
        uint64_t ll = nl ? (uint64_t)(nl - line) : n - off;
        if (ll > klen && ll - klen < 128 && memcmp(line, key, klen) == 0) {
            char buf[160];
            size_t vl = (size_t)(ll - klen);
            memcpy(buf, line + klen, vl);
            memcpy(buf + vl, " (kdump vmcore)", sizeof " (kdump vmcore)");
            for (size_t i = 0; i < vl; i++)    /* one clean line, whatever the bytes */
                if (buf[i] < 0x20 || buf[i] > 0x7e)
                    buf[i] = '?';
            if (ds_dump_set_str(&c->d->os_version, buf, strlen(buf)) < 0)
                c->oom = 1;
            return;
        }
        off += ll + 1;
    }
    if (!c->d->os_version && ds_dump_set_str(&c->d->os_version, "kdump vmcore", 12) < 0)
        c->oom = 1;
}

/* ------------------------------------------------------------------ */
/* NetBSD notes.                                                       */

/* struct netbsd_elfcore_procinfo: version, cpisize, signo, sigcode,
 * 4 x sigset (16 bytes each), pid(80), ppid, pgrp, sid, 6 ids, nlwps,
 * name[32] (124), then in version 2 siglwp (156). */
static void note_netbsd_procinfo(ds_elf_core *c, const uint8_t *desc, uint64_t n)
{
    if (!in_desc(n, 124, 32)) {
        ds_elf_problem(c, "NetBSD procinfo: %llu bytes is too short", (unsigned long long)n);
        return;
    }
    c->have_netbsd_procinfo = 1;
    c->netbsd_signo = (int)sign32(ds_elf_get(c, desc + 8, 4));
    c->d->pid = sign32(ds_elf_get(c, desc + 80, 4));
    c->ps_pid = c->d->pid;
    c->ps_ppid = sign32(ds_elf_get(c, desc + 84, 4));
    c->netbsd_siglwp = in_desc(n, 156, 4) ? sign32(ds_elf_get(c, desc + 156, 4)) : 0;
    if (set_fixed_str(&c->d->process_name, desc + 124, 32, 0) < 0)
        c->oom = 1;
}

/* "NetBSD-CORE@<lwp>": one thread per LWP; its notes are consecutive, so
 * only the last thread can be the one to extend (keeps this O(1)). */
static void note_netbsd_lwp(ds_elf_core *c, const char *lwp, size_t lwplen,
                            uint32_t type, const uint8_t *desc, uint64_t n)
{
    uint64_t tid = 0;
    if (lwplen == 0 || lwplen > 10)
        return;
    for (size_t i = 0; i < lwplen; i++) {
        if (lwp[i] < '0' || lwp[i] > '9')
            return;
        tid = tid * 10 + (uint64_t)(lwp[i] - '0');
    }
    ds_dump *d = c->d;
    if (d->nthreads == 0 || d->threads[d->nthreads - 1].tid != tid) {
        ds_thread t = { .tid = tid };
        if (ds_dump_add_thread(d, &t) < 0) {
            c->oom = 1;
            return;
        }
    }
    ds_thread *t = &d->threads[d->nthreads - 1];
    for (size_t i = 0; i < sizeof netbsd_regs / sizeof netbsd_regs[0]; i++)
        if (netbsd_regs[i].machine == c->machine && netbsd_regs[i].type == type && c->is64)
            read_sp_pc(c, &netbsd_regs[i].regs, desc, n, t);
}

/* ------------------------------------------------------------------ */
/* The walk.                                                           */

static void count_note(ds_elf_core *c, const char *name, size_t namelen, uint32_t type)
{
    if (namelen >= sizeof c->notecounts[0].name)
        namelen = sizeof c->notecounts[0].name - 1;
    for (size_t i = 0; i < c->nnotecounts; i++) {
        ds_elf_notecount *nc = &c->notecounts[i];
        if (nc->type == type && strlen(nc->name) == namelen &&
            memcmp(nc->name, name, namelen) == 0) {
            nc->count++;
            return;
        }
    }
    if (c->nnotecounts == DS_ELF_MAX_NOTECOUNTS)
        return;
    ds_elf_notecount *nc = &c->notecounts[c->nnotecounts++];
    memcpy(nc->name, name, namelen);
    nc->name[namelen] = '\0';
    nc->type = type;
    nc->count = 1;
}

static int name_is(const char *name, size_t namelen, const char *want)
{
    return namelen == strlen(want) && memcmp(name, want, namelen) == 0;
}

static void dispatch_note(ds_elf_core *c, const char *name, size_t namelen,
                          uint32_t type, const uint8_t *desc, uint64_t descsz)
{
    static const char netbsd[] = "NetBSD-CORE";
    count_note(c, name, namelen, type);
    if (name_is(name, namelen, "CORE")) {
        if (!c->d->os)
            c->d->os = "linux";
        switch (type) {
        case NT_PRSTATUS: note_prstatus(c, desc, descsz); break;
        case NT_PRPSINFO: note_prpsinfo(c, desc, descsz); break;
        case NT_SIGINFO:  note_siginfo(c, desc, descsz); break;
        case NT_AUXV:     note_auxv(c, desc, descsz); break;
        case NT_FILE:     note_file(c, desc, descsz); break;
        default:          break;
        }
    } else if (name_is(name, namelen, "VMCOREINFO")) {
        note_vmcoreinfo(c, desc, descsz);
    } else if (name_is(name, namelen, netbsd)) {
        c->d->os = "netbsd";
        if (type == NETBSD_CORE_PROCINFO)
            note_netbsd_procinfo(c, desc, descsz);
    } else if (namelen > sizeof netbsd && memcmp(name, "NetBSD-CORE@", sizeof netbsd) == 0) {
        c->d->os = "netbsd";
        note_netbsd_lwp(c, name + sizeof netbsd, namelen - sizeof netbsd, type, desc, descsz);
    } else if (name_is(name, namelen, "FreeBSD")) {
        /* FreeBSD's prstatus/prpsinfo differ from Linux's: not parsed, but
         * the OS is known and nothing is misread as Linux. */
        c->d->os = "freebsd";
    }
}

void ds_elf_walk_notes(ds_elf_core *c, uint64_t off, uint64_t size)
{
    if (off >= c->len)
        return;                         /* nothing of it here */
    /* Declared end (saturating) and the end of what we can read. */
    uint64_t end = size > UINT64_MAX - off ? UINT64_MAX : off + size;
    uint64_t rend = end < c->len ? end : c->len;
    uint64_t pos = off;
    size_t index = 0;
    while (pos < rend) {
        if (end - pos < 12) {
            /* Fewer bytes than a note header: harmless if they are padding. */
            for (uint64_t i = pos; i < rend; i++)
                if (c->buf[i]) {
                    ds_elf_problem(c, "notes at 0x%llx: %llu stray bytes at the end",
                                   (unsigned long long)off, (unsigned long long)(end - pos));
                    break;
                }
            return;
        }
        if (rend - pos < 12)
            return;                     /* cut by the end of the buffer */
        const uint8_t *h = c->buf + pos;
        uint64_t namesz = ds_elf_get(c, h, 4), descsz = ds_elf_get(c, h + 4, 4);
        uint32_t type = (uint32_t)ds_elf_get(c, h + 8, 4);
        uint64_t left = end - pos - 12;
        /* Padding after the last descriptor is optional. */
        if (align4(namesz) > left || descsz > left - align4(namesz)) {
            ds_elf_problem(c, "note %zu at 0x%llx: namesz %llu descsz %llu exceed its segment",
                           index, (unsigned long long)pos,
                           (unsigned long long)namesz, (unsigned long long)descsz);
            return;
        }
        uint64_t desc_off = pos + 12 + align4(namesz);
        if (desc_off > rend || descsz > rend - desc_off)
            return;                     /* cut by the end of the buffer */
        const char *name = (const char *)(h + 12);
        dispatch_note(c, name, strnlen(name, (size_t)namesz), type, c->buf + desc_off, descsz);
        uint64_t next = desc_off + align4(descsz);
        pos = next < end ? next : end;
        index++;
    }
}

/* ------------------------------------------------------------------ */

/* SIGSTOP's number: 19 on most Linux architectures. */
static int sigstop(uint16_t machine)
{
    switch (machine) {
    case EM_MIPS:    return 23;
    case EM_SPARC:
    case EM_SPARCV9:
    case EM_ALPHA:   return 17;
    default:         return 19;
    }
}

void ds_elf_notes_finish(ds_elf_core *c)
{
    ds_dump *d = c->d;
    if (c->have_netbsd_procinfo) {
        d->crash_signal = c->netbsd_signo;
        /* Version 2 names the LWP the signal went to. */
        for (size_t i = 0; i < d->nthreads; i++)
            if (c->netbsd_siglwp > 0 && d->threads[i].tid == (uint64_t)c->netbsd_siglwp) {
                d->threads[i].signal = c->netbsd_signo;
                d->threads[i].crashed = c->netbsd_signo != 0;
            }
        return;
    }
    if (c->have_vmcoreinfo)
        return;     /* per-CPU registers, not a process: nothing crashed "first" */
    if (c->have_prpsinfo)
        d->pid = c->ps_pid;
    else if (c->nprstatus == 1)
        d->pid = (int64_t)d->threads[0].tid;   /* one thread: its tid is the pid */
    /* pr_cursig is the dump's signal in every thread's NT_PRSTATUS (the
     * kernel copies it to all): where NT_SIGINFO exists, it alone says
     * which threads got a signal. */
    if (c->have_siginfo)
        for (size_t i = 0; i < d->nthreads; i++)
            if (i >= c->thread_siginfo_cap || !c->thread_siginfo[i])
                d->threads[i].signal = 0;
    d->crash_signal = c->have_siginfo ? c->si_signo
                    : d->nthreads ? d->threads[0].signal : 0;
    /* The kernel writes the thread that took the signal first.  gcore of a
     * live process says SIGSTOP (gdb's attach) or nothing: not a crash. */
    int sig = d->nthreads ? d->threads[0].signal : 0;
    if (c->nprstatus > 0 && sig != 0 && sig != sigstop(c->machine))
        d->threads[0].crashed = 1;
}
