/*
 * Reading a file: image bytes, session bytes, or content generated from
 * the profile (/proc/cpuinfo with ncpu processors, meminfo with mem_kb,
 * uptime from the sensor's boot time) so cat, free, nproc, uptime and
 * lscpu always agree.
 */
#include <stdio.h>
#include <string.h>

#include "ap/buf.h"
#include "sh.h"

#include "ap/common.h"

static void
gen_cpuinfo(const struct sh_profile *p, struct ap_buf *b)
{
    unsigned i;
    for (i = 0; i < p->ncpu; i++) {
        ap_buf_printf(
            b,
            "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\n"
            "model\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n"
            "microcode\t: 0xffffffff\ncpu MHz\t\t: %.3f\n"
            "cache size\t: %u KB\nphysical id\t: 0\nsiblings\t: %u\n"
            "core id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\n"
            "initial apicid\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\n"
            "cpuid level\t: 13\nwp\t\t: yes\nflags\t\t: %s\n"
            "bugs\t\t: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass "
            "l1tf mds swapgs taa itlb_multihit mmio_stale_data retbleed\n"
            "bogomips\t: %.2f\nclflush size\t: 64\ncache_alignment\t: 64\n"
            "address sizes\t: 46 bits physical, 48 bits virtual\n"
            "power management:\n\n",
            i, p->cpu_vendor, p->cpu_family, p->cpu_model_no, p->cpu_model,
            p->cpu_stepping, p->cpu_mhz, p->cpu_cache_kb, p->ncpu, i, p->ncpu,
            i, i, p->cpu_flags, p->cpu_mhz * 2);
    }
}

static void
gen_meminfo(const struct sh_profile *p, struct ap_buf *b)
{
    unsigned long long t = p->mem_kb;
    ap_buf_printf(b,
                  "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
                  "MemAvailable:   %8llu kB\nBuffers:        %8llu kB\n"
                  "Cached:         %8llu kB\nSwapCached:            0 kB\n"
                  "Active:         %8llu kB\nInactive:       %8llu kB\n"
                  "SwapTotal:             0 kB\nSwapFree:              0 kB\n"
                  "Dirty:                40 kB\nWriteback:             0 kB\n"
                  "Shmem:          %8llu kB\n",
                  t, t * 52 / 100, t * 80 / 100, t * 3 / 100, t * 25 / 100,
                  t * 20 / 100, t * 18 / 100, t / 400);
}

int
sh_read_node(struct sh *sh, const struct vfs_node *n, struct ap_buf *out)
{
    const struct sh_host *h = sh->host;
    const struct sh_profile *p = h->p;
    int64_t up = sh_now() - h->boot_time;

    if (up < 0)
        up = 0;
    switch (n->gen) {
    case VFS_GEN_CPUINFO:
        gen_cpuinfo(p, out);
        return 0;
    case VFS_GEN_MEMINFO:
        gen_meminfo(p, out);
        return 0;
    case VFS_GEN_UPTIME:
        return ap_buf_printf(out, "%lld.%02d %lld.%02d\n", (long long)up,
                             (int)(up % 97), (long long)up * p->ncpu * 97 / 100,
                             (int)(up % 89));
    case VFS_GEN_VERSION:
        return ap_buf_printf(out, "Linux version %s (buildd@lcy02-amd64-045) "
                                  "(%s) %s\n",
                             p->kernel_release, p->gcc_version,
                             p->kernel_version);
    case VFS_GEN_LOADAVG:
        return ap_buf_printf(out, "0.%02d 0.%02d 0.%02d 1/%u %d\n",
                             (int)(up % 13), (int)(up % 11) + 3,
                             (int)(up % 7) + 5, 180 + p->ncpu, sh->next_pid);
    case VFS_GEN_MOUNTS:
        return ap_buf_puts(
            out,
            "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
            "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
            "udev /dev devtmpfs rw,nosuid,relatime,mode=755,inode64 0 0\n"
            "devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,"
            "ptmxmode=000 0 0\n"
            "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,mode=755,"
            "inode64 0 0\n"
            "/dev/vda1 / ext4 rw,relatime,discard,errors=remount-ro 0 0\n"
            "tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0\n"
            "/dev/vda15 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0\n");
    case VFS_GEN_ELF: {
        /* an x86-64 ELF header: what `cat /bin/echo` shows a bot probing
         * the architecture (Mirai reads e_machine at offset 18) */
        static const uint8_t elf[64] = {
            0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            3, 0, 0x3e, 0, 1, 0, 0, 0, 0x30, 0x29, 0, 0, 0, 0, 0, 0,
            0x40, 0, 0, 0, 0, 0, 0, 0, 0x58, 0x91, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0x40, 0, 0x38, 0, 13, 0, 0x40, 0, 31, 0, 30, 0};
        return ap_buf_append(out, elf, sizeof(elf));
    }
    case VFS_GEN_NONE:
        break;
    }
    if (n->type != VFS_FILE || n->size == 0 || n->data == NULL)
        return 0;
    return ap_buf_append(out, n->data, n->size);
}
